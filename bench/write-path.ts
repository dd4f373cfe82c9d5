/**
 * 1. Write path: POST /api/agents (auth, validation, entity + event + outbox row in one
 * statement) under wrk (autocannon without it) at each connection level, against pgbench
 * running the same three inserts in one pipelined transaction on the same database server.
 *
 * The API runs twice, as real processes:
 * - `npm start` (supervisor, API, relay worker): the relay publishes while the API writes,
 *   all on the same 2 cores, as a one-machine install runs it;
 * - `npm run start:api` alone: the write path by itself, with the relay elsewhere (as
 *   docker-compose runs it: api and workers in their own containers). Its outbox is left
 *   for a relay that is not running, as pgbench leaves its rows.
 * pgbench runs after both have stopped (and the relay drained), so the baseline is the
 * database alone: the machine's limit for this SQL. Ratio = API req/s ÷ pgbench
 * transactions/s at the same number of connections.
 */
import { AGENT_BODY, until, type RunContext } from './lib/context.js';
import { load, type LoadResult } from './lib/load.js';
import { AGENT_INSERT_SCRIPT, availableConnections, runPgbench, type PgbenchResult } from './lib/pgbench.js';
import { progress } from './lib/progress.js';
import { figure, type BenchResult, type Figure } from './lib/report.js';
import { createSandbox, type Sandbox } from './lib/sandbox.js';
import { Service, type Kind } from './lib/service.js';
import { fmt, ratio } from './lib/stats.js';

const RATIO_TARGET = 0.6;
/** Connections left to everyone else on the shared server when sizing pgbench. */
const CONNECTION_MARGIN = 10;

interface Setup {
  kind: Kind;
  /** Row label in the tables. */
  label: string;
}

const SETUPS: Setup[] = [
  { kind: 'all', label: 'npm start (API + relay)' },
  { kind: 'api', label: 'API alone (start:api)' },
];

interface ApiRun {
  setup: Setup;
  results: LoadResult[];
  /** API alone: the first connection level again, each request with an Idempotency-Key of its own (as the typed client sends). */
  keyed?: LoadResult;
}

async function measureApi(ctx: RunContext, sb: Sandbox, setup: Setup, notes: string[]): Promise<ApiRun> {
  const { sizes } = ctx.opts;
  const url = `${sb.baseUrl}/api/agents`;
  progress.step(`starting ${setup.label}`);
  const service = Service.start(setup.kind, sb.serviceEnv, `write-${setup.kind}`);
  const rss = ctx.rss.watch('write', service);
  const results: LoadResult[] = [];
  let keyed: LoadResult | undefined;
  try {
    await service.waitReady(sb.baseUrl);
    await service.waitChildren();
    rss.ready();
    progress.step(`${setup.label}: warm-up`);
    await load({ url, method: 'POST', body: AGENT_BODY, connections: sizes.writeConnections[0]!, seconds: sizes.writeWarmupSeconds });
    for (const connections of sizes.writeConnections) {
      const label = `${setup.label}: POST /api/agents, ${connections} connections`;
      progress.step(label);
      results.push(await load({
        url, method: 'POST', body: AGENT_BODY, connections, seconds: sizes.writeSeconds,
        onProgress: (n) => progress.step(label, `${n} requests`),
      }));
      service.assertRunning();
    }
    if (setup.kind === 'api') {
      const connections = sizes.writeConnections[0]!;
      const label = `${setup.label}: POST /api/agents with Idempotency-Key, ${connections} connections`;
      progress.step(label);
      keyed = await load({ url, method: 'POST', body: AGENT_BODY, connections, seconds: sizes.writeSeconds, keyed: true, onProgress: (n) => progress.step(label, `${n} requests`) });
      service.assertRunning();
    }
    if (setup.kind === 'all') {
      progress.step('waiting for the relay to drain the outbox');
      const drained = await until(async () => (await sb.db.query('SELECT 1 FROM outbox LIMIT 1')).rowCount === 0, 120_000, 250);
      if (!drained) notes.push('the relay had not drained the outbox 120 s after the API run');
    }
  } finally {
    rss.stop();
    progress.step(`stopping ${setup.label}`);
    await service.stop();
  }
  return { setup, results, keyed };
}

