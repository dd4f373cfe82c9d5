/**
 * 4. Reads, one request at a time (latency, not throughput), against a small and a large
 * database: two databases, each served by its own `npm start`, measured in alternating rounds.
 *
 * - GET /api/agents/{id}
 * - GET /api/events?after=<position near the end>&limit=100: the log read by its cursor;
 * - GET /api/agents?limit=20, the first page of a list, unfiltered and filtered
 *   (`agent_type`, one agent in ten), and a page by cursor near the end of the list: the
 *   agents table holds as many rows as the log (10k / 1M), so these say whether a page costs
 *   the table (they did: a sequential scan and a top-N sort, 20 ms at 104k agents) or a page.
 *
 * The log and the table are grown with INSERT … generate_series straight into `events` and
 * `agents` (the append-only trigger refuses only UPDATE, DELETE and TRUNCATE); those rows get
 * no outbox row, so the relay has nothing to do. VACUUM ANALYZE after growing, as autovacuum
 * would do in time.
 */
import type pg from 'pg';
import { encodeCursor } from '../src/db/cursor.js';
import type { RunContext } from './lib/context.js';
import { AGENT_BODY } from './lib/context.js';
import { Client, closedLoop } from './lib/http.js';
import { progress } from './lib/progress.js';
import { figure, type BenchResult, type Figure } from './lib/report.js';
import { createSandbox } from './lib/sandbox.js';
import { Service } from './lib/service.js';
import { distribution, fmt, ratio, type Distribution } from './lib/stats.js';

const RATIO_TARGET = 1.2;
const AGENTS = 200;
const CHUNK = 100_000;
const PAGE = 100;
/** The page size of the list measurements (the issue measured `?limit=20`). */
const LIST_PAGE = 20;
/** One agent in ten has this type: the filtered list. */
const RARE_TYPE = 'bench-rare';
const ROUND_SECONDS = 0.5;

const BULK_EVENTS = `
  INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload, metadata)
  SELECT 'agent_updated', 'agent', md5('bulk' || g)::uuid, 2,
         jsonb_build_object('id', md5('bulk' || g)::uuid, 'name', 'bulk-agent-' || g, 'agent_type', 'worker',
           'status', 'active', 'capabilities', '["search"]'::jsonb, 'configuration', '{"model": "bench"}'::jsonb,
           'version', 2, 'created_at', now(), 'updated_at', now()),
         '{"request_id": "bulk", "caller": "bench"}'::jsonb
  FROM generate_series($1::bigint, $2::bigint) AS g`;

/** Agents as the API writes them, one second apart from 2020 on (older than the API's own). */
const BULK_AGENTS = `
  INSERT INTO agents (id, name, agent_type, status, capabilities, configuration, version, created_at, updated_at)
  SELECT md5('agent' || g)::uuid, 'bulk-agent-' || g, CASE WHEN g % 10 = 0 THEN '${RARE_TYPE}' ELSE 'worker' END,
         'active', '["search"]'::jsonb, '{"model": "bench"}'::jsonb, 1,
         timestamptz '2020-01-01' + (g || ' seconds')::interval, now()
  FROM generate_series($1::bigint, $2::bigint) AS g`;

async function eventCount(db: pg.Pool, table = 'events'): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]!.n);
}

async function growAgents(db: pg.Pool, to: number): Promise<void> {
  let n = await eventCount(db, 'agents');
  while (n < to) {
    const add = Math.min(CHUNK, to - n);
    progress.step(`growing the agents table to ${to}`, `${n}/${to}`);
    await db.query(BULK_AGENTS, [n + 1, n + add]);
    n += add;
  }
  progress.step('VACUUM ANALYZE agents');
  await db.query('VACUUM ANALYZE agents');
}

/** Cursors of agents with at least LIST_PAGE after them, near the end of the list. */
async function listCursorsNearEnd(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ keys: string }>(
    `SELECT json_build_array(created_at, id)::text AS keys FROM agents ORDER BY created_at DESC, id DESC OFFSET ${LIST_PAGE} LIMIT 1000`,
  );
  return rows.map((r) => encodeCursor(r.keys));
}

async function growLog(db: pg.Pool, to: number): Promise<void> {
  let n = await eventCount(db);
  while (n < to) {
    const add = Math.min(CHUNK, to - n);
    progress.step(`growing the event log to ${to}`, `${n}/${to}`);
    await db.query(BULK_EVENTS, [n + 1, n + add]);
    n += add;
  }
  progress.step('VACUUM ANALYZE events');
  await db.query('VACUUM ANALYZE events');
}

