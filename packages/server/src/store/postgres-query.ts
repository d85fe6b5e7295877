/** Runs the adapter's named statements (postgres-sql.ts) on the pool: what the PostgreSQL parts share. */
import type pg from "pg";
import type { JobRecord } from "../domain/job.js";
import { type JobRow, toRecord } from "./postgres-rows.js";
import { buildStatements, type StatementName, type Statements } from "./postgres-sql.js";

/** Clamps a row limit to 1…max (an unusable value counts as 1). */
export const clampLimit = (n: number, max: number): number => {
  const v = Math.trunc(n);
  return Number.isFinite(v) ? Math.min(Math.max(1, v), max) : 1;
};

export class PgQuery {
  private readonly sql: Statements;

  /** `quotedSchema` is already quoted; with `prepare`, statements are named, so parsed once per connection. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    quotedSchema: string,
    private readonly prepare: boolean,
  ) {
    this.sql = buildStatements(quotedSchema);
  }

  q<R extends object>(name: StatementName, values: unknown[]): Promise<pg.QueryResult<R>> {
    const text = this.sql[name];
    return this.pool.query<R>(
      this.prepare ? { name: `${this.schema}.${name}`, text, values } : { text, values },
    );
  }

  async rows<R extends object>(name: StatementName, values: unknown[]): Promise<R[]> {
    return (await this.q<R>(name, values)).rows;
  }

  async one(name: StatementName, values: unknown[]): Promise<JobRecord | undefined> {
    const [row] = await this.rows<JobRow>(name, values);
    return row ? toRecord(row) : undefined;
  }
}
