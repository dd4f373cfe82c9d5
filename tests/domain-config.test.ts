/**
 * The config store: PUT creates (config_created) then updates (config_updated), versions and
 * ETags, If-Match / If-None-Match preconditions, namespace listing, delete, bad input.
 */
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { eventsAfter, lastPosition, outboxOf } from './helpers/rows.js';

const t = useTestApp();
const api = client(() => t.app);

interface Entry {
  id: string;
  version: number;
  namespace: string;
  key: string;
  value: unknown;
  description: string | null;
}

describe('PUT /api/config/{namespace}/{key}', () => {
  it('creates on the first write: 201, ETag "1", Location, one config_created event with its outbox row', async () => {
    const since = await lastPosition(t.db);
    const res = await api.put('/api/config/llm/limits', { value: { max_tokens: 4096, models: ['a', 'b'] }, description: 'token limits' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe('/api/config/llm/limits');
    const entry = res.json<Entry>();
    expect(entry).toMatchObject({ namespace: 'llm', key: 'limits', version: 1, value: { max_tokens: 4096, models: ['a', 'b'] }, description: 'token limits' });

    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => [e.event_type, e.entity_type, e.entity_id, e.entity_version])).toEqual([['config_created', 'config', entry.id, 1]]);
    expect(events[0]!.payload).toEqual(entry);
    expect(await outboxOf(t.db, events.map((e) => e.id))).toHaveLength(1);
  });

  it('updates after that: 200, version 2, config_updated; the description stays when not sent', async () => {
    const since = await lastPosition(t.db);
    const res = await api.put('/api/config/llm/limits', { value: { max_tokens: 8192 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.json<Entry>()).toMatchObject({ version: 2, value: { max_tokens: 8192 }, description: 'token limits' });
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => [e.event_type, e.entity_version])).toEqual([['config_updated', 2]]);
  });

  it('takes any JSON value but null: string, number, boolean, list', async () => {
    for (const [key, value] of [['s', 'text'], ['n', 42.5], ['b', false], ['l', [1, { a: 2 }]]] as const) {
      const res = await api.put(`/api/config/kinds/${key}`, { value });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json<Entry>().value).toEqual(value);
    }
  });

  it('If-Match with the current version writes; a stale one → 412 with the current ETag, nothing written', async () => {
    expect((await api.put('/api/config/llm/limits', { value: 3 }, { 'if-match': '"2"' })).statusCode).toBe(200);
    const since = await lastPosition(t.db);
    const stale = expectProblem(await api.put('/api/config/llm/limits', { value: 4 }, { 'if-match': '"2"' }), 412);
    expect(stale.detail).toContain('3');
    expect((await api.get('/api/config/llm/limits')).json<Entry>()).toMatchObject({ version: 3, value: 3 });
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('If-Match on a key that does not exist → 412 and nothing is created', async () => {
    const since = await lastPosition(t.db);
    expectProblem(await api.put('/api/config/llm/absent', { value: 1 }, { 'if-match': '"1"' }), 412);
    expectProblem(await api.get('/api/config/llm/absent'), 404);
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('If-None-Match: * creates only: 201 when new, 412 when it exists', async () => {
    expect((await api.put('/api/config/once/k', { value: 1 }, { 'if-none-match': '*' })).statusCode).toBe(201);
    expectProblem(await api.put('/api/config/once/k', { value: 2 }, { 'if-none-match': '*' }), 412);
    expect((await api.get('/api/config/once/k')).json<Entry>().value).toBe(1);
  });

  it('concurrent first writes of one key: one creates, the other updates; no 409, no 500', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => api.put('/api/config/race/k', { value: i })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const entry = (await api.get('/api/config/race/k')).json<Entry>();
    expect(entry.version).toBe(8);
  });

  it.each([
    ['no value', { description: 'x' }, 'body.value'],
    ['a null value', { value: null }, 'body.value'],
    ['an unknown field', { value: 1, version: 3 }, 'body.version'],
    ['a NUL byte in the value', { value: { a: 'x\u0000' } }, 'body.value'],
    ['a description that is not a string', { value: 1, description: 5 }, 'body.description'],
  ])('%s → 400 naming %s', async (_name, body, field) => {
    const since = await lastPosition(t.db);
    expectProblem(await api.put('/api/config/bad/k', body), 400, field);
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('a namespace over 100 characters or a key over 255 → 400 naming the parameter', async () => {
    expectProblem(await api.put(`/api/config/${'n'.repeat(101)}/k`, { value: 1 }), 400, 'params.namespace');
    expectProblem(await api.put(`/api/config/ns/${'k'.repeat(256)}`, { value: 1 }), 414);
    expectProblem(await api.get(`/api/config/ns/${'k'.repeat(199)}%00`), 400, 'params.key');
  });
});

describe('GET /api/config/{namespace}[/{key}]', () => {
  it('one entry with its ETag; 404 for an unknown key', async () => {
    const res = await api.get('/api/config/kinds/n');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json<Entry>()).toMatchObject({ namespace: 'kinds', key: 'n', value: 42.5 });
    const missing = expectProblem(await api.get('/api/config/kinds/zzz'), 404);
    expect(missing.detail).toContain('kinds/zzz');
  });

  it('a namespace in key order, paged; [] for an unknown namespace', async () => {
    const all = (await api.get('/api/config/kinds')).json<Entry[]>();
    expect(all.map((e) => e.key)).toEqual(['b', 'l', 'n', 's']);
    expect((await api.get('/api/config/kinds?limit=2&offset=1')).json<Entry[]>().map((e) => e.key)).toEqual(['l', 'n']);
    const empty = await api.get('/api/config/nothing-here');
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual([]);
    expectProblem(await api.get('/api/config/kinds?limit=0'), 400, 'querystring.limit');
    expectProblem(await api.get('/api/config/kinds?filter=1'), 400, 'querystring.filter');
  });

  it('keys with URL-encoded characters round-trip', async () => {
    const key = encodeURIComponent('feature flags/é v2');
    expect((await api.put(`/api/config/app/${key}`, { value: true })).statusCode).toBe(201);
    expect((await api.get(`/api/config/app/${key}`)).json<Entry>()).toMatchObject({ key: 'feature flags/é v2', value: true });
  });

  it('entries are also config_entries entities, with their history', async () => {
    const entry = (await api.get('/api/config/llm/limits')).json<Entry>();
    expect((await api.get(`/api/config_entries/${entry.id}`)).json()).toEqual(entry);
    const history = (await api.get(`/api/config_entries/${entry.id}/history`)).json<Array<{ event_type: string }>>();
    expect(history.map((e) => e.event_type)).toEqual(['config_created', 'config_updated', 'config_updated']);
  });

  it('the generic POST cannot make a second entry for a (namespace, key): 409', async () => {
    expectProblem(await api.post('/api/config_entries', { namespace: 'llm', key: 'limits', value: 1 }), 409);
  });
});

describe('DELETE /api/config/{namespace}/{key}', () => {
  it('a stale If-Match → 412; then deletes with config_deleted; then 404', async () => {
    expectProblem(await api.delete('/api/config/once/k', { 'if-match': '"7"' }), 412);
    const since = await lastPosition(t.db);
    const res = await api.delete('/api/config/once/k', { 'if-match': '"1"' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ message: 'Config deleted successfully' });
    expect((await eventsAfter(t.db, since)).map((e) => [e.event_type, e.entity_version])).toEqual([['config_deleted', 2]]);
    expectProblem(await api.get('/api/config/once/k'), 404);
    expectProblem(await api.delete('/api/config/once/k'), 404);
  });
});