/** Positions with at least PAGE events after them in log order: the reader is nearly caught up. */
async function cursorsNearEnd(db: pg.Pool): Promise<number[]> {
  const { rows } = await db.query<{ position: string }>(
    `SELECT position FROM events ORDER BY transaction_id DESC, position DESC OFFSET ${PAGE} LIMIT 1000`,
  );
  return rows.map((r) => Number(r.position));
}

interface Measured {
  events: number;
  /** Rows in the table the endpoint reads: events, or agents for the agent routes. */
  rows: number;
  what: 'events' | 'agents';
  endpoint: string;
  latency: Distribution;
  rps: number;
}

/** One service (`npm start`) on its own database, holding an event log and an agents table of one size. */
interface Side {
  client: Client;
  events: number;
  agents: number;
  agentIds: string[];
  cursors: number[];
  listCursors: string[];
}

async function prepare(ctx: RunContext, label: string, size: number, undo: Array<() => Promise<void>>): Promise<Side> {
  const sb = await createSandbox(ctx.opts, ctx.runId, `reads_${label}`);
  undo.push(sb.dispose);
  const client = new Client(sb.baseUrl);
  undo.push(async () => client.close());
  progress.step(`starting the service on the ${label} log (npm start)`);
  const service = Service.start('all', sb.serviceEnv, `reads-${label}`);
  undo.push(service.stop);
  await service.waitReady(sb.baseUrl);
  progress.step(`creating ${AGENTS} agents through the API (${label} log)`);
  const agentIds: string[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const r = await client.request('POST', '/api/agents', AGENT_BODY);
    if (r.status !== 201) throw new Error(`POST /api/agents: ${r.status} ${r.body.slice(0, 200)}`);
    agentIds.push((JSON.parse(r.body) as { id: string }).id);
  }
  await growLog(sb.db, size);
  await growAgents(sb.db, size);
  const cursors = await cursorsNearEnd(sb.db);
  const listCursors = await listCursorsNearEnd(sb.db);
  const side: Side = { client, events: await eventCount(sb.db), agents: await eventCount(sb.db, 'agents'), agentIds, cursors, listCursors };
  for (const endpoint of ENDPOINTS) {
    const check = await client.request('GET', endpoint.path(side));
    const body = check.status === 200 ? (JSON.parse(check.body) as unknown[] | Record<string, unknown>) : null;
    const got = body === null ? -2 : Array.isArray(body) ? body.length : -1;
    if (got !== endpoint.rows) throw new Error(`${endpoint.name}: ${check.status}, ${got} rows, expected ${endpoint.rows}: ${check.body.slice(0, 200)}`);
  }
  return side;
}

const pick = <T>(a: T[]) => a[Math.floor(Math.random() * a.length)]!;

interface Endpoint {
  name: string;
  path: (side: Side) => string;
  /** Rows a page of it holds (checked once per side); -1: one object. */
  rows: number;
  /** Held to the same-run ratio target: it must not grow with the table. */
  target: boolean;
}

const ENDPOINTS: Endpoint[] = [
  { name: 'GET /api/agents/{id}', path: (side) => `/api/agents/${pick(side.agentIds)}`, rows: -1, target: false },
  { name: `GET /api/events?after=…&limit=${PAGE}`, path: (side) => `/api/events?after=${pick(side.cursors)}&limit=${PAGE}`, rows: PAGE, target: true },
  { name: `GET /api/agents?limit=${LIST_PAGE} (first page)`, path: () => `/api/agents?limit=${LIST_PAGE}`, rows: LIST_PAGE, target: true },
  { name: `GET /api/agents?agent_type=…&limit=${LIST_PAGE} (first page, filtered)`, path: () => `/api/agents?agent_type=${RARE_TYPE}&limit=${LIST_PAGE}`, rows: LIST_PAGE, target: true },
  { name: `GET /api/agents?cursor=…&limit=${LIST_PAGE} (a page near the end)`, path: (side) => `/api/agents?cursor=${pick(side.listCursors)}&limit=${LIST_PAGE}`, rows: LIST_PAGE, target: true },
];

/**
 * Both logs are measured in alternating half-second rounds (small first, then large
 * first, …) rather than one after the other, so that a machine getting busier or quieter
 * meanwhile weighs on both sides alike and the ratio stays about the log size.
 */
