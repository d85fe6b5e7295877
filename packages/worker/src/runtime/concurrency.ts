/**
 * Applies the user's concurrency modifier (docs/protocol.md §4.5). Python stops taking jobs forever on a
 * value ≤ 0; here a value that is not a positive integer (or a throwing modifier) keeps the worker alive at a
 * safe value.
 */
export function nextConcurrency(
  current: number,
  modifier: ((n: number) => number) | undefined,
  warn: (message: string) => void,
): number {
  if (!modifier) return current;
  let proposed: unknown;
  try {
    proposed = modifier(current);
  } catch (thrown) {
    warn(
      `concurrencyModifier threw (${thrown instanceof Error ? thrown.message : String(thrown)}); keeping ${current}.`,
    );
    return current;
  }
  if (typeof proposed !== "number" || !Number.isInteger(proposed) || proposed < 1) {
    warn(
      `concurrencyModifier returned ${String(proposed)}; concurrency must be a positive integer, using 1.`,
    );
    return 1;
  }
  return proposed;
}
