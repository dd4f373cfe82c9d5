/**
 * Bad input, for every entity: a table of invalid bodies, queries and path parameters
 * derived from the definitions. Each gets its 4xx as problem details naming the field,
 * never a 500, a stack trace or SQL, and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { entities, entityByTable } from '../src/db/entities/index.js';
import type { Entity } from '../src/db/entity.js';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { invalidFilterValues, invalidValues } from './helpers/invalid.js';
import { count, lastPosition } from './helpers/rows.js';
import { columnsOf, Samples, validValue, type Body, type Row } from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);
let samples: Samples;
beforeAll(() => {
  samples = new Samples(api);
});

interface BodyCase {
  name: string;
  field: string;
  /** The body change: a value for a column, or `undefined` with `omit` to leave it out. */
  column: string;
  value?: unknown;
  omit?: boolean;
  onCreate: boolean;
  onUpdate: boolean;
}

function bodyCases(entity: Entity): BodyCase[] {
  const cases: BodyCase[] = [];
  for (const [column, spec] of columnsOf(entity)) {
    const field = `body.${column}`;
    for (const [label, value] of invalidValues(spec)) {
      cases.push({ name: `${column}: ${label}`, field, column, value, onCreate: true, onUpdate: true });
    }
    if (spec.required) {
      cases.push({ name: `${column}: missing (required)`, field, column, omit: true, onCreate: true, onUpdate: false });
    }
    if (spec.required || spec.default !== undefined) {
      cases.push({ name: `${column}: null (NOT NULL)`, field, column, value: null, onCreate: true, onUpdate: true });
    }
  }
  cases.push({ name: 'an unknown extra field', field: 'body.not_a_column', column: 'not_a_column', value: 1, onCreate: true, onUpdate: true });
  for (const system of ['version', 'created_at', 'updated_at']) {
    cases.push({ name: `system field ${system}`, field: `body.${system}`, column: system, value: 7, onCreate: true, onUpdate: true });
  }
  cases.push({ name: 'id (cannot change)', field: 'body.id', column: 'id', value: randomUUID(), onCreate: false, onUpdate: true });
  cases.push({ name: 'id: not a uuid', field: 'body.id', column: 'id', value: 'not-a-uuid', onCreate: true, onUpdate: false });
  return cases;
}

interface QueryCase {
  name: string;
  query: string;
  field: string;
}

function queryCases(entity: Entity): QueryCase[] {
  const cases: QueryCase[] = [
    ['limit', '-1'],
    ['limit', '0'],
    ['limit', '1001'],
    ['limit', 'abc'],
    ['limit', '1e20'],
    ['limit', '1.5'],
    ['offset', '-1'],
    ['offset', 'x'],
    ['offset', '2147483648'],
  ].map(([param, value]) => ({ name: `${param}=${value}`, query: `${param}=${encodeURIComponent(value!)}`, field: `querystring.${param}` }));
  cases.push({ name: 'an unknown parameter', query: 'not_a_filter=1', field: 'querystring.not_a_filter' });
  for (const column of entity.filters) {
    for (const [label, value] of invalidFilterValues(entity.columns[column]!.spec)) {
      cases.push({ name: `${column}: ${label}`, query: `${column}=${encodeURIComponent(String(value))}`, field: `querystring.${column}` });
    }
  }
  return cases;
}

const BAD_IDS = ['not-a-uuid', '123', `${randomUUID()}0`, 'null'];

