/**
 * Tool executions by invocation id: record, list with filters, read and update by
 * invocation id; status changes emit tool_execution_<status> and stamp the timestamps.
 * And the routes do not collide with the generic /api/tools/{id}.
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
let samples: Samples;
let tool: Row;
let otherTool: Row;
let agent: Row;

beforeAll(async () => {
  samples = new Samples(api);
  tool = await samples.create(entityByTable.get('tools')!);
  otherTool = await samples.create(entityByTable.get('tools')!);
  agent = await samples.create(entityByTable.get('agents')!);
});

type Execution = Row & { invocation_id: string; status: string; started_at: string | null; completed_at: string | null; output: unknown; error: string | null; duration_ms: number | null };

const base = '/api/tools/executions';

describe('POST /api/tools/executions', () => {
  it('records an execution: 201, pending by default, Location at /api/tool_executions, tool_execution_created', async () => {
    const since = await lastPosition(t.db);
    const res = await api.post(base, { tool_id: tool.id, agent_id: agent.id, invocation_id: 'inv-1', input: { q: 'weather' } });
    expect(res.statusCode, res.body).toBe(201);
    const row = res.json<Execution>();
    expect(row).toMatchObject({ invocation_id: 'inv-1', status: 'pending', tool_id: tool.id, agent_id: agent.id, input: { q: 'weather' }, version: 1, started_at: null });
    expect(res.headers.location).toBe(`/api/tool_executions/${row.id}`);
    expect(res.headers.etag).toBe('"1"');
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => [e.event_type, e.entity_type, e.entity_id])).toEqual([['tool_execution_created', 'tool_execution', row.id]]);
    expect(await outboxOf(t.db, [events[0]!.id])).toHaveLength(1);
  });

  it('created already started: started_at is stamped', async () => {
    const res = await api.post(base, { tool_id: tool.id, invocation_id: 'inv-2', status: 'started' });
    expect(res.statusCode, res.body).toBe(201);
    const row = res.json<Execution>();
    expect(row.started_at).toBe(row.created_at);
  });

  it('a taken invocation id → 409 naming it; an unknown tool → 409 naming tool_id', async () => {
    expectProblem(await api.post(base, { tool_id: tool.id, invocation_id: 'inv-1' }), 409, 'body.invocation_id');
    const problem = expectProblem(await api.post(base, { tool_id: randomUUID(), invocation_id: 'inv-x' }), 409, 'body.tool_id');
    expect(problem.detail).toContain('tools');
  });

  it.each([
    ['no tool_id', { invocation_id: 'a' }, 'body.tool_id'],
    ['no invocation_id', { tool_id: '00000000-0000-4000-8000-000000000001' }, 'body.invocation_id'],
    ['an unknown status', { tool_id: '00000000-0000-4000-8000-000000000001', invocation_id: 'a', status: 'done' }, 'body.status'],
    ['a negative duration', { tool_id: '00000000-0000-4000-8000-000000000001', invocation_id: 'a', duration_ms: -1 }, 'body.duration_ms'],
    ['an unknown field', { tool_id: '00000000-0000-4000-8000-000000000001', invocation_id: 'a', tool: 'x' }, 'body.tool'],
  ])('%s → 400 naming %s', async (_name, body, field) => {
    const since = await lastPosition(t.db);
    expectProblem(await api.post(base, body), 400, field);
    expect(await lastPosition(t.db)).toBe(since);
  });
});

describe('PATCH /api/tools/executions/by-invocation/{invocation_id}', () => {
  it('pending → started: tool_execution_updated then tool_execution_started, one transaction, started_at stamped', async () => {
    const since = await lastPosition(t.db);
    const res = await api.patch(`${base}/by-invocation/inv-1`, { status: 'started' });
    expect(res.statusCode, res.body).toBe(200);
    const row = res.json<Execution>();
    expect(row).toMatchObject({ status: 'started', version: 2 });
    expect(row.started_at).toBe(row.updated_at);
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => [e.event_type, e.entity_version])).toEqual([['tool_execution_updated', 2], ['tool_execution_started', 2]]);
    expect(new Set(events.map((e) => e.transaction_id)).size).toBe(1);
  });

  it('started → completed with output and duration: tool_execution_completed, completed_at stamped', async () => {
    const since = await lastPosition(t.db);
    const res = await api.patch(`${base}/by-invocation/inv-1`, { status: 'completed', output: { temp: 21 }, duration_ms: 153.5 }, { 'if-match': '"2"' });
    expect(res.statusCode, res.body).toBe(200);
    const row = res.json<Execution>();
    expect(row).toMatchObject({ status: 'completed', output: { temp: 21 }, duration_ms: 153.5, version: 3 });
    expect(row.completed_at).toBe(row.updated_at);
    expect((await eventsAfter(t.db, since)).map((e) => e.event_type)).toEqual(['tool_execution_updated', 'tool_execution_completed']);
  });

  it('started → failed with an error: tool_execution_failed', async () => {
    const since = await lastPosition(t.db);
    const res = await api.patch(`${base}/by-invocation/inv-2`, { status: 'failed', error: 'timeout after 30s' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Execution>().completed_at).not.toBeNull();
    expect((await eventsAfter(t.db, since)).map((e) => e.event_type)).toEqual(['tool_execution_updated', 'tool_execution_failed']);
  });

  it('a field change without a status change emits only tool_execution_updated', async () => {
    const since = await lastPosition(t.db);
    expect((await api.patch(`${base}/by-invocation/inv-1`, { output: { temp: 22 } })).statusCode).toBe(200);
    expect((await eventsAfter(t.db, since)).map((e) => e.event_type)).toEqual(['tool_execution_updated']);
  });

  it('a stale If-Match → 412 and nothing changes; an unknown invocation → 404', async () => {
    const since = await lastPosition(t.db);
    expectProblem(await api.patch(`${base}/by-invocation/inv-1`, { status: 'cancelled' }, { 'if-match': '"1"' }), 412);
    expectProblem(await api.patch(`${base}/by-invocation/nope`, { status: 'started' }), 404);
    expect(await lastPosition(t.db)).toBe(since);
  });

  it.each([
    ['an empty patch', {}, 'body'],
    ['an unknown status', { status: 'finished' }, 'body.status'],
    ['a null tool_id', { tool_id: null }, 'body.tool_id'],
    ['a non-object output that is null-byte poisoned', { output: 'x\u0000' }, 'body.output'],
  ])('%s → 400 naming %s', async (_name, body, field) => {
    expectProblem(await api.patch(`${base}/by-invocation/inv-1`, body), 400, field);
  });
});

describe('GET /api/tools/executions', () => {
  it('by invocation id: the row with its ETag; 404 for an unknown one', async () => {
    const res = await api.get(`${base}/by-invocation/inv-1`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"4"');
    expect(res.json<Execution>()).toMatchObject({ invocation_id: 'inv-1', status: 'completed' });
    expectProblem(await api.get(`${base}/by-invocation/unknown`), 404);
  });

  it('lists oldest first, filtered by tool_id, agent_id and status', async () => {
    await api.post(base, { tool_id: otherTool.id, agent_id: agent.id, invocation_id: 'inv-3' });
    const ids = async (query: string) => (await api.get(`${base}?${query}`)).json<Execution[]>().map((r) => r.invocation_id);
    expect(await ids('')).toEqual(['inv-1', 'inv-2', 'inv-3']);
    expect(await ids(`tool_id=${tool.id}`)).toEqual(['inv-1', 'inv-2']);
    expect(await ids(`agent_id=${agent.id}`)).toEqual(['inv-1', 'inv-3']);
    expect(await ids(`tool_id=${tool.id}&status=failed`)).toEqual(['inv-2']);
    expect(await ids('status=pending')).toEqual(['inv-3']);
    expect(await ids('limit=1&offset=2')).toEqual(['inv-3']);
  });

  it.each([
    ['tool_id=not-a-uuid', 'querystring.tool_id'],
    ['status=done', 'querystring.status'],
    ['limit=0', 'querystring.limit'],
    ['input=x', 'querystring.input'],
  ])('?%s → 400 naming %s', async (query, field) => {
    expectProblem(await api.get(`${base}?${query}`), 400, field);
  });

  it('the same rows are the tool_executions entity, nested under their tool', async () => {
    const row = (await api.get(`${base}/by-invocation/inv-2`)).json<Execution>();
    expect((await api.get(`/api/tool_executions/${row.id}`)).json()).toEqual(row);
    const nested = (await api.get(`/api/tools/${tool.id}/tool_executions`)).json<Execution[]>();
    expect(nested.map((r) => r.invocation_id)).toEqual(['inv-1', 'inv-2']);
  });
});

describe('no collision with the generic /api/tools/{id}', () => {
  it('GET /api/tools/{id} still returns the tool; a bad id still → 400 params.id', async () => {
    expect((await api.get(`/api/tools/${tool.id}`)).json()).toEqual(tool);
    expectProblem(await api.get('/api/tools/execution'), 400, 'params.id');
    expect((await api.get(`/api/tools/${tool.id}/history`)).statusCode).toBe(200);
  });

  it('methods the executions path lacks fall to /api/tools/{id}: 400 params.id, nothing written', async () => {
    const since = await lastPosition(t.db);
    expectProblem(await api.delete(base), 400, 'params.id');
    expectProblem(await api.put(base, { name: 'x' }), 400, 'params.id');
    expect(await lastPosition(t.db)).toBe(since);
  });
});
