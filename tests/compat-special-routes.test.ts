/**
 * The original's routes that are not one entity's CRUD (src/api/compat/{root,config,datasets,
 * statistics}.ts), against ORIGINAL-L01-API.md 2.1, 2.5, 2.9, 2.13, 2.14, 2.16: status and
 * shape of each answer, the events its writes are, 404 and 422 in the original's bodies, and
 * that both surfaces see the same rows. Fixtures are written through /api, so that these
 * tests do not depend on the resource declarations.
 *
 * The tests of a describe share the file's database and run in order; the training example
 * statistics come first, while the examples in the database are only theirs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.js';
import { client } from './helpers/http.js';
import { eventsAfter, lastPosition } from './helpers/rows.js';

/** A 40-character key: the original's routes read L01_API_KEYS, and its callers send X-API-Key. */
const KEY = randomBytes(20).toString('hex');
const t = useTestApp({ L01_API_KEYS: KEY });
const api = client(() => t.app, { 'x-api-key': KEY });
const anonymous = client(() => t.app, {});

/** `2026-12-01T08:41:50.156938`: no offset, no Z (ORIGINAL-L01-API.md 1.9). */
const NAIVE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

type Json = Record<string, unknown>;

/** The original's 422: `{"detail": [{type, loc, msg, input}]}`; returns the locs. */
function locsOf422(res: { statusCode: number; body: string; json: () => unknown }): string[][] {
  expect(res.statusCode, res.body).toBe(422);
  const { detail } = res.json() as { detail: Array<{ type: string; loc: string[]; msg: string }> };
  expect(Array.isArray(detail) && detail.length > 0, res.body).toBe(true);
  for (const d of detail) expect(d).toMatchObject({ type: expect.any(String), msg: expect.any(String) });
  return detail.map((d) => d.loc);
}

function expect404(res: { statusCode: number; body: string; json: () => unknown }, detail: string) {
  expect(res.statusCode, res.body).toBe(404);
  expect(res.json()).toEqual({ detail });
}

/** Creates a row through /api and returns it. */
async function create(table: string, body: Json): Promise<Json & { id: string }> {
  const res = await api.post(`/api/${table}`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const eventTypes = async (since: number) => (await eventsAfter(t.db, since)).map((e) => [e.event_type, e.entity_id, e.entity_version]);

// ------------------------------------------------------------------------------------ root

describe('GET / and GET /health (public)', () => {
  it('/ is main.py\'s root document without a key: 28 endpoints with their human-readable values', async () => {
    const res = await anonymous.get('/');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ service: string; version: string; status: string; endpoints: Record<string, string> }>();
    expect(Object.keys(body)).toEqual(['service', 'version', 'status', 'endpoints']);
    expect(body).toMatchObject({ service: 'L01 Data Layer', version: '1.0.0', status: 'operational' });
    expect(Object.keys(body.endpoints)).toEqual([
      'health', 'events', 'agents', 'tools', 'config', 'goals', 'plans', 'evaluations', 'feedback', 'documents', 'sessions',
      'training_examples', 'datasets', 'models', 'quality_scores', 'metrics', 'anomalies', 'compliance_results', 'alerts',
      'api_requests', 'authentication_events', 'rate_limit_events', 'user_interactions', 'control_operations',
      'saga_executions', 'saga_steps', 'circuit_breaker_events', 'service_registry_events',
    ]);
    expect(body.endpoints.health).toBe('/health/live, /health/ready');
    expect(body.endpoints.goals).toBe('/goals (L05 Planning)');
    expect(body.endpoints.service_registry_events).toBe('/service-registry-events (L11 Integration)');
  });

  it('/health is the static document, without a key (L12 calls it without one) and with one', async () => {
    for (const c of [anonymous, api]) {
      const res = await c.get('/health');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ status: 'healthy', service: 'l01-data-layer', version: '2.0.0' });
    }
  });

  it('the other routes of the original still need the key: 401 in its shape', async () => {
    const res = await anonymous.get('/config/ns/k');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'authentication_required' });
  });
});

// ------------------------------------------------------------------------------------ config

