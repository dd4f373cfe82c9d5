/**
 * Command line and the two modes. Full mode is what RESULTS.md reports; short mode runs a
 * few seconds per benchmark, for a quick look and for CI to keep the harness working.
 */
import { fileURLToPath } from 'node:url';

export const BENCHES = ['write', 'latency', 'drain', 'partitions', 'reads', 'memory'] as const;
export type BenchName = (typeof BENCHES)[number];

export interface Sizes {
  /** Write path: seconds per connection level (API and pgbench), and the warm-up before them. */
  writeSeconds: number;
  writeWarmupSeconds: number;
  writeConnections: number[];
  /** End-to-end latency: paced writes per second, for this long. */
  pacedRate: number;
  pacedSeconds: number;
  /** Relay drain: events written while the relay is stopped. */
  backlog: number;
  /** Reads: events in the log for the small and the large measurement, seconds per endpoint. */
  readsSmall: number;
  readsLarge: number;
  readSeconds: number;
}

const FULL: Sizes = {
  writeSeconds: 10,
  writeWarmupSeconds: 2,
  writeConnections: [16, 64],
  pacedRate: 300,
  pacedSeconds: 10,
  backlog: 100_000, // DESIGN.md: "Relay draining a 100k-event backlog"
  readsSmall: 10_000,
  readsLarge: 1_000_000,
  readSeconds: 5,
};

const SHORT: Sizes = {
  writeSeconds: 3,
  writeWarmupSeconds: 1,
  writeConnections: [16, 64],
  pacedRate: 300,
  pacedSeconds: 3,
  backlog: 3_000,
  readsSmall: 10_000,
  readsLarge: 100_000,
  readSeconds: 1.5,
};

export interface Options {
  short: boolean;
  only: ReadonlySet<BenchName>;
  sizes: Sizes;
  /** LOG_LEVEL of the service processes (their logs go to bench/results/logs/). */
  logLevel: string;
  /** Server URLs without a database: the harness makes its own databases there. */
  pgUrl: string;
  redisUrl: string;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
export const LOG_DIR = fileURLToPath(new URL('../results/logs/', import.meta.url));
export const AUTH_HEADER = 'Bearer test_token_123';

export const USAGE = `usage: npm run bench [-- options]

  --short              a few seconds per benchmark (quick look, CI smoke run)
  --only a,b           run only these: ${BENCHES.join(', ')}
  --backlog N          relay drain backlog (default ${FULL.backlog}, short ${SHORT.backlog})
  --large N            events in the log for the large read measurement (default ${FULL.readsLarge}, short ${SHORT.readsLarge})
  --log-level LEVEL    LOG_LEVEL of the service (default info, as shipped)

  BENCH_PG_URL         default postgres://postgres@127.0.0.1:5432
  BENCH_REDIS_URL      default redis://127.0.0.1:6379`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Options {
  const short = argv.includes('--short');
  const sizes = { ...(short ? SHORT : FULL) };
  let only: Set<BenchName> = new Set(BENCHES);
  let logLevel = 'info';
  const value = (i: number) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${argv[i]} needs a value\n\n${USAGE}`);
    return v;
  };
  const count = (i: number) => {
    const n = Number(value(i));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${argv[i]} must be a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--short') continue;
    if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    if (arg === '--only') {
      const names = value(i++).split(',').map((s) => s.trim());
      const unknown = names.filter((n) => !(BENCHES as readonly string[]).includes(n));
      if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`);
      only = new Set(names as BenchName[]);
    } else if (arg === '--backlog') sizes.backlog = count(i++);
    else if (arg === '--large') sizes.readsLarge = count(i++);
    else if (arg === '--log-level') logLevel = value(i++);
    else throw new Error(`unknown option ${arg}\n\n${USAGE}`);
  }
  return {
    short,
    only,
    sizes,
    logLevel,
    pgUrl: env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
