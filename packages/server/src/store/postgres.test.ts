import { afterAll, beforeAll } from "vitest";
import { describeStoreConformance } from "../testing/conformance.js";
import {
  dropTestSchemas,
  requirePostgres,
  testDatabaseUrl,
  testSchemaPrefix,
} from "../testing/postgres-test-db.js";
import { openPostgresStore } from "./postgres.js";

const url = testDatabaseUrl();
const prefix = testSchemaPrefix();
let n = 0;

beforeAll(() => requirePostgres(url));
afterAll(() => dropTestSchemas(prefix, url));

// A schema per test: the conformance suite expects every test to start from an empty store. A peer is a second
// pool on the same schema, as a second Gantry node would hold.
describeStoreConformance(
  "postgres",
  () => openPostgresStore({ connectionString: url, schema: `${prefix}_${++n}`, poolSize: 4 }),
  { peer: () => openPostgresStore({ connectionString: url, schema: `${prefix}_${n}`, poolSize: 4 }) },
);
