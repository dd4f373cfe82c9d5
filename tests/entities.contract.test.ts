/**
 * THE contract every entity keeps, run over all of them: the full life of one row through
 * the HTTP API, and after each step the exact event and outbox rows it wrote. Nothing here
 * names an entity's columns: bodies, patches, filters and nested routes are derived from
 * the definitions, so a new entity is covered by adding its definition.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { entities, entityByTable } from '../src/db/entities/index.js';
import type { Entity } from '../src/db/entity.js';
import { useTestApp } from './helpers/app.js';
import { callerId, client, DEV_TOKEN, expectProblem } from './helpers/http.js';
import { eventsAfter, lastPosition, outboxOf, type EventRow } from './helpers/rows.js';
import {
  columnsOf,
  expectStored,
  nextStatus,
  otherValue,
  Samples,
  sameValue,
  specOf,
  stampedColumns,
  type Body,
  type Row,
} from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);
let samples: Samples;
beforeAll(() => {
  samples = new Samples(api);
});

const CORRELATION_ID = 'contract-run-1';
let requests = 0;
/** Headers of one traced request; the request id is echoed and recorded in the events. */
const traced = () => ({ 'x-request-id': `contract-${++requests}`, 'x-correlation-id': CORRELATION_ID });

/** Columns a client edits freely: not the status, not a foreign key, not stamped by the write path. */
function plainColumns(entity: Entity): string[] {
  const stamped = stampedColumns(entity);
  return columnsOf(entity)
    .filter(([name, spec]) => name !== 'status' && !spec.references && !stamped.has(name))
    .map(([name]) => name);
}

/**
 * Asserts that the request wrote exactly `expected` events (type, entity_version), in one
 * transaction, each with the request's metadata and one matching outbox row.
 */
async function expectWritten(
  entity: Entity,
  id: string,
  since: number,
  res: LightMyRequestResponse,
  expected: Array<[type: string, version: number]>,
  payload: Body,
): Promise<EventRow[]> {
  const events = await eventsAfter(t.db, since);
  expect(events.map((e) => [e.event_type, e.entity_version])).toEqual(expected);
  expect(new Set(events.map((e) => e.transaction_id)).size, 'one transaction').toBe(1);
  for (const e of events) {
    expect(e).toMatchObject({ entity_type: entity.singular, entity_id: id });
    expect(e.metadata).toEqual({ request_id: res.headers['x-request-id'], correlation_id: CORRELATION_ID, caller: callerId(DEV_TOKEN) });
    expect(e.payload).toEqual(payload);
  }
  const outbox = await outboxOf(t.db, events.map((e) => e.id));
  expect(outbox).toEqual(
    events.map((e) => ({ transaction_id: e.transaction_id, position: e.position, event_id: e.id, entity_type: entity.singular, event_type: e.event_type })),
  );
  return events;
}

/** The row with `patch` applied, as the API must return it after an update. */
function expectUpdated(entity: Entity, before: Row, after: Row, patch: Body, version: number): void {
  expect(after.id).toBe(before.id);
  expect(after.version).toBe(version);
  expect(after.created_at).toBe(before.created_at);
  expect(Date.parse(after.updated_at)).toBeGreaterThanOrEqual(Date.parse(before.updated_at));
  const stamped = stampedColumns(entity);
  for (const [name, spec] of columnsOf(entity)) {
    if (stamped.has(name) && !(name in patch)) continue; // checked by the caller
    const want = name in patch ? patch[name] : before[name];
    expect(sameValue(spec, after[name], want), `${entity.table}.${name}: ${JSON.stringify(after[name])} vs ${JSON.stringify(want)}`).toBe(true);
  }
}

describe('named examples of the contract', () => {
  it('delete messages read as words: "Agent deleted successfully", "Training example deleted successfully"', async () => {
    for (const [table, message] of [
      ['agents', 'Agent deleted successfully'],
      ['training_examples', 'Training example deleted successfully'],
    ] as const) {
      const row = await samples.create(entityByTable.get(table)!);
      const res = await api.delete(`/api/${table}/${row.id}`);
      expect(res.json()).toEqual({ message });
    }
  });

  it('completing a goal writes goal_updated + goal_completed in one transaction and sets completed_at', async () => {
    const goal = await samples.create(entityByTable.get('goals')!);
    expect(goal.completed_at).toBeNull();
    const since = await lastPosition(t.db);
    const res = await api.put(`/api/goals/${goal.id}`, { status: 'completed' });
    const done = res.json<Row>();
    expect(done.completed_at).toBe(done.updated_at);
    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => e.event_type)).toEqual(['goal_updated', 'goal_completed']);
    expect(events[0]!.transaction_id).toBe(events[1]!.transaction_id);
  });

  it('a plan moving to completed writes plan_completed', async () => {
    const plan = await samples.create(entityByTable.get('plans')!);
    const since = await lastPosition(t.db);
    await api.patch(`/api/plans/${plan.id}`, { status: 'completed' });
    expect((await eventsAfter(t.db, since)).map((e) => e.event_type)).toEqual(['plan_updated', 'plan_completed']);
  });

  it('lists 100 rows by default and at most 1000', async () => {
    const metrics = entityByTable.get('metrics')!;
    const name = `paging-${randomUUID()}`;
    for (let i = 0; i < 101; i++) await samples.create(metrics, { name });
    expect((await api.get(`/api/metrics?name=${name}`)).json<Row[]>()).toHaveLength(100);
    expect((await api.get(`/api/metrics?name=${name}&limit=1000`)).json<Row[]>()).toHaveLength(101);
    expect((await api.get(`/api/metrics?name=${name}&offset=100`)).json<Row[]>()).toHaveLength(1);
  });
});

