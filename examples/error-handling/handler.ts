/**
 * Error handling: every failure becomes a result object `{ error, status, retry }` instead of an exception,
 * so clients can tell a bad request (do not retry) from a transient fault (retry). The SDK takes `error` out
 * of the returned object, so the job fails with that message and `output` carries `status` and `retry`.
 *
 * The work: allocate a buffer of `buffer_mb`, hash it `rounds` times within `deadline_ms`, optionally check
 * that an `upstream` "host:port" accepts TCP connections, and parse an optional JSON `payload`.
 * `simulate` picks inputs that make each real failure happen: "validation" | "oom" | "timeout" |
 * "connection" | "unknown".
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { type AddressInfo, connect, createServer } from "node:net";
import { type Job, start } from "@gantry/worker";
import {
  ConnectionError,
  OutOfMemoryError,
  TimeoutError,
  toErrorResult,
  validationFailed,
} from "./errors.js";

interface WorkInput {
  buffer_mb?: unknown;
  rounds?: unknown;
  deadline_ms?: unknown;
  upstream?: unknown;
  payload?: unknown;
  simulate?: unknown;
}

interface WorkParams {
  bufferMb: number;
  rounds: number;
  deadlineMs: number;
  upstream?: { host: string; port: number };
  payload?: string;
}

function validate(input: WorkInput): WorkParams | string {
  const { buffer_mb: bufferMb = 1, rounds = 1000, deadline_ms: deadlineMs = 5000, upstream, payload } = input;
  if (typeof bufferMb !== "number" || !Number.isFinite(bufferMb) || bufferMb < 0) {
    return "buffer_mb must be a non-negative number";
  }
  if (typeof rounds !== "number" || !Number.isInteger(rounds) || rounds < 1)
    return "rounds must be a positive integer";
  if (typeof deadlineMs !== "number" || !(deadlineMs > 0)) return "deadline_ms must be a positive number";
  const params: WorkParams = { bufferMb, rounds, deadlineMs };
  if (upstream !== undefined) {
    const match = typeof upstream === "string" ? /^([\w.-]+):(\d{1,5})$/.exec(upstream) : null;
    if (!match || Number(match[2]) > 65535) return "upstream must be 'host:port'";
    params.upstream = { host: match[1]!, port: Number(match[2]) };
  }
  if (payload !== undefined) {
    if (typeof payload !== "string") return "payload must be a string";
    params.payload = payload;
  }
  return params;
}

function allocate(bufferMb: number): Uint8Array {
  try {
    return new Uint8Array(new ArrayBuffer(Math.ceil(bufferMb * 1024 * 1024)));
  } catch (err) {
    // V8 reports a failed allocation as a RangeError; give it a type the caller can act on.
    if (err instanceof RangeError)
      throw new OutOfMemoryError(`could not allocate ${bufferMb} MB`, { cause: err });
    throw err;
  }
}

function hashRounds(data: Uint8Array, rounds: number, deadlineMs: number): string {
  const deadline = performance.now() + deadlineMs;
  let digest = createHash("sha256").update(data).digest();
  for (let i = 1; i < rounds; i++) {
    if (i % 1000 === 0 && performance.now() > deadline) {
      throw new TimeoutError(`hashing stopped after ${i} of ${rounds} rounds (${deadlineMs} ms)`);
    }
    digest = createHash("sha256").update(digest).digest();
  }
  return digest.toString("hex");
}

async function checkUpstream(host: string, port: number): Promise<void> {
  const socket = connect({ host, port, timeout: 3000 });
  try {
    await Promise.race([
      once(socket, "connect"),
      once(socket, "timeout").then(() => {
        throw new TimeoutError(`connecting to ${host}:${port} timed out`);
      }),
    ]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code && ["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENOTFOUND", "ENETUNREACH"].includes(code)) {
      throw new ConnectionError(`${host}:${port} ${code}`, { cause: err });
    }
    throw err;
  } finally {
    socket.destroy();
  }
}

/** A loopback port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/** Inputs that provoke each failure for real (no fake throws). */
async function simulatedInput(kind: unknown, input: WorkInput): Promise<WorkInput | string> {
  switch (kind) {
    case undefined:
      return input;
    case "validation":
      return { ...input, buffer_mb: "a lot" };
    case "oom":
      return { ...input, buffer_mb: 1024 * 1024 * 1024 }; // 1 PB
    case "timeout":
      return { ...input, rounds: 1e9, deadline_ms: 20 };
    case "connection":
      return { ...input, upstream: `127.0.0.1:${await closedPort()}` };
    case "unknown":
      return { ...input, payload: "{ not json" };
    default:
      return "simulate must be one of validation, oom, timeout, connection, unknown";
  }
}

async function handler(job: Job<WorkInput>) {
  try {
    const input = await simulatedInput(job.input.simulate, job.input);
    if (typeof input === "string") return validationFailed(input);
    const params = validate(input);
    if (typeof params === "string") return validationFailed(params);

    const buffer = allocate(params.bufferMb);
    buffer.fill(0x5a);
    const digest = hashRounds(buffer, params.rounds, params.deadlineMs);
    if (params.upstream) await checkUpstream(params.upstream.host, params.upstream.port);
    const payloadKeys = params.payload === undefined ? 0 : Object.keys(JSON.parse(params.payload)).length;

    return { output: { digest, rounds: params.rounds, payload_keys: payloadKeys }, status: "SUCCESS" };
  } catch (err) {
    return toErrorResult(err);
  }
}

start({ handler });
