/**
 * Hostile input, property-based. Requests are generated from the app's own OpenAPI
 * document — every route, every method — with fast-check arbitraries derived from the
 * schemas in it, then broken by hostile mutations (support/mutations.ts). For every case:
 *
 *   - never a 5xx, never a hang (each request must answer within REQUEST_TIMEOUT_MS);
 *   - every error is application/problem+json, with its status, leaking no stack or SQL;
 *   - a 400 names the fields (`body.*`, `querystring.*`, `params.*`, `headers.*`), one of
 *     them in a part of the request a mutation broke;
 *   - a rejected write commits nothing to any table (a write counter: support/fingerprint.ts);
 *
 * and afterwards: the rows of every entity table moved exactly as the event log says, the
 * outbox grew with the log, and the service is healthy.
 *
 * Seeded and reproducible: FUZZ_SEED (default 20240601) and FUZZ_RUNS (default 10,000 cases,
 * spread evenly over the operations); FUZZ_SHRINK=1 shrinks a failure to a minimal case.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { entities, entityByTable } from '../../src/db/entities/index.js';
import { useTestApp } from '../helpers/app.js';
import { AUTH, client, DEV_TOKEN, expectNoLeak, type ProblemJson } from '../helpers/http.js';
import { count } from '../helpers/rows.js';
import { Samples } from '../helpers/samples.js';
import { describeCase, toInject, validCase, type Case } from './support/cases.js';
import { installWriteCounter, rowCounts, writesSoFar } from './support/fingerprint.js';
import { mutationsFor } from './support/mutations.js';
import { loadOperations, type KnownIds, type Operation } from './support/openapi.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20240601);
const SHRINK = process.env.FUZZ_SHRINK === '1';
const REQUEST_TIMEOUT_MS = 5000;
const LOCATIONS: string[] = ['body', 'querystring', 'params', 'headers'];

/** What the app logged at error level: the cause of a 5xx, for the failure message. */
const appErrors: string[] = [];
const t = useTestApp({}, pino({ level: 'error' }, { write: (line: string) => void appErrors.push(line) }));
let ops: Operation[] = [];
const ids: KnownIds = new Map();
let startCounts: Record<string, number> = {};
let startPosition = 0;
let startOutbox = 0;

const stats = { cases: 0, mutated: 0, rejectedWrites: 0, invalidBase: 0, byStatus: {} as Record<string, number>, perOp: new Map<string, number>() };

beforeAll(async () => {
  ops = await loadOperations(t.app);
  // A few real rows per table, so ids in paths and foreign keys sometimes exist.
  const samples = new Samples(client(() => t.app));
  for (const entity of entities) {
    for (let i = 0; i < 2; i++) {
      const row = await samples.create(entity);
      ids.set(entity.table, [...(ids.get(entity.table) ?? []), row.id]);
    }
  }
  const { rows } = await t.db.query<{ id: string }>('SELECT id::text FROM events ORDER BY position LIMIT 5');
  ids.set('events', rows.map((r) => r.id));
  await installWriteCounter(t.db);
  startCounts = await rowCounts(t.db);
  startPosition = Number((await t.db.query<{ p: string }>('SELECT coalesce(max(position), 0) AS p FROM events')).rows[0]!.p);
  startOutbox = await count(t.db, 'outbox');
}, 120_000);

afterAll(() => {
  const statuses = Object.entries(stats.byStatus).sort().map(([s, n]) => `${s}: ${n}`).join(', ');
  console.log(`[fuzz] seed=${SEED} cases=${stats.cases} (mutated ${stats.mutated}) operations=${ops.length} rejected writes checked=${stats.rejectedWrites} generated cases invalid before mutation=${stats.invalidBase}\n[fuzz] statuses ${statuses}`);
});

