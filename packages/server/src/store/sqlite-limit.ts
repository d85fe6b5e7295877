/**
 * Statements whose LIMIT is written into the SQL, one per limit value, prepared on first use.
 *
 * SQLite reads the value of a bound `LIMIT ?` while it plans a statement and marks that parameter, so binding it
 * again forces a re-prepare on the next step. better-sqlite3 binds every parameter on every run, so a
 * `LIMIT ?` statement was recompiled on each execution: ≈ 24 µs for an index lookup that costs ≈ 6 µs with the
 * literal (measured on this machine; the re-prepare showed in profiles of an idle server's sweeps).
 */

/** Distinct limits kept per statement; callers use a handful (a sweep's batch, a worker's concurrency). */
const MAX_CACHED = 64;

export function byLimit<S>(sql: string, prepare: (sql: string) => S): (limit: number) => S {
  const at = sql.lastIndexOf("LIMIT ?");
  if (at < 0) throw new Error(`byLimit: no "LIMIT ?" in ${sql}`);
  const head = sql.slice(0, at);
  const tail = sql.slice(at + "LIMIT ?".length);
  const cache = new Map<number, S>();
  return (limit) => {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError(`LIMIT must be a non-negative integer, got ${String(limit)}`);
    }
    let statement = cache.get(limit);
    if (statement === undefined) {
      statement = prepare(`${head}LIMIT ${limit}${tail}`);
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as number);
      cache.set(limit, statement);
    }
    return statement;
  };
}