describe.each(entities)('$table', (entity) => {
  const base = `/api/${entity.table}`;
  let valid: Body;
  let existing: Row;
  let before: { position: number; rows: number };

  beforeAll(async () => {
    valid = await samples.body(entity, { refs: 'required' });
    existing = await samples.create(entity);
    before = { position: await lastPosition(t.db), rows: await count(t.db, entity.table) };
  });

  it.each(bodyCases(entity))('body $name → 400 naming $field', async (c) => {
    if (c.onCreate) {
      const body = { ...valid };
      if (c.omit) delete body[c.column];
      else body[c.column] = c.value;
      expectProblem(await api.post(base, body), 400, c.field);
    }
    if (c.onUpdate) {
      for (const method of ['PUT', 'PATCH'] as const) {
        expectProblem(await api.request(method, `${base}/${existing.id}`, { [c.column]: c.value }), 400, c.field);
      }
    }
  });

  it('body that is not an object, or an empty update → 400 naming the body', async () => {
    for (const body of [[valid], '"text"', '42', 'null']) expectProblem(await api.post(base, body), 400, 'body');
    expectProblem(await api.put(`${base}/${existing.id}`, {}), 400, 'body');
    expectProblem(await api.patch(`${base}/${existing.id}`, []), 400, 'body');
  });

  it.each(queryCases(entity))('GET ?$name → 400 naming $field', async (c) => {
    expectProblem(await api.get(`${base}?${c.query}`), 400, c.field);
  });

  it.each(BAD_IDS)('id %s in the path → 400 naming params.id', async (id) => {
    const [column] = columnsOf(entity).find(([, spec]) => !spec.references) ?? [];
    const patch = column ? { [column]: validValue(entity.columns[column]!.spec, 1, column) } : {};
    expectProblem(await api.get(`${base}/${id}`), 400, 'params.id');
    expectProblem(await api.put(`${base}/${id}`, patch), 400, 'params.id');
    expectProblem(await api.patch(`${base}/${id}`, patch), 400, 'params.id');
    expectProblem(await api.delete(`${base}/${id}`), 400, 'params.id');
    expectProblem(await api.get(`${base}/${id}/history`), 400, 'params.id');
  });

  it('history with a bad limit → 400 naming querystring.limit', async () => {
    expectProblem(await api.get(`${base}/${existing.id}/history?limit=0`), 400, 'querystring.limit');
  });

  it('wrote nothing: no row, no event, the existing row unchanged', async () => {
    expect(await lastPosition(t.db)).toBe(before.position);
    expect(await count(t.db, entity.table)).toBe(before.rows);
    expect((await api.get(`${base}/${existing.id}`)).json()).toEqual(existing);
  });
});

/** Every foreign key: child column → parent table. */
const links = entities.flatMap((child) =>
  Object.entries(child.references).map(([column, parentTable]) => ({
    name: `${child.table}.${column} → ${parentTable}`,
    child,
    column,
    parent: entityByTable.get(parentTable)!,
  })),
);

describe('what a 400 says', () => {
  let agentId: string;
  beforeAll(async () => {
    agentId = (await api.post('/api/agents', { name: 'messages', agent_type: 'bad-input' })).json<Row>().id;
  });

  // One voice, after the field: what is wrong and what would do, not zod's own wording.
  it.each([
    ['priority', 5000, 'must be at most 1000'],
    ['priority', -5000, 'must be at least -1000'],
    ['priority', 1.5, 'must be a whole number'],
    ['priority', 'high', 'must be a number'],
    ['agent_id', 'nope', 'must be a UUID'],
    ['status', 'bogus', 'must be one of "pending", "decomposing", "ready", "active", "completed", "failed", "cancelled"'],
    ['completed_at', 'yesterday', 'must be an ISO 8601 date-time with a UTC offset'],
    ['completed_at', '0000-01-01T00:00:00Z', 'must be in years 0001–9999 (also in UTC), with a UTC offset under 16 hours'],
    ['description', undefined, 'is required'],
    ['description', 7, 'must be a string'],
  ])('a goal with %s %j: %s, once', async (column, value, message) => {
    const body: Body = { agent_id: agentId, description: 'd', [column]: value };
    if (value === undefined) delete body[column];
    const problem = expectProblem(await api.post('/api/goals', body), 400, `body.${column}`);
    expect(problem.errors).toEqual([{ field: `body.${column}`, message }]);
    expect(problem.detail).toBe(`body.${column}: ${message}`);
  });

  it('a string past its length says the length; a body that is no object says so', async () => {
    const long = expectProblem(await api.post('/api/agents', { name: 'n'.repeat(256), agent_type: 't' }), 400, 'body.name');
    expect(long.errors).toEqual([{ field: 'body.name', message: 'must be at most 255 characters long' }]);
    expect(expectProblem(await api.post('/api/agents', [1]), 400, 'body').errors).toEqual([{ field: 'body', message: 'must be an object' }]);
  });
});

