/**
 * Datasets and their examples: linking a training example into a split and unlinking it
 * (events through the write path), listing a dataset's examples, split counts, and the
 * dataset and training-example statistics.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { entityByTable } from '../src/db/entities/index.js';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { eventsAfter, lastPosition, outboxOf } from './helpers/rows.js';
import { Samples, type Row } from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);
const datasets = () => entityByTable.get('datasets')!;
const examples = () => entityByTable.get('training_examples')!;
let samples: Samples;
let dataset: Row;
let other: Row;
let ex: Row[];

beforeAll(async () => {
  samples = new Samples(api);
  dataset = await samples.create(datasets(), { status: 'ready', domain: 'code' });
  other = await samples.create(datasets(), { status: 'draft', domain: 'code' });
  ex = [];
  for (let i = 0; i < 5; i++) ex.push(await samples.create(examples(), { dataset_id: null }));
});

const link = (datasetId: string, exampleId: string, body?: unknown, headers?: Record<string, string>) =>
  body === undefined
    ? t.app.inject({ method: 'POST', url: `/api/datasets/${datasetId}/examples/${exampleId}`, headers: { authorization: 'Bearer test_token_123', ...headers } })
    : api.post(`/api/datasets/${datasetId}/examples/${exampleId}`, body, headers);

describe('POST /api/datasets/{id}/examples/{example_id}', () => {
  it('links with a split: 201, Location, dataset_example_created with its outbox row', async () => {
    const since = await lastPosition(t.db);
    const res = await link(dataset.id, ex[0]!.id, { split: 'validation' });
    expect(res.statusCode, res.body).toBe(201);
    const row = res.json<Row>();
    expect(row).toMatchObject({ dataset_id: dataset.id, training_example_id: ex[0]!.id, split: 'validation', version: 1 });
    expect(res.headers.location).toBe(`/api/dataset_examples/${row.id}`);
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => [e.event_type, e.entity_type, e.entity_id])).toEqual([['dataset_example_created', 'dataset_example', row.id]]);
    expect(events[0]!.payload).toEqual(row);
    expect(await outboxOf(t.db, [events[0]!.id])).toHaveLength(1);
  });

  it('without a body the split is train', async () => {
    const res = await link(dataset.id, ex[1]!.id);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<Row>().split).toBe('train');
    expect((await link(dataset.id, ex[2]!.id, { split: 'test' })).statusCode).toBe(201);
    expect((await link(dataset.id, ex[3]!.id, {})).json<Row>().split).toBe('train');
  });

  it('one example may be in several datasets', async () => {
    expect((await link(other.id, ex[0]!.id, { split: 'train' })).statusCode).toBe(201);
  });

  it('linking the same example twice → 409 saying where it is; nothing written', async () => {
    const since = await lastPosition(t.db);
    const problem = expectProblem(await link(dataset.id, ex[0]!.id, { split: 'train' }), 409);
    expect(problem.detail).toContain('validation');
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('an unknown dataset or example → 404 naming which', async () => {
    expect(expectProblem(await link(randomUUID(), ex[0]!.id), 404).detail).toContain('Dataset');
    expect(expectProblem(await link(dataset.id, randomUUID()), 404).detail).toContain('Training example');
  });

  it.each([
    ['an unknown split', { split: 'holdout' }, 'body.split'],
    ['an unknown field', { split: 'train', weight: 2 }, 'body.weight'],
    ['a list', ['train'], 'body'],
  ])('%s → 400 naming %s', async (_name, body, field) => {
    expectProblem(await link(dataset.id, ex[4]!.id, body), 400, field);
  });

  it('ids that are not uuids → 400 naming the parameter', async () => {
    expectProblem(await link('nope', ex[4]!.id), 400, 'params.id');
    expectProblem(await link(dataset.id, 'nope'), 400, 'params.example_id');
  });
});

interface Listed extends Row {
  split: string;
  link_id: string;
  linked_at: string;
}

describe('GET /api/datasets/{id}/examples and split-counts', () => {
  it('lists the examples in the order they were added, each with its split and link id', async () => {
    const res = await api.get(`/api/datasets/${dataset.id}/examples`);
    expect(res.statusCode, res.body).toBe(200);
    const listed = res.json<Listed[]>();
    expect(listed.map((e) => [e.id, e.split])).toEqual([
      [ex[0]!.id, 'validation'],
      [ex[1]!.id, 'train'],
      [ex[2]!.id, 'test'],
      [ex[3]!.id, 'train'],
    ]);
    const { split: _s, link_id: _l, linked_at: _a, ...example } = listed[0]!;
    expect(example).toEqual(ex[0]);
  });

  it('filters by split and pages', async () => {
    const ids = async (q: string) => (await api.get(`/api/datasets/${dataset.id}/examples?${q}`)).json<Listed[]>().map((e) => e.id);
    expect(await ids('split=train')).toEqual([ex[1]!.id, ex[3]!.id]);
    expect(await ids('split=train&limit=1&offset=1')).toEqual([ex[3]!.id]);
    expect(await ids('split=test')).toEqual([ex[2]!.id]);
  });

  it('split counts', async () => {
    const res = await api.get(`/api/datasets/${dataset.id}/split-counts`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ dataset_id: dataset.id, train: 2, validation: 1, test: 1, total: 4 });
  });

  it('an empty dataset: [] and zero counts; an unknown one: 404', async () => {
    const empty = await samples.create(datasets());
    expect((await api.get(`/api/datasets/${empty.id}/examples`)).json()).toEqual([]);
    expect((await api.get(`/api/datasets/${empty.id}/split-counts`)).json()).toEqual({ dataset_id: empty.id, train: 0, validation: 0, test: 0, total: 0 });
    expectProblem(await api.get(`/api/datasets/${randomUUID()}/examples`), 404);
    expectProblem(await api.get(`/api/datasets/${randomUUID()}/split-counts`), 404);
  });

  it.each([
    ['split=holdout', 'querystring.split'],
    ['limit=1001', 'querystring.limit'],
    ['domain=x', 'querystring.domain'],
  ])('?%s → 400 naming %s', async (query, field) => {
    expectProblem(await api.get(`/api/datasets/${dataset.id}/examples?${query}`), 400, field);
  });
});

describe('DELETE /api/datasets/{id}/examples/{example_id}', () => {
  it('a stale If-Match → 412; then unlinks with dataset_example_deleted; the example stays', async () => {
    expectProblem(await api.delete(`/api/datasets/${dataset.id}/examples/${ex[3]!.id}`, { 'if-match': '"5"' }), 412);
    const since = await lastPosition(t.db);
    const res = await api.delete(`/api/datasets/${dataset.id}/examples/${ex[3]!.id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ message: 'Dataset example deleted successfully' });
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => [e.event_type, e.entity_version])).toEqual([['dataset_example_deleted', 2]]);
    expect((await api.get(`/api/training_examples/${ex[3]!.id}`)).statusCode).toBe(200);
    expect((await api.get(`/api/datasets/${dataset.id}/split-counts`)).json()).toMatchObject({ train: 1, total: 3 });
  });

  it('an example not in the dataset → 404, and it can be linked again after unlinking', async () => {
    expectProblem(await api.delete(`/api/datasets/${dataset.id}/examples/${ex[3]!.id}`), 404);
    expectProblem(await api.delete(`/api/datasets/${dataset.id}/examples/${ex[4]!.id}`), 404);
    expect((await link(dataset.id, ex[3]!.id, { split: 'test' })).statusCode).toBe(201);
  });

  it('a linked dataset or example cannot be deleted: 409 naming dataset_examples', async () => {
    expect(expectProblem(await api.delete(`/api/datasets/${other.id}`), 409).detail).toContain('dataset_examples');
    expect(expectProblem(await api.delete(`/api/training_examples/${ex[0]!.id}`), 409).detail).toContain('dataset_examples');
  });
});

describe('GET /api/datasets/statistics', () => {
  it('datasets by status and domain, links by split', async () => {
    const res = await api.get('/api/datasets/statistics');
    expect(res.statusCode, res.body).toBe(200);
    const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM datasets');
    const stats = res.json<{ datasets: number; by_status: Record<string, number>; by_domain: Array<{ domain: string | null; count: number }>; examples: number; by_split: Record<string, number> }>();
    expect(stats.datasets).toBe(Number(rows[0]!.n));
    expect(stats.by_status).toMatchObject({ ready: 1, archived: 0 });
    expect(stats.by_status.draft).toBe(stats.datasets - 1);
    expect(stats.by_domain[0]).toEqual({ domain: 'code', count: 2 });
    expect(stats.by_split).toEqual({ train: 2, validation: 1, test: 2 });
    expect(stats.examples).toBe(5);
  });

  it('is not taken for a dataset id, and rejects parameters', async () => {
    expectProblem(await api.get('/api/datasets/statistics?x=1'), 400, 'querystring.x');
    expect((await api.get(`/api/datasets/${dataset.id}`)).json()).toMatchObject({ id: dataset.id });
  });
});

describe('GET /api/training_examples/statistics', () => {
  it('counts by source, by domain and by quality bucket (1.0 in the last; null unscored)', async () => {
    const mk = (source: string | null, domain: string | null, quality_score: number | null) =>
      samples.create(examples(), { source, domain, quality_score, dataset_id: null });
    const before = (await api.get('/api/training_examples/statistics')).json<{ total: number }>().total;
    await mk('human', 'math', 0);
    await mk('human', 'math', 0.19);
    await mk('human', 'code', 0.2);
    await mk('synthetic', 'code', 0.99);
    await mk('synthetic', null, 1);
    await mk(null, 'math', null);

    const res = await api.get('/api/training_examples/statistics');
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json<{
      total: number; scored: number; avg_quality: number;
      by_source: Array<{ source: string | null; count: number }>;
      by_domain: Array<{ domain: string | null; count: number }>;
      by_quality: Array<{ bucket: string; from: number | null; to: number | null; count: number }>;
    }>();
    expect(s.total).toBe(before + 6);
    expect(s.by_source).toContainEqual({ source: 'human', count: 3 });
    expect(s.by_source).toContainEqual({ source: 'synthetic', count: 2 });
    expect(s.by_domain).toContainEqual({ domain: 'math', count: 3 });
    expect(s.by_domain).toContainEqual({ domain: null, count: 1 });
    expect(s.by_source.reduce((a, b) => a + b.count, 0)).toBe(s.total);
    expect(s.by_quality.map((b) => b.bucket)).toEqual(['0.0-0.2', '0.2-0.4', '0.4-0.6', '0.6-0.8', '0.8-1.0', 'unscored']);
    expect(s.by_quality.reduce((a, b) => a + b.count, 0)).toBe(s.total);
    expect(s.by_quality[5]!.count).toBe(s.total - s.scored);

    // Just these six, counted against the database directly.
    const { rows } = await t.db.query<{ b: number | null; n: string }>(
      `SELECT floor(quality_score * 5)::int AS b, count(*) AS n FROM training_examples GROUP BY 1`,
    );
    const expected = new Map(rows.map((r) => [r.b, Number(r.n)]));
    expected.set(4, (expected.get(4) ?? 0) + (expected.get(5) ?? 0)); // 1.0 is in the last bucket
    expect(s.by_quality.map((b) => b.count)).toEqual([0, 1, 2, 3, 4, null].map((b) => expected.get(b) ?? 0));
    expect(s.by_quality[0]!.count).toBeGreaterThanOrEqual(2);
  });

  it('is not taken for a training example id', async () => {
    expect((await api.get(`/api/training_examples/${ex[0]!.id}`)).json()).toEqual(ex[0]);
    expectProblem(await api.get('/api/training_examples/statistics?domain=x'), 400, 'querystring.domain');
  });
});
