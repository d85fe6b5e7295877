import { describeClusterStoreConformance } from "../testing/cluster-conformance.js";
import { usePostgresTestDb } from "../testing/postgres-test-db.js";
import { openPostgresStore } from "./postgres.js";

const db = usePostgresTestDb();

describeClusterStoreConformance("postgres", () =>
  openPostgresStore({ connectionString: db.url, schema: db.freshSchema(), poolSize: 4 }),
);