const timeout = <T>(p: Promise<T>, ms: number) => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (hang)`)), ms); })])
    .finally(() => clearTimeout(timer));
};

/** Sent values that would look like a leak when quoted back (the leak check's own words). */
const LEAKY = /SELECT|INSERT|UPDATE|DELETE|jsonb_|FST_|Error|_(fkey|pkey|check|range|idx|unique)\b|\bat /;

/** The body without the values the case itself sent (a 404 may quote the key it did not find). */
function withoutEchoes(body: string, c: Case): string {
  const decode = (v: string) => { try { return decodeURIComponent(v); } catch { return v; } };
  const sent = [...new Set([...Object.values(c.params), ...c.query.map(([, v]) => v)].map(decode))].filter((v) => LEAKY.test(v));
  return sent.reduce((text, v) => text.split(JSON.stringify(v).slice(1, -1)).join('').split(v).join(''), body);
}

/** Checks one case; returns what went wrong, or null. */
async function runCase(c: Case): Promise<string | null> {
  const write = c.op.method !== 'GET';
  const before = write ? await writesSoFar(t.db) : null;
  const res = await timeout(t.app.inject(toInject(c)), REQUEST_TIMEOUT_MS);
  stats.cases++;
  if (c.mutations.length) stats.mutated++;
  stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
  stats.perOp.set(`${c.op.method} ${c.op.path}`, (stats.perOp.get(`${c.op.method} ${c.op.path}`) ?? 0) + 1);

  if (res.statusCode >= 500) {
    const logged = appErrors.find((l) => l.includes(res.headers['x-request-id'] as string)) ?? appErrors.at(-1) ?? 'nothing logged';
    return `${res.statusCode}: ${res.body.slice(0, 300)}\n  the app logged: ${logged.slice(0, 1500)}`;
  }
  if (res.statusCode < 400) {
    if (!/^application\/json/.test(String(res.headers['content-type']))) return `2xx with content-type ${res.headers['content-type']}`;
    try { JSON.parse(res.body); } catch { return '2xx body is not JSON'; }
    return null;
  }
  if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) return `${res.statusCode} with content-type ${res.headers['content-type']}: ${res.body.slice(0, 300)}`;
  let problem: ProblemJson;
  try {
    problem = JSON.parse(res.body) as ProblemJson;
    expectNoLeak(withoutEchoes(res.body, c));
  } catch (err) {
    return `${res.statusCode} body: ${(err as Error).message.slice(0, 300)}`;
  }
  if (problem.status !== res.statusCode || typeof problem.title !== 'string') return `problem body does not match its status: ${res.body.slice(0, 300)}`;
  if (res.statusCode === 400) {
    const fields = (problem.errors ?? []).map((e) => e.field);
    if (fields.length === 0) return `400 naming no field: ${res.body.slice(0, 300)}`;
    const where = fields.map((f) => f.split('.')[0]!);
    if (!where.every((w) => LOCATIONS.includes(w))) return `400 naming a field outside body/querystring/params/headers: ${fields.join(', ')}`;
  }
  if (before !== null) {
    stats.rejectedWrites++;
    const writes = await writesSoFar(t.db) - before;
    if (writes !== 0) return `a rejected write (${res.statusCode}) changed the database (${writes} rows written)`;
  }
  if (res.statusCode === 400) return namesBrokenPart(c, problem);
  return null;
}

/**
 * A 400 must name a part of the request a mutation broke — unless the generated case was
 * already invalid before any mutation, for a rule the schema cannot express (a cursor
 * naming no event, `from` after `to`): then the unmutated request must fail the same way.
 */
async function namesBrokenPart(c: Case, problem: ProblemJson): Promise<string | null> {
  const fields = (problem.errors ?? []).map((e) => e.field);
  const where = new Set(fields.map((f) => f.split('.')[0]!));
  const broken = new Set<string>(c.mutations.map((m) => (m.target === 'request' ? 'body' : m.target)));
  if (broken.size === 0 || [...where].some((w) => broken.has(w))) return null;
  const base = c.base ? await t.app.inject(toInject(c.base)) : null;
  const baseFields = base?.statusCode === 400 ? (base.json<ProblemJson>().errors ?? []).map((e) => e.field.split('.')[0]!) : [];
  if (baseFields.some((w) => where.has(w))) {
    stats.invalidBase++;
    return null;
  }
  return `400 names ${fields.join(', ')} but the mutations broke ${[...broken].join(', ')}: ${JSON.stringify(problem).slice(0, 300)}`;
}

function caseFor(op: Operation): fc.Arbitrary<Case> {
  return fc.tuple(validCase(op, ids, DEV_TOKEN), mutationsFor(op, t.config.L01_BODY_LIMIT))
    .map(([base, mutations]): Case => ({ ...mutations.reduce((c, m) => m(c), base), base }));
}

it(`answers ${RUNS} generated hostile requests over every operation with no 5xx, no hang, problem details naming the field, and no change from a rejected write`, async () => {
  const perOp = Math.max(1, Math.ceil(RUNS / ops.length));
  const failures: string[] = [];
  for (const [i, op] of ops.entries()) {
    let why = '';
    const result = await fc.check(
      fc.asyncProperty(caseFor(op), async (c) => {
        const failure = await runCase(c);
        if (failure) why = `${failure}\n  ${describeCase(c)}`;
        return failure === null;
      }),
      { seed: SEED + i, numRuns: perOp, endOnFailure: !SHRINK },
    );
    if (result.failed) failures.push(`${op.method} ${op.path} (seed ${SEED + i}, after ${result.numRuns} runs): ${why || String(result.errorInstance)}`);
  }
  expect(failures, failures.join('\n\n')).toEqual([]);
  for (const op of ops) expect(stats.perOp.get(`${op.method} ${op.path}`) ?? 0, `${op.method} ${op.path} was exercised`).toBeGreaterThan(0);
  expect(stats.cases).toBeGreaterThanOrEqual(RUNS);
}, 600_000);

/**
 * Found by the long run (seed 777, 30,000 cases): `from=0000-06-01T00:00:00Z` passed
 * validation and failed in Postgres as an anonymous 400. Every date-time query parameter
 * and body field is swept with every edge instant, deterministically.
 */
it('every date-time parameter and body field refuses instants Postgres cannot store, naming the field', async () => {
  let checked = 0;
  for (const op of ops) {
    const fields: Array<['querystring' | 'body', string]> = [
      ...op.parameters.filter((p) => p.in === 'query' && p.schema.format === 'date-time').map((p): ['querystring', string] => ['querystring', p.name]),
      ...Object.entries(op.body?.properties ?? {}).filter(([, v]) => v.format === 'date-time').map(([k]): ['body', string] => ['body', k]),
    ];
    for (const [where, name] of fields) {
      for (const edge of ['0000-06-01T00:00:00Z', '0001-01-01T00:00:00+15:00', '9999-12-31T23:59:59-15:00', '2024-01-01T00:00:00+16:00']) {
        const base = await fc.sample(validCase(op, ids, DEV_TOKEN), { numRuns: 1, seed: SEED })[0]!;
        const c: Case = where === 'querystring'
          ? { ...base, query: [...base.query.filter(([k]) => k !== name), [name, encodeURIComponent(edge)]] }
          : { ...base, body: { ...(base.body as object), [name]: edge } };
        const res = await t.app.inject(toInject(c));
        const fields = res.statusCode === 400 ? (res.json<ProblemJson>().errors ?? []).map((e) => e.field) : [];
        expect(fields, `${op.method} ${op.path} ${where}.${name}=${edge}: ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(`${where}.${name}`);
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThan(20);
  console.log(`[fuzz] edge instants: ${checked} date-time fields × edges refused, each naming its field`);
});