describe('/config/{namespace}/{key}', () => {
  const value = { max_depth: 3, strategies: ['llm', 'template'], cache: { ttl_sec: 600 } };
  let first: Json;

  it('GET of a key never set → 404 Config not found', async () => {
    expect404(await api.get('/config/l05/planner'), 'Config not found');
  });

  it('PUT with the value as the body creates it: 200 Configuration, version 1, one config_created', async () => {
    const since = await lastPosition(t.db);
    const res = await api.put('/config/l05/planner', value);
    expect(res.statusCode, res.body).toBe(200);
    first = res.json<Json>();
    expect(Object.keys(first).sort()).toEqual(['created_at', 'id', 'key', 'namespace', 'updated_at', 'value', 'version']);
    expect(first).toMatchObject({ namespace: 'l05', key: 'planner', value, version: 1 });
    expect(first.created_at).toMatch(NAIVE);
    expect(first.updated_at).toMatch(NAIVE);
    expect(await eventTypes(since)).toEqual([['config_created', first.id, 1]]);
  });

  it('PUT again updates it: same id and created_at, version 2, the new value, one config_updated', async () => {
    const since = await lastPosition(t.db);
    const res = await api.put('/config/l05/planner', { max_depth: 5 });
    expect(res.statusCode, res.body).toBe(200);
    const second = res.json<Json>();
    expect(second).toMatchObject({ id: first.id, created_at: first.created_at, version: 2, value: { max_depth: 5 } });
    expect(await eventTypes(since)).toEqual([['config_updated', first.id, 2]]);
    expect((await api.get('/config/l05/planner')).json()).toEqual(second);
  });

  it('is the entry /api/config serves; a description set there survives a PUT here', async () => {
    const set = await api.put('/api/config/l05/planner', { value: { max_depth: 6 }, description: 'planner limits' });
    expect(set.statusCode, set.body).toBe(200);
    expect((await api.put('/config/l05/planner', { max_depth: 7 })).json()).toMatchObject({ version: 4, value: { max_depth: 7 } });
    const entry = (await api.get('/api/config/l05/planner')).json<Json>();
    expect(entry).toMatchObject({ id: first.id, version: 4, value: { max_depth: 7 }, description: 'planner limits' });
  });

  it.each([
    ['an array', '[1, 2]'],
    ['a string', '"text"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('a body that is %s → 422 at ["body"], nothing written', async (_what, body) => {
    const since = await lastPosition(t.db);
    expect(locsOf422(await api.put('/config/l05/other', body))).toEqual([['body']]);
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('no body → 422 at ["body"]', async () => {
    expect(locsOf422(await api.request('PUT', '/config/l05/other'))).toEqual([['body']]);
  });

  it('a namespace longer than its column (100) → 422 at ["path","namespace"]', async () => {
    expect(locsOf422(await api.put(`/config/${'n'.repeat(101)}/k`, { a: 1 }))).toEqual([['path', 'namespace']]);
  });

  it('concurrent first PUTs of a key: all 200, one config_created and the rest config_updated', async () => {
    const since = await lastPosition(t.db);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => api.put('/config/race/k', { i })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    const types = (await eventsAfter(t.db, since)).map((e) => e.event_type).sort();
    expect(types).toEqual(['config_created', ...Array(7).fill('config_updated')]);
    expect((await api.get('/config/race/k')).json()).toMatchObject({ version: 8 });
  });

  it('GET /config/{namespace} lists its entries in key order; [] for an unknown namespace', async () => {
    for (const key of ['c', 'a', 'b']) expect((await api.put(`/config/ordered/${key}`, { key })).statusCode).toBe(200);
    const res = await api.get('/config/ordered');
    expect(res.statusCode, res.body).toBe(200);
    const list = res.json<Json[]>();
    expect(list.map((c) => [c.key, c.value])).toEqual([['a', { key: 'a' }], ['b', { key: 'b' }], ['c', { key: 'c' }]]);
    expect(Object.keys(list[0]!).sort()).toEqual(['created_at', 'id', 'key', 'namespace', 'updated_at', 'value', 'version']);
    expect((await api.get('/config/nothing-here')).json()).toEqual([]);
  });
});

// ------------------------------------------------------------------ training example statistics

describe('GET /training-examples/statistics', () => {
  it('with no examples: zeros, and 0.0 averages', async () => {
    const res = await api.get('/training-examples/statistics');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      total_examples: 0, avg_quality_score: 0, avg_confidence: 0, avg_difficulty: 0, unique_domains: 0, unique_agents: 0, domain_distribution: {},
    });
  });

  it('counts, averages (quality on 0–100, decimal arithmetic), distinct domains and agents, the ten largest domains', async () => {
    const agent = await create('agents', { name: 'Extractor', agent_type: 'learning' });
    await create('training_examples', { input: {}, domain: 'code', quality_score: 0.8525, confidence: 0.7, difficulty: 0.3, agent_id: agent.id });
    await create('training_examples', { input: {}, domain: 'code', quality_score: 0.9, confidence: 0.8, difficulty: 0.6, agent_id: agent.id });
    await create('training_examples', { input: {}, domain: 'code' });
    await create('training_examples', { input: {}, domain: 'math' });
    await create('training_examples', { input: {}, domain: 'math' });
    for (let i = 1; i <= 10; i++) await create('training_examples', { input: {}, domain: `d${String(i).padStart(2, '0')}` });
    await create('training_examples', { input: {} });

    const s = (await api.get('/training-examples/statistics')).json<Json>();
    expect(s).toMatchObject({ total_examples: 16, unique_domains: 12, unique_agents: 1 });
    // (85.25 + 90) / 2; in binary floating point (0.8525 + 0.9) / 2 * 100 is not exactly that.
    expect(s.avg_quality_score).toBe(87.625);
    expect(s.avg_confidence).toBe(0.75);
    // (0.3 + 0.6) / 2 in doubles is 0.44999999999999996: the original's DECIMAL gave 0.45.
    expect(s.avg_difficulty).toBe(0.45);
    // Largest first, ties by name; the examples without a domain are not a domain.
    expect(Object.entries(s.domain_distribution as Json)).toEqual([
      ['code', 3], ['math', 2], ['d01', 1], ['d02', 1], ['d03', 1], ['d04', 1], ['d05', 1], ['d06', 1], ['d07', 1], ['d08', 1],
    ]);
  });
});

// ------------------------------------------------------------------------------ dataset links

describe('/datasets/{dataset_id}/examples/{example_id} and the dataset reads', () => {
  let dataset: string;
  let e1: string;
  let e2: string;
  let e3: string;
  let link: Json;

  it('fixtures: a dataset and three training examples', async () => {
    dataset = (await create('datasets', { name: 'planning-traces' })).id;
    const ids = await Promise.all([1, 2, 3].map(async (n) => (await create('training_examples', { input: { n } })).id));
    [e1, e2, e3] = ids as [string, string, string];
  });

  it('POST ?split=validation links: 200 DatasetExampleLink, one dataset_example_created', async () => {
    const since = await lastPosition(t.db);
    const res = await api.request('POST', `/datasets/${dataset}/examples/${e2}?split=validation`);
    expect(res.statusCode, res.body).toBe(200);
    link = res.json<Json>();
    expect(Object.keys(link).sort()).toEqual(['created_at', 'dataset_id', 'example_id', 'id', 'split']);
    expect(link).toMatchObject({ dataset_id: dataset, example_id: e2, split: 'validation' });
    expect(link.created_at).toMatch(NAIVE);
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => [e.event_type, e.entity_id, e.entity_version])).toEqual([['dataset_example_created', link.id, 1]]);
    expect(events[0]!.payload).toMatchObject({ dataset_id: dataset, training_example_id: e2, split: 'validation' });
  });

  it('POST of a linked pair in another split moves it: same id and created_at, one dataset_example_updated', async () => {
    const since = await lastPosition(t.db);
    const res = await api.request('POST', `/datasets/${dataset}/examples/${e2}?split=test`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...link, split: 'test' });
    expect(await eventTypes(since)).toEqual([['dataset_example_updated', link.id, 2]]);
  });

  it('POST of a linked pair in its own split answers the link and writes nothing', async () => {
    const since = await lastPosition(t.db);
    const res = await api.request('POST', `/datasets/${dataset}/examples/${e2}?split=test`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...link, split: 'test' });
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('split missing or not a split → 422 at ["query","split"]; a path id that is not a uuid → 422 at its name; nothing written', async () => {
    const since = await lastPosition(t.db);
    expect(locsOf422(await api.request('POST', `/datasets/${dataset}/examples/${e1}`))).toEqual([['query', 'split']]);
    expect(locsOf422(await api.request('POST', `/datasets/${dataset}/examples/${e1}?split=dev`))).toEqual([['query', 'split']]);
    expect(locsOf422(await api.request('POST', `/datasets/not-a-uuid/examples/${e1}?split=train`))).toEqual([['path', 'dataset_id']]);
    expect(locsOf422(await api.request('POST', `/datasets/${dataset}/examples/42?split=train`))).toEqual([['path', 'example_id']]);
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('an unknown dataset or example → 404 naming which', async () => {
    expect404(await api.request('POST', `/datasets/${randomUUID()}/examples/${e1}?split=train`), 'Dataset not found');
    expect404(await api.request('POST', `/datasets/${dataset}/examples/${randomUUID()}?split=train`), 'Training example not found');
  });

  it('GET …/examples: the example ids, oldest link first (a move keeps its place), ?split filters', async () => {
    for (const e of [e1, e3]) expect((await api.request('POST', `/datasets/${dataset}/examples/${e}?split=train`)).statusCode).toBe(200);
    const all = await api.get(`/datasets/${dataset}/examples`);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json()).toEqual([e2, e1, e3]);
    expect((await api.get(`/datasets/${dataset}/examples?split=train`)).json()).toEqual([e1, e3]);
    expect((await api.get(`/datasets/${dataset}/examples?split=validation`)).json()).toEqual([]);
    expect(locsOf422(await api.get(`/datasets/${dataset}/examples?split=dev`))).toEqual([['query', 'split']]);
    expect((await api.get(`/datasets/${randomUUID()}/examples`)).json()).toEqual([]);
  });

  it('GET …/split-counts: only the non-empty splits; {} for an unknown dataset', async () => {
    const res = await api.get(`/datasets/${dataset}/split-counts`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ train: 2, test: 1 });
    expect((await api.get(`/datasets/${randomUUID()}/split-counts`)).json()).toEqual({});
  });

  it('the links are the ones /api/datasets/{id}/examples lists, with their splits', async () => {
    const res = await api.get(`/api/datasets/${dataset}/examples`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Json[]>().map((x) => [x.id, x.split, x.link_id === link.id])).toEqual([[e2, 'test', true], [e1, 'train', false], [e3, 'train', false]]);
  });

  it('DELETE unlinks: 204 without a body, one dataset_example_deleted; again → 404 Link not found', async () => {
    const since = await lastPosition(t.db);
    const res = await api.delete(`/datasets/${dataset}/examples/${e2}`);
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    expect(await eventTypes(since)).toEqual([['dataset_example_deleted', link.id, 3]]);
    expect404(await api.delete(`/datasets/${dataset}/examples/${e2}`), 'Link not found');
    expect(locsOf422(await api.delete(`/datasets/${dataset}/examples/nope`))).toEqual([['path', 'example_id']]);
    expect((await api.get(`/api/datasets/${dataset}/examples`)).json<Json[]>().map((x) => x.id)).toEqual([e1, e3]);
    expect((await api.get(`/datasets/${dataset}/examples`)).json()).toEqual([e1, e3]);
  });

  it('GET /datasets/statistics counts datasets, names, links, linked datasets and linked examples', async () => {
    // Besides `planning-traces` (links e1, e3): a second version of its name, and a dataset linking e1 again.
    await create('datasets', { name: 'planning-traces', dataset_version: '2.0.0' });
    const other = (await create('datasets', { name: 'summaries' })).id;
    expect((await api.request('POST', `/datasets/${other}/examples/${e1}?split=test`)).statusCode).toBe(200);
    const res = await api.get('/datasets/statistics');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ total_datasets: 3, unique_names: 2, total_links: 3, datasets_with_examples: 2, unique_examples_in_datasets: 2 });
  });
});

