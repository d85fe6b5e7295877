/** Building the engine's `Outcome` answers. */
import type { Outcome } from "./platform.js";

export const fail = <T>(code: 400 | 404 | 409 | 429, error: string): Outcome<T> => ({
  ok: false,
  code,
  error,
});
export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