it('rows moved exactly as the event log says, the outbox grew with it, and the service is healthy afterwards', async () => {
  const counts = await rowCounts(t.db);
  const { rows } = await t.db.query<{ entity_type: string; created: string; deleted: string; n: string }>(
    `SELECT entity_type, count(*) FILTER (WHERE event_type = entity_type || '_created') AS created,
            count(*) FILTER (WHERE event_type = entity_type || '_deleted') AS deleted, count(*) AS n
     FROM events WHERE position > $1 GROUP BY entity_type`,
    [startPosition],
  );
  const bySingular = new Map(entities.map((e) => [e.singular, e.table]));
  let newEvents = 0;
  for (const r of rows) {
    const table = bySingular.get(r.entity_type)!;
    expect(entityByTable.has(table), r.entity_type).toBe(true);
    expect(counts[table]! - startCounts[table]!, `${table}: rows vs events`).toBe(Number(r.created) - Number(r.deleted));
    newEvents += Number(r.n);
  }
  for (const e of entities) if (!rows.some((r) => r.entity_type === e.singular)) expect(counts[e.table], e.table).toBe(startCounts[e.table]);
  expect(await count(t.db, 'outbox'), 'one outbox row per new event (no relay runs here)').toBe(startOutbox + newEvents);
  console.log(`[fuzz] accepted changes: ${newEvents} events over ${rows.length} entity types`);

  const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
  expect(ready.statusCode, ready.body).toBe(200);
  const created = await t.app.inject({ method: 'POST', url: '/api/agents', headers: { ...AUTH, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'after the fuzz', agent_type: 'check' }) });
  expect(created.statusCode, created.body).toBe(201);
  expect(await writesSoFar(t.db), 'the write counter sees committed writes').toBeGreaterThan(0);
});