// ------------------------------------------------------------------------------ evaluations

describe('GET /evaluations/agent/{agent_id}/stats', () => {
  it('count, mean (decimal), min and max of one agent\'s scores; unscored evaluations count but have no score', async () => {
    const agent = (await create('agents', { name: 'Evaluated', agent_type: 'reasoning' })).id;
    const other = (await create('agents', { name: 'Other', agent_type: 'reasoning' })).id;
    await create('evaluations', { agent_id: agent, metric: 'accuracy', score: 0.87 });
    await create('evaluations', { agent_id: agent, metric: 'latency', score: 0.9 });
    await create('evaluations', { agent_id: agent, metric: 'accuracy' });
    await create('evaluations', { agent_id: other, metric: 'accuracy', score: 0.1 });
    const res = await api.get(`/evaluations/agent/${agent}/stats`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ total_evaluations: 3, avg_score: 0.885, min_score: 0.87, max_score: 0.9 });
  });

  it('an agent without evaluations (or unknown) → 0 and nulls, not 404; not a uuid → 422', async () => {
    const res = await api.get(`/evaluations/agent/${randomUUID()}/stats`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ total_evaluations: 0, avg_score: null, min_score: null, max_score: null });
    expect(locsOf422(await api.get('/evaluations/agent/agent-1/stats'))).toEqual([['path', 'agent_id']]);
  });
});

