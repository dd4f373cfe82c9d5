/**
 * Atomicity of the one write path, by fault injection: a trigger in this file's own
 * database makes the events or outbox insert fail AFTER the entity row was written in the
 * same statement. Nothing may remain: no entity change, no event, no outbox row. And the
 * event log is append-only, whoever asks.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityByTable } from '../src/db/entities/index.js';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { count, lastPosition } from './helpers/rows.js';
import { Samples, type Row } from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);
const agents = entityByTable.get('agents')!;
const goals = entityByTable.get('goals')!;
let samples: Samples;
beforeAll(() => {
  samples = new Samples(api);
});

const FAULT = 'injected fault: SECRET-DETAIL-THAT-MUST-NOT-LEAK';

interface Snapshot {
  agents: number;
  goals: number;
  events: number;
  outbox: number;
  position: number;
}

async function snapshot(): Promise<Snapshot> {
  return {
    agents: await count(t.db, 'agents'),
    goals: await count(t.db, 'goals'),
    events: await count(t.db, 'events'),
    outbox: await count(t.db, 'outbox'),
    position: await lastPosition(t.db),
  };
}

describe.each(['outbox', 'events'])('a trigger that raises on INSERT INTO %s', (table) => {
  let row: Row;
  let parent: Row;
  let before: Snapshot;
  let agentBody: Record<string, unknown>;
  let goalBody: Record<string, unknown>;

  beforeAll(async () => {
    parent = await samples.create(agents);
    row = await samples.create(agents);
    // Bodies first: making them may create parent rows, which the fault would refuse.
    agentBody = await samples.body(agents);
    goalBody = { ...(await samples.body(goals)), agent_id: parent.id };
    await t.db.query(`
      CREATE FUNCTION fail_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '${FAULT}'; END $$;
      CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION fail_${table}();`);
    before = await snapshot();
  });

  afterAll(async () => {
    await t.db.query(`DROP TRIGGER IF EXISTS fail_${table} ON ${table}; DROP FUNCTION IF EXISTS fail_${table}();`);
  });

  /** The fault is the server's, not the client's: a 500 that names nothing of it. */
  function expectServerFault(res: Awaited<ReturnType<typeof api.get>>) {
    expectProblem(res, 500);
    expect(res.body).not.toContain('SECRET');
    expect(res.body).not.toContain(table);
  }

  it('a create leaves no entity, event or outbox row', async () => {
    const id = randomUUID();
    expectServerFault(await api.post('/api/agents', { ...agentBody, id }));
    expectServerFault(await api.post('/api/goals', goalBody));
    expect(await snapshot()).toEqual(before);
    expectProblem(await api.get(`/api/agents/${id}`), 404);
  });

  it('an update leaves the row as it was (same version), with no event or outbox row', async () => {
    expectServerFault(await api.put(`/api/agents/${row.id}`, { name: 'never stored', status: 'paused' }));
    expectServerFault(await api.patch(`/api/agents/${row.id}`, { name: 'never stored' }));
    expect(await snapshot()).toEqual(before);
    expect((await api.get(`/api/agents/${row.id}`)).json()).toEqual(row);
  });

  it('a delete leaves the row in place, with no event or outbox row', async () => {
    expectServerFault(await api.delete(`/api/agents/${row.id}`));
    expect(await snapshot()).toEqual(before);
    expect((await api.get(`/api/agents/${row.id}`)).json()).toEqual(row);
  });

  it('once the fault is gone, the same write succeeds at the next version', async () => {
    await t.db.query(`DROP TRIGGER fail_${table} ON ${table}`);
    const res = await api.put(`/api/agents/${row.id}`, { name: 'stored now' }, { 'if-match': '"1"' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ version: 2, name: 'stored now' });
    const after = await snapshot();
    expect(after.events - before.events).toBe(1);
    expect(after.outbox - before.outbox).toBe(1);
  });
});

describe('the event log is append-only', () => {
  let before: { rows: unknown[]; count: number };

  beforeAll(async () => {
    await samples.create(agents);
    const { rows } = await t.db.query('SELECT * FROM events ORDER BY position');
    before = { rows, count: rows.length };
    expect(before.count).toBeGreaterThan(0);
  });

  it.each([
    ['UPDATE', "UPDATE events SET event_type = 'rewritten'"],
    ['UPDATE of the payload', `UPDATE events SET payload = '{}'::jsonb WHERE position = (SELECT max(position) FROM events)`],
    ['DELETE', 'DELETE FROM events'],
    ['TRUNCATE', 'TRUNCATE events'],
  ])('%s is rejected by the trigger', async (_label, sql) => {
    await expect(t.db.query(sql)).rejects.toThrow(/append-only/);
    const { rows } = await t.db.query('SELECT * FROM events ORDER BY position');
    expect(rows).toEqual(before.rows);
  });

  it('is rejected inside a transaction too, which then rolls back whole', async () => {
    const c = await t.db.connect();
    try {
      await c.query('BEGIN');
      await c.query("INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload) VALUES ('x_created', 'x', gen_random_uuid(), 1, '{}')");
      await expect(c.query('DELETE FROM events WHERE position = (SELECT min(position) FROM events)')).rejects.toThrow(/append-only/);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
    expect(await count(t.db, 'events')).toBe(before.count);
  });
});

describe('concurrent writers on one row', () => {
  it('with the same If-Match: exactly one wins, the others get 412 and write nothing', async () => {
    const row = await samples.create(agents);
    const since = await lastPosition(t.db);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api.put(`/api/agents/${row.id}`, { name: `writer ${i}` }, { 'if-match': '"1"' })),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    const winner = results.find((r) => r.statusCode === 200)!.json<Row>();
    expect((await api.get(`/api/agents/${row.id}`)).json()).toEqual(winner);
    const { rows } = await t.db.query('SELECT event_type, entity_version FROM events WHERE position > $1 ORDER BY position', [since]);
    expect(rows).toEqual([{ event_type: 'agent_updated', entity_version: 2 }]);
  });

  it('without If-Match: every write gets its own version, and the status event is written once', async () => {
    const row = await samples.create(agents);
    const since = await lastPosition(t.db);
    const results = await Promise.all(Array.from({ length: 8 }, () => api.put(`/api/agents/${row.id}`, { status: 'paused' })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(results.map((r) => r.json<Row>().version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const { rows } = await t.db.query<{ event_type: string; entity_version: number }>(
      'SELECT event_type, entity_version FROM events WHERE position > $1 ORDER BY position',
      [since],
    );
    expect(rows.filter((r) => r.event_type === 'agent_updated').map((r) => r.entity_version)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    // Only the write that really moved active → paused emits agent_paused.
    expect(rows.filter((r) => r.event_type === 'agent_paused')).toEqual([{ event_type: 'agent_paused', entity_version: 2 }]);
  });
});
