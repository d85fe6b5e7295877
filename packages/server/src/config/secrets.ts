/**
 * First-start secrets: with no API key or worker secret configured, generate them into `<dataDir>/secrets.json`
 * (mode 0600) so a fresh server is never open by accident, and reuse them on every later start.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GantryConfig } from "./load.js";

export interface ResolvedSecrets {
  apiKeys: string[];
  workerSecret: string;
  /** The API key that was generated on this start (to be shown once), if any. */
  generatedApiKey?: string;
  /** Where generated secrets live, when any were needed. */
  secretsPath?: string;
}

interface SecretsFile {
  apiKey?: string;
  workerSecret?: string;
}

const newSecret = (prefix: string) => `${prefix}_${randomBytes(24).toString("base64url")}`;

function readSecrets(path: string): SecretsFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${path}: must hold a JSON object`);
  const { apiKey, workerSecret } = parsed as Record<string, unknown>;
  return {
    ...(typeof apiKey === "string" && apiKey !== "" ? { apiKey } : {}),
    ...(typeof workerSecret === "string" && workerSecret !== "" ? { workerSecret } : {}),
  };
}

export function prepareSecrets(config: GantryConfig): ResolvedSecrets {
  const needKey = config.auth.apiKeys.length === 0;
  const needSecret = config.auth.workerSecret === undefined;
  if (!needKey && !needSecret) {
    return { apiKeys: [...config.auth.apiKeys], workerSecret: config.auth.workerSecret as string };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const path = join(config.dataDir, "secrets.json");
  const stored = readSecrets(path);
  let generatedApiKey: string | undefined;
  let changed = false;
  if (needKey && !stored.apiKey) {
    stored.apiKey = newSecret("gantry");
    generatedApiKey = stored.apiKey;
    changed = true;
  }
  if (needSecret && !stored.workerSecret) {
    stored.workerSecret = newSecret("gantryw");
    changed = true;
  }
  if (changed) {
    writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  const out: ResolvedSecrets = {
    apiKeys: needKey ? [stored.apiKey as string] : [...config.auth.apiKeys],
    workerSecret: needSecret ? (stored.workerSecret as string) : (config.auth.workerSecret as string),
    secretsPath: path,
  };
  if (generatedApiKey) out.generatedApiKey = generatedApiKey;
  return out;
}