describe.each(entities)('$table', (entity) => {
  const base = `/api/${entity.table}`;
  const plain = plainColumns(entity);
  let body: Body;
  let row: Row;
  const written: EventRow[] = [];

  it('POST creates it: 201, ETag "1", Location, the row as sent, one _created event and its outbox row', async () => {
    body = await samples.body(entity, { refs: 'all' });
    const since = await lastPosition(t.db);
    const res = await api.post(base, body, traced());
    expect(res.statusCode, res.body).toBe(201);
    row = res.json<Row>();
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe(`${base}/${row.id}`);
    expect(row).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), version: 1 });
    expect(row.updated_at).toBe(row.created_at);
    expectStored(entity, row, body);
    written.push(...(await expectWritten(entity, row.id, since, res, [[`${entity.singular}_created`, 1]], row)));
  });

  it('GET /{id} returns it with its ETag', async () => {
    const res = await api.get(`${base}/${row.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json()).toEqual(row);
  });

  it('GET lists it, and pages with limit/offset', async () => {
    const all = (await api.get(`${base}?limit=1000`)).json<Row[]>();
    expect(all).toContainEqual(row);
    const index = all.findIndex((r) => r.id === row.id);
    const page = await api.get(`${base}?limit=1&offset=${index}`);
    expect(page.statusCode).toBe(200);
    expect(page.json()).toEqual([row]);
  });

  for (const column of entity.filters) {
    it(`GET filters on indexed column ${column}`, async () => {
      const spec = specOf(entity, column);
      const value = row[column];
      expect(value, `sample gives ${column} a value`).not.toBeNull();
      const res = await api.get(`${base}?limit=1000&${column}=${encodeURIComponent(String(value))}`);
      expect(res.statusCode, res.body).toBe(200);
      const rows = res.json<Row[]>();
      expect(rows).toContainEqual(row);
      for (const r of rows) expect(sameValue(spec, r[column], value)).toBe(true);

      const other = spec.references ? randomUUID() : otherValue(spec, value, column, samples.next());
      const none = await api.get(`${base}?limit=1000&${column}=${encodeURIComponent(String(other))}`);
      expect(none.statusCode, none.body).toBe(200);
      expect(none.json<Row[]>().map((r) => r.id)).not.toContain(row.id);
    });
  }

  it(`PUT updates only the fields sent (version 2, ETag "2")${entity.status ? ', and a status change also writes _<status>' : ''}`, async () => {
    const patch: Body = {};
    const first = plain[0];
    if (first) patch[first] = otherValue(specOf(entity, first), row[first], first, samples.next());
    const status = entity.status ? nextStatus(entity, row.status) : undefined;
    if (status) patch.status = status;

    const since = await lastPosition(t.db);
    const res = await api.put(`${base}/${row.id}`, patch, { ...traced(), 'if-match': '"1"' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    const after = res.json<Row>();
    expectUpdated(entity, row, after, patch, 2);

    const expected: Array<[string, number]> = [[`${entity.singular}_updated`, 2]];
    if (status) expected.push([`${entity.singular}_${status}`, 2]);
    written.push(...(await expectWritten(entity, row.id, since, res, expected, after)));

    // Entering a status listed in statusTimestamps stamps its column in the same
    // statement (goals.completed_at on completion), so it equals updated_at exactly.
    const stampedColumn = status ? entity.statusTimestamps?.[status] : undefined;
    if (stampedColumn) expect(after[stampedColumn]).toBe(after.updated_at);
    for (const column of stampedColumns(entity)) {
      if (column !== stampedColumn) expect(after[column], column).toBe(row[column]);
    }
    row = after;
  });

  it('PATCH updates too (version 3); resending the same status writes no status event', async () => {
    const column = plain[1] ?? plain[0];
    const patch: Body = {};
    if (column) patch[column] = otherValue(specOf(entity, column), row[column], column, samples.next());
    if (entity.status) patch.status = row.status;

    const since = await lastPosition(t.db);
    const res = await api.patch(`${base}/${row.id}`, patch, traced());
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"3"');
    const after = res.json<Row>();
    expectUpdated(entity, row, after, patch, 3);
    for (const c of stampedColumns(entity)) expect(after[c], c).toBe(row[c]);
    written.push(...(await expectWritten(entity, row.id, since, res, [[`${entity.singular}_updated`, 3]], after)));
    row = after;
  });

  it('a write with a stale If-Match gets 412 with the current ETag and changes nothing', async () => {
    const since = await lastPosition(t.db);
    const column = plain[0] ?? 'status';
    const patch = { [column]: otherValue(specOf(entity, column), row[column], column, samples.next()) };
    for (const method of ['PUT', 'PATCH'] as const) {
      const res = await api.request(method, `${base}/${row.id}`, patch, { 'if-match': '"1"' });
      expectProblem(res, 412);
      expect(res.headers.etag).toBe('"3"');
    }
    expectProblem(await api.delete(`${base}/${row.id}`, { 'if-match': '"2"' }), 412);
    expect((await api.get(`${base}/${row.id}`)).json()).toEqual(row);
    expect(await lastPosition(t.db)).toBe(since);
  });

  it('GET /{id}/history returns its events in order, with entity_version', async () => {
    const res = await api.get(`${base}/${row.id}/history`);
    expect(res.statusCode).toBe(200);
    const history = res.json<Array<Record<string, unknown>>>();
    expect(history.map((e) => [e.id, e.position, e.event_type, e.entity_version, e.transaction_id])).toEqual(
      written.map((e) => [e.id, e.position, e.event_type, e.entity_version, e.transaction_id]),
    );
    expect(history.map((e) => e.payload)).toEqual(written.map((e) => e.payload));
    const paged = (await api.get(`${base}/${row.id}/history?limit=1&offset=1`)).json<Array<{ id: string }>>();
    expect(paged.map((e) => e.id)).toEqual([written[1]!.id]);
  });

  it(`DELETE answers {"message":"${entity.label} deleted successfully"} and writes _deleted`, async () => {
    const since = await lastPosition(t.db);
    const res = await api.delete(`${base}/${row.id}`, { ...traced(), 'if-match': '"3"' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ message: `${entity.label} deleted successfully` });
    // The deletion is the entity's last change: version + 1, and the payload is the row as it was.
    written.push(...(await expectWritten(entity, row.id, since, res, [[`${entity.singular}_deleted`, 4]], row)));
  });

  it('is gone: GET, PUT, PATCH and DELETE answer 404; its history stays', async () => {
    expectProblem(await api.get(`${base}/${row.id}`), 404);
    const column = plain[0] ?? 'status';
    const patch = { [column]: otherValue(specOf(entity, column), row[column], column, samples.next()) };
    expectProblem(await api.put(`${base}/${row.id}`, patch), 404);
    expectProblem(await api.patch(`${base}/${row.id}`, patch), 404);
    expectProblem(await api.delete(`${base}/${row.id}`), 404);
    expect((await api.get(`${base}?limit=1000`)).json<Row[]>().map((r) => r.id)).not.toContain(row.id);
    const history = (await api.get(`${base}/${row.id}/history`)).json<Array<{ id: string }>>();
    expect(history.map((e) => e.id)).toEqual(written.map((e) => e.id));
  });
});

/** Every foreign key, as the nested route a client navigates: /api/<parent>/{id}/<child>. */
const links = entities.flatMap((child) =>
  Object.entries(child.references).map(([column, parentTable]) => ({
    route: `/api/${parentTable}/{id}/${child.table}`,
    child,
    column,
    parent: entityByTable.get(parentTable)!,
  })),
);

describe('nested routes', () => {
  it('exist for the foreign keys a user navigates', () => {
    const routes = links.map((l) => l.route);
    expect(routes).toContain('/api/agents/{id}/goals');
    expect(routes).toContain('/api/goals/{id}/plans');
    expect(routes).toContain('/api/saga_executions/{id}/saga_steps');
  });

  describe.each(links)('$route', ({ child, column, parent }) => {
    it(`lists exactly the ${child.table} of that ${parent.singular}, in creation order, with paging`, async () => {
      const mine = await samples.create(parent, {}, { refs: 'required' });
      const other = await samples.create(parent, {}, { refs: 'required' });
      const a = await samples.create(child, { [column]: mine.id });
      const b = await samples.create(child, { [column]: mine.id });
      await samples.create(child, { [column]: other.id });

      const res = await api.get(`/api/${parent.table}/${mine.id}/${child.table}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual([a, b]);
      expect((await api.get(`/api/${parent.table}/${mine.id}/${child.table}?limit=1&offset=1`)).json()).toEqual([b]);
    });

    it(`answers [] for a ${parent.singular} without ${child.table}`, async () => {
      const lonely = await samples.create(parent, {}, { refs: 'required' });
      const res = await api.get(`/api/${parent.table}/${lonely.id}/${child.table}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual([]);
    });

    it(`answers 404 for an unknown ${parent.singular}`, async () => {
      const res = await api.get(`/api/${parent.table}/${randomUUID()}/${child.table}`);
      const problem = expectProblem(res, 404);
      expect(problem.detail).toContain(parent.label);
    });
  });
});