// ------------------------------------------------------------------------------ metric aggregates

describe('GET /metrics/aggregates/{metric_name}', () => {
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 12, i)).toISOString();
  /** The same instant as the callers write it: `datetime.utcnow().isoformat()`, naive. */
  const naive = (i: number) => at(i).replace('Z', '');
  let agent: string;

  it('fixtures: five points of task_duration (one by an agent), one of another metric, one without a measured time', async () => {
    agent = (await create('agents', { name: 'Measured', agent_type: 'worker' })).id;
    for (const i of [0, 1, 2, 3]) await create('metrics', { name: 'task_duration', value: i + 1, recorded_at: at(i) });
    await create('metrics', { name: 'task_duration', value: 5, recorded_at: at(4), agent_id: agent });
    await create('metrics', { name: 'other', value: 100, recorded_at: at(2) });
    await create('metrics', { name: 'unmeasured', value: 7 });
  });

  it('over all points: count, avg, min, max, sample stddev and interpolated percentiles', async () => {
    const res = await api.get('/metrics/aggregates/task_duration');
    expect(res.statusCode, res.body).toBe(200);
    const a = res.json<Record<string, number>>();
    expect(Object.keys(a)).toEqual(['count', 'avg', 'min', 'max', 'stddev', 'p50', 'p95', 'p99']);
    expect(a).toMatchObject({ count: 5, avg: 3, min: 1, max: 5, p50: 3 });
    expect(a.stddev).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(a.p95).toBeCloseTo(4.8, 12);
    expect(a.p99).toBeCloseTo(4.96, 12);
  });

  it('start_time and end_time are inclusive, naive is UTC, an offset is honoured', async () => {
    const naiveRange = await api.get(`/metrics/aggregates/task_duration?start_time=${naive(1)}&end_time=${naive(3)}`);
    expect(naiveRange.json()).toMatchObject({ count: 3, avg: 3, min: 2, max: 4 });
    // 14:01+02:00 is 12:01 UTC.
    const offset = encodeURIComponent('2026-01-01T14:01:00+02:00');
    expect((await api.get(`/metrics/aggregates/task_duration?start_time=${offset}`)).json()).toMatchObject({ count: 4, min: 2 });
    expect((await api.get(`/metrics/aggregates/task_duration?end_time=${naive(0)}`)).json()).toMatchObject({ count: 1, max: 1 });
  });

  it('one point: stddev null, every percentile the value', async () => {
    const res = await api.get(`/metrics/aggregates/task_duration?start_time=${naive(2)}&end_time=${naive(2)}`);
    expect(res.json()).toEqual({ count: 1, avg: 3, min: 3, max: 3, stddev: null, p50: 3, p95: 3, p99: 3 });
  });

  it('agent_id narrows to that agent\'s points', async () => {
    expect((await api.get(`/metrics/aggregates/task_duration?agent_id=${agent}`)).json()).toMatchObject({ count: 1, avg: 5 });
  });

  it('a point written without a measured time counts at its creation time', async () => {
    expect((await api.get('/metrics/aggregates/unmeasured')).json()).toMatchObject({ count: 1, avg: 7 });
    expect404(await api.get('/metrics/aggregates/unmeasured?end_time=2000-01-01T00:00:00'), 'No metrics found');
  });

  it('no point → 404 No metrics found; a bad bound or agent id → 422 at its name', async () => {
    expect404(await api.get('/metrics/aggregates/never_recorded'), 'No metrics found');
    expect404(await api.get(`/metrics/aggregates/task_duration?start_time=${naive(5)}`), 'No metrics found');
    // The timestamp schema reports a malformed instant twice (format, then range): one field either way.
    expect(new Set(locsOf422(await api.get('/metrics/aggregates/task_duration?start_time=yesterday')).map(String))).toEqual(new Set(['query,start_time']));
    expect(locsOf422(await api.get('/metrics/aggregates/task_duration?agent_id=agent-1'))).toEqual([['query', 'agent_id']]);
  });
});
