/**
 * Test support shared by the end-to-end and supervision harnesses: polling for state that is only visible by
 * asking (across processes, where no event can be awaited).
 */

/** Polls `fn` every 100 ms until it returns a truthy value, which it resolves with; throws after `timeoutMs`. */
export async function until<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 30_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
