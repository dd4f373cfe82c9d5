/**
 * Evaluation statistics per agent, time-bucketed metric aggregates (count, avg, min, max,
 * p50, p95 computed in SQL) and the unprocessed-feedback queue.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { entityByTable } from '../src/db/entities/index.js';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { Samples, type Row } from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);
const entity = (table: string) => entityByTable.get(table)!;
let samples: Samples;
let agent: Row;
let otherAgent: Row;

beforeAll(async () => {
  samples = new Samples(api);
  agent = await samples.create(entity('agents'));
  otherAgent = await samples.create(entity('agents'));
});

/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = p * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

describe('GET /api/evaluations/agent/{agent_id}/stats', () => {
  it('per metric: count, scored, mean, min, max of this agent only, in metric order', async () => {
    const evaluate = (agent_id: string, metric: string, score: number | null) =>
      samples.create(entity('evaluations'), { agent_id, metric, score, model_id: null, dataset_id: null });
    for (const score of [0.5, 0.7, 0.9]) await evaluate(agent.id, 'accuracy', score);
    await evaluate(agent.id, 'accuracy', null);
    await evaluate(agent.id, 'bleu', 12);
    await evaluate(otherAgent.id, 'accuracy', 0.1);

    const res = await api.get(`/api/evaluations/agent/${agent.id}/stats`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ agent_id: string; metrics: Array<Record<string, number | string>> }>();
    expect(body.agent_id).toBe(agent.id);
    expect(body.metrics).toHaveLength(2);
    expect(body.metrics[0]).toMatchObject({ metric: 'accuracy', count: 4, scored: 3, min: 0.5, max: 0.9 });
    expect(body.metrics[0]!.mean).toBeCloseTo(0.7, 12);
    expect(body.metrics[1]).toEqual({ metric: 'bleu', count: 1, scored: 1, mean: 12, min: 12, max: 12 });
  });

  it('an agent without evaluations: no metrics; an unknown agent: 404; a bad id: 400', async () => {
    const lonely = await samples.create(entity('agents'));
    expect((await api.get(`/api/evaluations/agent/${lonely.id}/stats`)).json()).toEqual({ agent_id: lonely.id, metrics: [] });
    expectProblem(await api.get(`/api/evaluations/agent/${randomUUID()}/stats`), 404);
    expectProblem(await api.get('/api/evaluations/agent/nope/stats'), 400, 'params.agent_id');
    expectProblem(await api.get(`/api/evaluations/agent/${agent.id}/stats?metric=x`), 400, 'querystring.metric');
  });
});

describe('GET /api/metrics/aggregates/{metric_name}', () => {
  const HOUR = 3_600_000;
  const T0 = Date.parse('2024-03-01T00:00:00Z');
  const at = (ms: number) => new Date(ms).toISOString();
  const record = (name: string, value: number, recorded_at: string | null) =>
    samples.create(entity('metrics'), { name, value, recorded_at, agent_id: null });

  // Hour 0: 1..10; hour 1: 100, 200; hour 3: 7. Another metric in the same hours.
  const hour0 = [3, 1, 4, 10, 5, 9, 2, 6, 8, 7];
  beforeAll(async () => {
    for (const [i, v] of hour0.entries()) await record('latency', v, at(T0 + i * 60_000));
    await record('latency', 100, at(T0 + HOUR));
    await record('latency', 200, at(T0 + HOUR + 59 * 60_000));
    await record('latency', 7, at(T0 + 3 * HOUR + 1));
    await record('cpu', 999, at(T0 + 1));
  });

  it('per bucket: count, avg, min, max, p50, p95 (interpolated like percentile_cont); empty buckets left out', async () => {
    const res = await api.get(`/api/metrics/aggregates/latency?from=${at(T0)}&to=${at(T0 + 4 * HOUR)}&bucket=1h`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ metric_name: string; from: string; to: string; bucket: string; buckets: Array<Record<string, number | string>> }>();
    expect(body).toMatchObject({ metric_name: 'latency', from: at(T0), to: at(T0 + 4 * HOUR), bucket: '1h' });
    expect(body.buckets.map((b) => b.start)).toEqual([at(T0), at(T0 + HOUR), at(T0 + 3 * HOUR)]);
    const [b0, b1, b3] = body.buckets;
    expect(b0).toMatchObject({ count: 10, avg: 5.5, min: 1, max: 10 });
    expect(b0!.p50).toBeCloseTo(percentile(hour0, 0.5), 12);
    expect(b0!.p95).toBeCloseTo(percentile(hour0, 0.95), 12);
    expect(b1).toMatchObject({ count: 2, avg: 150, min: 100, max: 200, p50: 150, p95: 195 });
    expect(b3).toMatchObject({ count: 1, avg: 7, min: 7, max: 7, p50: 7, p95: 7 });
  });

  it('from is inclusive, to exclusive; buckets align on midnight UTC whatever from is', async () => {
    const res = await api.get(`/api/metrics/aggregates/latency?from=${at(T0 + 30 * 60_000)}&to=${at(T0 + HOUR + 59 * 60_000)}&bucket=1d`);
    const buckets = res.json<{ buckets: Array<{ start: string; count: number }> }>().buckets;
    // hour 0 from minute 30 on: none (minutes 0..9); hour 1: 100 only (200 is at `to`, excluded).
    expect(buckets).toEqual([expect.objectContaining({ start: at(T0), count: 1, max: 100 })]);
  });

  it('a metric without recorded_at counts at its created_at', async () => {
    await record('queue_depth', 42, null);
    const res = await api.get('/api/metrics/aggregates/queue_depth?bucket=1m');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ buckets: Array<{ count: number; avg: number }> }>().buckets).toEqual([expect.objectContaining({ count: 1, avg: 42 })]);
  });

  it('an unknown metric: no buckets', async () => {
    const res = await api.get(`/api/metrics/aggregates/${encodeURIComponent('no such metric')}`);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ buckets: unknown[]; bucket: string }>()).toMatchObject({ buckets: [], bucket: '1h' });
  });

  it.each([
    ['bucket=1w', 'querystring.bucket'],
    ['bucket=0h', 'querystring.bucket'],
    ['bucket=', 'querystring.bucket'],
    ['bucket=1s&from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z', 'querystring.bucket'],
    ['from=yesterday', 'querystring.from'],
    ['to=2024-01-01T00:00:00', 'querystring.to'],
    ['from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'querystring.from'],
    ['from=2999-01-01T00:00:00Z', 'querystring.from'],
    ['name=x', 'querystring.name'],
  ])('?%s → 400 naming %s', async (query, field) => {
    expectProblem(await api.get(`/api/metrics/aggregates/latency?${query}`), 400, field);
  });

  it('a metric name over 255 characters → 400 naming params.metric_name', async () => {
    expectProblem(await api.get(`/api/metrics/aggregates/${'m'.repeat(199)}%00`), 400, 'params.metric_name');
  });
});

describe('GET /api/feedback/unprocessed', () => {
  it('only unprocessed feedback, oldest first; PATCH processed=true takes it off', async () => {
    const give = (processed: boolean, agent_id: string) =>
      samples.create(entity('feedback'), { processed, agent_id, session_id: null, task_id: null });
    const a = await give(false, agent.id);
    await give(true, agent.id);
    const b = await give(false, otherAgent.id);
    const c = await give(false, agent.id);

    const ids = async (q = '') => (await api.get(`/api/feedback/unprocessed${q}`)).json<Row[]>().map((r) => r.id);
    expect(await ids()).toEqual([a.id, b.id, c.id]);
    expect(await ids(`?agent_id=${agent.id}`)).toEqual([a.id, c.id]);
    expect(await ids('?limit=1&offset=1')).toEqual([b.id]);

    const res = await api.patch(`/api/feedback/${a.id}`, { processed: true });
    expect(res.statusCode).toBe(200);
    expect(await ids()).toEqual([b.id, c.id]);
  });

  it.each([
    ['processed=true', 'querystring.processed'],
    ['agent_id=x', 'querystring.agent_id'],
    ['limit=-1', 'querystring.limit'],
  ])('?%s → 400 naming %s', async (query, field) => {
    expectProblem(await api.get(`/api/feedback/unprocessed?${query}`), 400, field);
  });

  it('is not taken for a feedback id', async () => {
    expectProblem(await api.get('/api/feedback/processed'), 400, 'params.id');
  });
});