export async function writePath(ctx: RunContext): Promise<BenchResult> {
  const { sizes } = ctx.opts;
  const sb = await createSandbox(ctx.opts, ctx.runId, 'write');
  const notes: string[] = [];
  try {
    const runs: ApiRun[] = [];
    for (const setup of SETUPS) runs.push(await measureApi(ctx, sb, setup, notes));

    const pg: PgbenchResult[] = [];
    for (const connections of sizes.writeConnections) {
      const free = (await availableConnections(sb.db)) - CONNECTION_MARGIN;
      const clients = Math.max(1, Math.min(connections, free));
      if (clients < connections) notes.push(`pgbench ran ${clients} clients instead of ${connections}: the shared server had only ${free + CONNECTION_MARGIN} connections free`);
      progress.step(`pgbench, ${clients} clients`);
      pg.push(await runPgbench(sb.databaseUrl, AGENT_INSERT_SCRIPT, clients, sizes.writeSeconds));
    }

    notes.push(`load generator: ${runs[0]?.results[0]?.tool ?? 'none'}, one process on the same machine`);
    for (const run of runs) {
      for (const r of [...run.results, ...(run.keyed ? [run.keyed] : [])]) {
        if (r.non2xx || r.errors) notes.push(`${run.setup.label} at ${r.connections} connections: ${r.non2xx} non-2xx answers, ${r.errors} connection errors (not counted as throughput)`);
      }
    }
    for (const r of pg) if (r.failed) notes.push(`pgbench at ${r.clients} clients: ${r.failed} failed transactions`);
    return report(runs, pg, notes);
  } finally {
    await sb.dispose();
  }
}

function report(runs: ApiRun[], pg: PgbenchResult[], notes: string[]): BenchResult {
  const figures: Figure[] = [];
  const rows: string[][] = [];
  pg.forEach((p, i) => {
    for (const { setup, results } of runs) {
      const a = results[i]!;
      const c = a.connections;
      const short = setup.kind === 'all' ? 'npm start' : 'API alone';
      figures.push(
        figure({ bench: 'write', name: `POST /api/agents, ${c} conn, ${short}`, value: a.rps, unit: 'req/s', baseline: { name: `pgbench ${p.clients} clients`, value: p.tps }, target: { on: 'ratio', op: '>=', limit: RATIO_TARGET } }),
        figure({ bench: 'write', name: `p50 latency, ${c} conn, ${short}`, value: a.p50, unit: 'ms', baseline: { name: 'pgbench p50', value: p.latencyMs.p50 } }),
        figure({ bench: 'write', name: `p99 latency, ${c} conn, ${short}`, value: a.p99, unit: 'ms', baseline: { name: 'pgbench p99', value: p.latencyMs.p99 } }),
      );
      rows.push([setup.label, String(c), fmt(a.rps), fmt(a.p50), fmt(a.p99), fmt(a.max), String(a.non2xx + a.errors), `${fmt(ratio(a.rps, p.tps), 2)} ×`]);
    }
    rows.push(['pgbench  3 inserts, 1 tx', String(p.clients), fmt(p.tps), fmt(p.latencyMs.p50), fmt(p.latencyMs.p99), fmt(p.latencyMs.max), String(p.failed), '']);
  });
  // Keyed creates against the same API's unkeyed ones at the same connections (no target: what a key costs).
  for (const { setup, results, keyed: k } of runs) {
    const plain = results[0];
    if (!k || !plain) continue;
    figures.push(figure({ bench: 'write', name: `POST /api/agents with Idempotency-Key, ${k.connections} conn, API alone`, value: k.rps, unit: 'req/s', baseline: { name: 'the same without a key', value: plain.rps } }));
    rows.push([`${setup.label}, Idempotency-Key`, String(k.connections), fmt(k.rps), fmt(k.p50), fmt(k.p99), fmt(k.max), String(k.non2xx + k.errors), '']);
  }
  const plotData = pg.flatMap((p, i) => [
    ...runs.map(({ setup, results }) => ({ connections: String(results[i]!.connections), system: setup.label, rps: results[i]!.rps, p99: results[i]!.p99 })),
    { connections: String(runs[0]?.results[i]?.connections ?? p.clients), system: 'pgbench', rps: p.tps, p99: p.latencyMs.p99 },
  ]);
  const bars = (field: string, title: string) => ({
    width: 220,
    height: 220,
    mark: { type: 'bar' as const, tooltip: true },
    encoding: {
      x: { field: 'connections', type: 'ordinal' as const, title: 'connections', axis: { labelAngle: 0 } },
      xOffset: { field: 'system', type: 'nominal' as const },
      y: { field, type: 'quantitative' as const, title },
      color: { field: 'system', type: 'nominal' as const, title: null },
    },
  });
  return {
    name: 'write',
    title: 'Write path: POST /api/agents vs pgbench (same inserts, one transaction)',
    table: { headers: ['system', 'conn', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'API ÷ pgbench'], rows },
    figures,
    notes,
    data: { api: runs.map((r) => ({ setup: r.setup, results: r.results })), pgbench: pg.map(({ command, ...rest }) => ({ ...rest, command })), script: AGENT_INSERT_SCRIPT },
    plot: {
      title: 'Write path: throughput and p99 latency',
      data: { values: plotData },
      hconcat: [bars('rps', 'requests (transactions) / s'), bars('p99', 'p99 latency (ms)')],
    },
  };
}
