import { describeStoreConformance } from "../testing/conformance.js";
import { usePostgresTestDb } from "../testing/postgres-test-db.js";
import { openPostgresStore } from "./postgres.js";

const db = usePostgresTestDb();

// A schema per test: the conformance suite expects every test to start from an empty store. A peer is a second
// pool on the same schema, as a second Gantry node would hold.
describeStoreConformance(
  "postgres",
  () => openPostgresStore({ connectionString: db.url, schema: db.freshSchema(), poolSize: 4 }),
  { peer: () => openPostgresStore({ connectionString: db.url, schema: db.currentSchema(), poolSize: 4 }) },
);