describe('409 foreign-key conflicts', () => {
  it('a goal for an unknown agent', async () => {
    const body = { ...(await samples.body(entityByTable.get('goals')!)), agent_id: randomUUID() };
    const problem = expectProblem(await api.post('/api/goals', body), 409, 'body.agent_id');
    expect(problem.detail).toContain('agents');
  });

  it('deleting an agent that still has goals says "goals"', async () => {
    const agent = await samples.create(entityByTable.get('agents')!);
    const goal = await samples.create(entityByTable.get('goals')!, { agent_id: agent.id });
    const problem = expectProblem(await api.delete(`/api/agents/${agent.id}`), 409);
    expect(problem.detail).toContain('goals');
    expect((await api.get(`/api/agents/${agent.id}`)).statusCode).toBe(200);
    expect((await api.delete(`/api/goals/${goal.id}`)).statusCode).toBe(200);
    expect((await api.delete(`/api/agents/${agent.id}`)).statusCode).toBe(200);
  });

  describe.each(links)('$name', ({ child, column, parent }) => {
    it('create or update with an unknown parent → 409 naming the column', async () => {
      const unknown = randomUUID();
      const body = { ...(await samples.body(child)), [column]: unknown };
      const created = expectProblem(await api.post(`/api/${child.table}`, body), 409, `body.${column}`);
      expect(created.detail).toContain(parent.table);
      const row = await samples.create(child);
      expectProblem(await api.put(`/api/${child.table}/${row.id}`, { [column]: unknown }), 409, `body.${column}`);
      expect((await api.get(`/api/${child.table}/${row.id}`)).json()).toEqual(row);
    });

    it(`deleting a ${parent.singular} that still has ${child.table} → 409 naming ${child.table}`, async () => {
      const mine = await samples.create(parent, {}, { refs: 'required' });
      const row = await samples.create(child, { [column]: mine.id });
      const problem = expectProblem(await api.delete(`/api/${parent.table}/${mine.id}`), 409);
      expect(problem.detail).toContain(child.table);
      expect((await api.get(`/api/${parent.table}/${mine.id}`)).json()).toEqual(mine);
      expect((await api.delete(`/api/${child.table}/${row.id}`)).statusCode).toBe(200);
      expect((await api.delete(`/api/${parent.table}/${mine.id}`)).statusCode).toBe(200);
    });
  });
});

const uniques = entities.flatMap((entity) =>
  columnsOf(entity)
    .filter(([, spec]) => spec.unique)
    .map(([column]) => ({ name: `${entity.table}.${column}`, entity, column })),
);

describe('409 uniqueness conflicts', () => {
  it('models.name is unique', () => {
    expect(uniques.map((u) => u.name)).toContain('models.name');
  });

  it.each(uniques)('$name: create or update to a taken value → 409 naming the column', async ({ entity, column }) => {
    const taken = await samples.create(entity);
    const body = { ...(await samples.body(entity)), [column]: taken[column] };
    expectProblem(await api.post(`/api/${entity.table}`, body), 409, `body.${column}`);
    const other = await samples.create(entity);
    expectProblem(await api.put(`/api/${entity.table}/${other.id}`, { [column]: taken[column] }), 409, `body.${column}`);
    expect((await api.get(`/api/${entity.table}/${other.id}`)).json()).toEqual(other);
  });

  it('creating with the id of an existing row → 409 naming body.id', async () => {
    const agents = entityByTable.get('agents')!;
    const row = await samples.create(agents);
    expectProblem(await api.post('/api/agents', { ...(await samples.body(agents)), id: row.id }), 409, 'body.id');
  });
});

describe.each(entities)('$table: ids are never reused', (entity) => {
  it('creating with the id of a deleted row → 409 naming body.id, and its history is untouched', async () => {
    const row = await samples.create(entity);
    expect((await api.delete(`/api/${entity.table}/${row.id}`)).statusCode).toBe(200);
    const history = (await api.get(`/api/${entity.table}/${row.id}/history`)).json();
    expectProblem(await api.post(`/api/${entity.table}`, { ...(await samples.body(entity)), id: row.id }), 409, 'body.id');
    expectProblem(await api.get(`/api/${entity.table}/${row.id}`), 404);
    expect((await api.get(`/api/${entity.table}/${row.id}/history`)).json()).toEqual(history);
  });
});

