/** JSON over a keep-alive undici Pool: the one client every HTTP measurement uses, Gantry and floor alike. */
import { Pool } from "undici";

export interface JsonReply<T = unknown> {
  status: number;
  body: T;
}

export function pool(origin: string, connections = 64): Pool {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
}

export async function callJson<T = unknown>(
  client: Pool,
  method: "GET" | "POST",
  path: string,
  options: { body?: unknown; auth?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<JsonReply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.authorization = `Bearer ${options.auth}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await client.request({
    method,
    path,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: (text === "" ? undefined : JSON.parse(text)) as T };
}

/** Runs `task(i)` for i in [0, count) with at most `inFlight` running at once; rejects on the first failure. */
export async function boundedParallel(
  count: number,
  inFlight: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
}
