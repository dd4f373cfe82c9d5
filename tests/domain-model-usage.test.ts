/** Model usage: record per request (model_usage_created), list by model/agent/time, read by request id. */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { entityByTable } from '../src/db/entities/index.js';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { eventsAfter, lastPosition, outboxOf } from './helpers/rows.js';
import { Samples, type Row } from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);
let samples: Samples;
let model: Row;
let otherModel: Row;
let agent: Row;

beforeAll(async () => {
  samples = new Samples(api);
  model = await samples.create(entityByTable.get('models')!);
  otherModel = await samples.create(entityByTable.get('models')!);
  agent = await samples.create(entityByTable.get('agents')!);
});

type Usage = Row & { request_id: string; tokens_in: number; tokens_out: number; latency_ms: number | null; cost_usd: number | null };
const base = '/api/models/usage';

describe('POST /api/models/usage', () => {
  it('records one request: 201, Location by request id, model_usage_created with its outbox row', async () => {
    const since = await lastPosition(t.db);
    const res = await api.post(base, { request_id: 'req-1', model_id: model.id, agent_id: agent.id, tokens_in: 1200, tokens_out: 300, latency_ms: 845.2, cost_usd: 0.0123 });
    expect(res.statusCode, res.body).toBe(201);
    const row = res.json<Usage>();
    expect(row).toMatchObject({ request_id: 'req-1', model_id: model.id, agent_id: agent.id, tokens_in: 1200, tokens_out: 300, latency_ms: 845.2, cost_usd: 0.0123, metadata: {}, version: 1 });
    expect(res.headers.location).toBe(`${base}/req-1`);
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => [e.event_type, e.entity_type, e.entity_id])).toEqual([['model_usage_created', 'model_usage', row.id]]);
    expect(await outboxOf(t.db, [events[0]!.id])).toHaveLength(1);
  });

  it('tokens_out defaults to 0', async () => {
    const res = await api.post(base, { request_id: 'req-2', model_id: otherModel.id, tokens_in: 5 });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<Usage>()).toMatchObject({ tokens_out: 0, agent_id: null, latency_ms: null, cost_usd: null });
  });

  it('a taken request id → 409 naming it; an unknown model → 409 naming model_id', async () => {
    expectProblem(await api.post(base, { request_id: 'req-1', model_id: model.id, tokens_in: 1 }), 409, 'body.request_id');
    expectProblem(await api.post(base, { request_id: 'req-9', model_id: randomUUID(), tokens_in: 1 }), 409, 'body.model_id');
  });

  it.each([
    ['no tokens_in', { request_id: 'x', model_id: randomUUID() }, 'body.tokens_in'],
    ['negative tokens', { request_id: 'x', model_id: randomUUID(), tokens_in: -1 }, 'body.tokens_in'],
    ['fractional tokens', { request_id: 'x', model_id: randomUUID(), tokens_in: 1.5 }, 'body.tokens_in'],
    ['a negative cost', { request_id: 'x', model_id: randomUUID(), tokens_in: 1, cost_usd: -0.01 }, 'body.cost_usd'],
    ['a latency as a string', { request_id: 'x', model_id: randomUUID(), tokens_in: 1, latency_ms: '5' }, 'body.latency_ms'],
    ['no model_id', { request_id: 'x', tokens_in: 1 }, 'body.model_id'],
    ['an unknown field', { request_id: 'x', model_id: randomUUID(), tokens_in: 1, tokens: 2 }, 'body.tokens'],
  ])('%s → 400 naming %s', async (_name, body, field) => {
    const since = await lastPosition(t.db);
    expectProblem(await api.post(base, body), 400, field);
    expect(await lastPosition(t.db)).toBe(since);
  });
});

describe('GET /api/models/usage', () => {
  it('by request id: the row with its ETag; 404 for an unknown one', async () => {
    const res = await api.get(`${base}/req-1`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json<Usage>()).toMatchObject({ request_id: 'req-1', tokens_in: 1200 });
    expectProblem(await api.get(`${base}/req-404`), 404);
  });

  it('lists oldest first, by model, agent and [from, to) on created_at', async () => {
    const third = (await api.post(base, { request_id: 'req-3', model_id: model.id, tokens_in: 7 })).json<Usage>();
    const ids = async (q: string) => (await api.get(`${base}?${q}`)).json<Usage[]>().map((r) => r.request_id);
    expect(await ids('')).toEqual(['req-1', 'req-2', 'req-3']);
    expect(await ids(`model_id=${model.id}`)).toEqual(['req-1', 'req-3']);
    expect(await ids(`agent_id=${agent.id}`)).toEqual(['req-1']);
    expect(await ids(`model_id=${model.id}&from=${encodeURIComponent(third.created_at)}`)).toEqual(['req-3']);
    expect(await ids(`to=${encodeURIComponent(third.created_at)}`)).toEqual(['req-1', 'req-2']);
    expect(await ids('from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).toEqual([]);
    expect(await ids('limit=1&offset=1')).toEqual(['req-2']);
  });

  it.each([
    ['model_id=x', 'querystring.model_id'],
    ['from=today', 'querystring.from'],
    ['from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'querystring.from'],
    ['limit=1001', 'querystring.limit'],
    ['tokens_in=5', 'querystring.tokens_in'],
  ])('?%s → 400 naming %s', async (query, field) => {
    expectProblem(await api.get(`${base}?${query}`), 400, field);
  });

  it('rows are the model_usage entity too, nested under their model; /api/models/{id} is unaffected', async () => {
    const row = (await api.get(`${base}/req-2`)).json<Usage>();
    expect((await api.get(`/api/model_usage/${row.id}`)).json()).toEqual(row);
    expect((await api.get(`/api/models/${otherModel.id}/model_usage`)).json<Usage[]>().map((r) => r.request_id)).toEqual(['req-2']);
    expect((await api.get(`/api/models/${model.id}`)).json()).toEqual(model);
    expectProblem(await api.get('/api/models/usages'), 400, 'params.id');
  });
});

describe('OpenAPI', () => {
  it('documents every domain route, each with bearer auth', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>();
    const routes: Array<[string, string]> = [
      ['/api/config/{namespace}', 'get'],
      ['/api/config/{namespace}/{key}', 'get'],
      ['/api/config/{namespace}/{key}', 'put'],
      ['/api/config/{namespace}/{key}', 'delete'],
      ['/api/tools/executions', 'post'],
      ['/api/tools/executions', 'get'],
      ['/api/tools/executions/by-invocation/{invocation_id}', 'get'],
      ['/api/tools/executions/by-invocation/{invocation_id}', 'patch'],
      ['/api/datasets/{id}/examples/{example_id}', 'post'],
      ['/api/datasets/{id}/examples/{example_id}', 'delete'],
      ['/api/datasets/{id}/examples', 'get'],
      ['/api/datasets/{id}/split-counts', 'get'],
      ['/api/datasets/statistics', 'get'],
      ['/api/training_examples/statistics', 'get'],
      ['/api/evaluations/agent/{agent_id}/stats', 'get'],
      ['/api/metrics/aggregates/{metric_name}', 'get'],
      ['/api/feedback/unprocessed', 'get'],
      ['/api/models/usage', 'post'],
      ['/api/models/usage', 'get'],
      ['/api/models/usage/{request_id}', 'get'],
    ];
    for (const [path, method] of routes) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      expect(doc.paths[path]![method]!.security).toEqual([{ bearerAuth: [] }]);
    }
  });

  it('refuses a missing token with 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/config/llm' });
    expectProblem(res, 401);
  });
});
