/**
 * Command line of `npm run bench -- [scenario…] [--smoke] [--rounds N] [--jobs N] [--store sqlite|postgres]
 * [--database-url URL] [--profile DIR] [--out FILE]`.
 */

export interface BenchArgs {
  scenarios: string[];
  smoke: boolean;
  rounds?: number;
  jobs?: number;
  profileDir?: string;
  out?: string;
  /** Absent means SQLite. */
  store?: "sqlite" | "postgres";
  databaseUrl?: string;
  help: boolean;
}

function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1)
    throw new Error(
      `${flag} needs a positive integer, got ${value === undefined ? "nothing" : `"${value}"`}`,
    );
  return n;
}

function text(flag: string, value: string | undefined): string {
  if (value === undefined || value === "" || value.startsWith("--")) throw new Error(`${flag} needs a value`);
  return value;
}

export function parseBenchArgs(argv: readonly string[], known: readonly string[]): BenchArgs {
  const out: BenchArgs = { scenarios: [], smoke: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    switch (a) {
      case "--smoke":
        out.smoke = true;
        break;
      case "--help":
      case "-h":
        out.help = true;
        break;
      case "--rounds":
        out.rounds = positiveInt(a, argv[++i]);
        break;
      case "--jobs":
        out.jobs = positiveInt(a, argv[++i]);
        break;
      case "--profile":
        out.profileDir = text(a, argv[++i]);
        break;
      case "--out":
        out.out = text(a, argv[++i]);
        break;
      case "--store": {
        const v = text(a, argv[++i]);
        if (v !== "sqlite" && v !== "postgres")
          throw new Error(`--store must be sqlite or postgres, got "${v}"`);
        out.store = v;
        break;
      }
      case "--database-url": {
        const v = text(a, argv[++i]);
        if (!/^postgres(ql)?:\/\/./i.test(v))
          throw new Error(`--database-url must be a postgres:// or postgresql:// URL, got "${v}"`);
        out.databaseUrl = v;
        break;
      }
      default:
        if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
        if (!known.includes(a)) throw new Error(`unknown scenario "${a}"; known: ${known.join(", ")}`);
        out.scenarios.push(a);
    }
  }
  if (out.databaseUrl !== undefined && out.store !== "postgres")
    throw new Error("--database-url is only used with --store postgres");
  return out;
}