async function measureInterleaved(sides: Side[], seconds: number): Promise<Measured[][]> {
  const latencies = sides.map(() => ENDPOINTS.map(() => [] as number[]));
  const busy = sides.map(() => ENDPOINTS.map(() => 0));
  progress.step('warm-up (JIT, caches, plans)');
  for (const side of sides) {
    for (const { path } of ENDPOINTS) await closedLoop(side.client, { seconds: 1, concurrency: 1, next: () => path(side) });
  }
  const rounds = Math.max(2, Math.ceil(seconds / ROUND_SECONDS));
  for (let r = 0; r < rounds; r++) {
    progress.step('interleaved rounds, one request at a time', `${r + 1}/${rounds}`);
    for (const [e, { name: endpoint, path }] of ENDPOINTS.entries()) {
      const order = r % 2 === 0 ? sides.keys() : [...sides.keys()].reverse();
      for (const i of order) {
        const side = sides[i]!;
        const res = await closedLoop(side.client, { seconds: ROUND_SECONDS, concurrency: 1, next: () => path(side) });
        if (res.errors) throw new Error(`${endpoint}: ${res.errors} failed requests, first: ${res.firstError}`);
        latencies[i]![e]!.push(...res.latenciesMs);
        busy[i]![e]! += res.seconds;
      }
    }
  }
  return sides.map((side, i) => ENDPOINTS.map(({ name: endpoint }, e) => ({
    events: side.events,
    rows: endpoint.includes('/api/events') ? side.events : side.agents,
    what: endpoint.includes('/api/events') ? 'events' as const : 'agents' as const,
    endpoint,
    latency: distribution(latencies[i]![e]!),
    rps: latencies[i]![e]!.length / busy[i]![e]!,
  })));
}

export async function reads(ctx: RunContext): Promise<BenchResult> {
  const { readsSmall, readsLarge, readSeconds } = ctx.opts.sizes;
  const undo: Array<() => Promise<void>> = [];
  try {
    const small = await prepare(ctx, 'small', readsSmall, undo);
    const large = await prepare(ctx, 'large', readsLarge, undo);
    const [s, l] = await measureInterleaved([small, large], readSeconds);
    return report(s!, l!);
  } finally {
    progress.step('stopping the services');
    for (const step of undo.reverse()) await step();
  }
}

const short = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n));

function report(small: Measured[], large: Measured[]): BenchResult {
  const figures: Figure[] = [];
  const rows: string[][] = [];
  small.forEach((s, i) => {
    const l = large[i]!;
    const targeted = ENDPOINTS[i]!.target;
    for (const p of ['p50', 'p99'] as const) {
      figures.push(figure({
        bench: 'reads', name: `${s.endpoint} ${p}, ${short(l.rows)} ${l.what}`, value: l.latency[p], unit: 'ms',
        baseline: { name: `${short(s.rows)} ${s.what}`, value: s.latency[p] },
        ...(targeted && p === 'p50' ? { target: { on: 'ratio' as const, op: '<=' as const, limit: RATIO_TARGET } } : {}),
      }));
    }
    for (const m of [s, l]) {
      rows.push([m.endpoint, `${short(m.rows)} ${m.what}`, fmt(m.latency.p50), fmt(m.latency.p95), fmt(m.latency.p99), fmt(m.rps), m === l ? `${fmt(ratio(l.latency.p50, s.latency.p50), 2)} ×` : '']);
    }
  });
  const plotData = [...small, ...large].flatMap((m) =>
    (['p50', 'p99'] as const).map((p) => ({ endpoint: m.endpoint, log: `${short(m.events)} events`, percentile: p, ms: m.latency[p] })),
  );
  const order = [`${short(small[0]!.events)} events`, `${short(large[0]!.events)} events`];
  return {
    name: 'reads',
    title: `Reads with ${short(small[0]!.events)} and with ${short(large[0]!.events)} events in the log and agents in the table (one request at a time)`,
    table: { headers: ['endpoint', 'rows', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'p50 large ÷ small'], rows },
    figures,
    notes: [],
    data: { small, large },
    plot: {
      title: 'Read latency by event-log size',
      data: { values: plotData },
      facet: { column: { field: 'endpoint', type: 'nominal', title: null } },
      spec: {
        width: 220, height: 220,
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'percentile', type: 'nominal', title: null, axis: { labelAngle: 0 } },
          xOffset: { field: 'log', type: 'nominal', sort: order },
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
          color: { field: 'log', type: 'nominal', title: 'event log', sort: order },
        },
      },
    },
  };
}