describe('the request itself', () => {
  const documents = () => entityByTable.get('documents')!;

  it('a body over 1 MiB → 413; one just under is accepted', async () => {
    const body = { ...(await samples.body(documents())), content: 'x'.repeat(1024 * 1024) };
    expectProblem(await api.post('/api/documents', body), 413);
    const fits = { ...(await samples.body(documents())), content: 'y'.repeat(1024 * 1024 - 4096) };
    expect((await api.post('/api/documents', fits)).statusCode).toBe(201);
  });

  it('text/plain, a form, or no content type → 415', async () => {
    const json = JSON.stringify(await samples.body(entityByTable.get('agents')!));
    expectProblem(await api.request('POST', '/api/agents', json, { 'content-type': 'text/plain' }), 415);
    expectProblem(await api.request('POST', '/api/agents', 'name=a', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    const bare = await t.app.inject({ method: 'POST', url: '/api/agents', headers: { authorization: 'Bearer test_token_123' }, payload: json });
    expectProblem(bare, 415);
  });

  it('truncated JSON, an empty JSON body, or a __proto__ key → 400 naming the body', async () => {
    const json = JSON.stringify(await samples.body(entityByTable.get('agents')!));
    expectProblem(await api.request('POST', '/api/agents', json.slice(0, -3)), 400, 'body');
    expectProblem(await api.request('POST', '/api/agents', ''), 400, 'body');
    expectProblem(await api.request('POST', '/api/agents', `${json.slice(0, -1)},"__proto__":{"admin":true}}`), 400, 'body');
  });

  it('a malformed percent-encoding → 400, an over-long path segment → 414, as problem details', async () => {
    expectProblem(await api.get('/api/agents/%zz'), 400);
    expectProblem(await api.get(`/api/agents/${'a'.repeat(300)}`), 414);
  });

  it('an If-Match that is no version → 412 and nothing changes', async () => {
    const row = await samples.create(entityByTable.get('agents')!);
    expectProblem(await api.put(`/api/agents/${row.id}`, { name: 'renamed' }, { 'if-match': '"abc"' }), 412);
    expectProblem(await api.delete(`/api/agents/${row.id}`, { 'if-match': 'W/"x"' }), 412);
    expect((await api.get(`/api/agents/${row.id}`)).json()).toEqual(row);
  });

  it('a weak If-Match tag never matches, even with the current version (RFC 9110 strong comparison)', async () => {
    const row = await samples.create(entityByTable.get('agents')!);
    expectProblem(await api.put(`/api/agents/${row.id}`, { name: 'renamed' }, { 'if-match': 'W/"1"' }), 412);
    expect((await api.get(`/api/agents/${row.id}`)).json()).toEqual(row);
  });

  it('a DELETE with a JSON content type and no body is accepted', async () => {
    const row = await samples.create(entityByTable.get('agents')!);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/agents/${row.id}`,
      headers: { authorization: 'Bearer test_token_123', 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ message: 'Agent deleted successfully' });
  });
});

describe('events API', () => {
  it('after naming no event → 400 naming querystring.after', async () => {
    const position = await lastPosition(t.db);
    expectProblem(await api.get(`/api/events?after=${position + 1000}`), 400, 'querystring.after');
  });

  it.each([
    ['after=-1', 'querystring.after'],
    ['after=abc', 'querystring.after'],
    ['entity_id=not-a-uuid', 'querystring.entity_id'],
    [`event_type=${'x'.repeat(101)}`, 'querystring.event_type'],
    ['entity_type=%00', 'querystring.entity_type'],
    ['limit=5000', 'querystring.limit'],
    ['offset=-5', 'querystring.offset'],
    ['nope=1', 'querystring.nope'],
  ])('?%s → 400 naming %s', async (query, field) => {
    expectProblem(await api.get(`/api/events?${query}`), 400, field);
  });

  it('an event id that is not a uuid → 400 naming params.id', async () => {
    expectProblem(await api.get('/api/events/42'), 400, 'params.id');
  });
});
