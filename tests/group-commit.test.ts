/**
 * Group commit of creates (`groupCommit` + `applyCreates`): concurrent creates of one entity
 * go as one statement and one transaction, and still every request gets its own answer.
 * A batch that fails because of one row is retried change by change, so only that row's
 * request fails; a database that cannot be reached fails every change of the batch, once.
 *
 * The app is built with L01_WRITE_CONCURRENCY=1, so that while one statement runs, the
 * other requests queue and batch up. Where the grouping itself is the point, `groupCommit`
 * is called directly: creates submitted in one event-loop turn go together at the end of
 * it, and with concurrency 1 every change submitted while a statement runs waits for it, so
 * the batches are known exactly.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { entityByTable } from '../src/db/entities/index.js';
import { databaseUnavailable } from '../src/db/errors.js';
import { groupCommit } from '../src/db/group-commit.js';
import type { Entity } from '../src/db/entity.js';
import type { Pool } from '../src/db/pool.js';
import type { Change, ChangeResult } from '../src/db/write.js';
import { freePort } from './faults/support/servers.js';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { count, outboxOf } from './helpers/rows.js';
import { Samples, type Body, type Row } from './helpers/samples.js';

const t = useTestApp({ L01_WRITE_CONCURRENCY: '1' });
const api = client(() => t.app);
const agents = entityByTable.get('agents')!;
const goals = entityByTable.get('goals')!;
let samples: Samples;
beforeAll(() => {
  samples = new Samples(api);
});

type Create = Extract<Change, { op: 'create' }>;

interface WrittenEvent {
  entity_id: string;
  event_type: string;
  transaction_id: string;
  position: number;
  id: string;
  payload: Record<string, unknown>;
}

/** Every event of these entities, in log order. */
async function eventsOf(ids: string[]): Promise<WrittenEvent[]> {
  const { rows } = await t.db.query<WrittenEvent & { position: string }>(
    `SELECT entity_id::text, event_type, transaction_id::text AS transaction_id, position, id::text, payload
     FROM events WHERE entity_id = ANY($1::uuid[]) ORDER BY position`,
    [ids],
  );
  return rows.map((r) => ({ ...r, position: Number(r.position) }));
}

/** Row data as the HTTP schema would hand it to the write path (defaults filled in). */
let n = 0;
const agentData = (extra: Body = {}): Body => ({
  name: `gc-agent-${++n}`, agent_type: 'group-commit', status: 'active', capabilities: [], configuration: {}, ...extra,
});
const goalData = (agentId: string, extra: Body = {}): Body => ({
  agent_id: agentId, description: `gc-goal-${++n}`, priority: 0, status: 'pending', completed_at: null, ...extra,
});
const create = (entity: Entity, data: Body): Create => ({ op: 'create', entity, data, metadata: { request_id: `gc-${n}` } });

/** The end of this event-loop turn: the committer has sent what was submitted so far. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits for every change; a rejection is returned as the error, so one failure hides nothing. */
const settle = (ps: Array<Promise<ChangeResult>>) =>
  Promise.all(ps.map((p) => p.then((r) => ({ result: r, error: undefined as unknown }), (error: unknown) => ({ result: undefined, error }))));

const okId = (r: ChangeResult | undefined): string => {
  expect(r).toMatchObject({ ok: true, version: 1 });
  return (r as Extract<ChangeResult, { ok: true }>).id;
};

/** Sizes of the transactions these events were written in, in log order. */
function transactionSizes(events: WrittenEvent[]): number[] {
  const sizes = new Map<string, number>();
  for (const e of events) sizes.set(e.transaction_id, (sizes.get(e.transaction_id) ?? 0) + 1);
  return [...sizes.values()];
}

/** No entity row without its created event (and outbox row), no created event without its row. */
async function expectNothingHalfWritten(table: string, singular: string) {
  const orphanRows = await count(t.db, table, `NOT EXISTS (SELECT 1 FROM events e WHERE e.entity_id = "${table}".id AND e.event_type = '${singular}_created')`);
  const orphanEvents = await count(t.db, 'events', `event_type = '${singular}_created' AND NOT EXISTS (SELECT 1 FROM "${table}" x WHERE x.id = events.entity_id)
    AND NOT EXISTS (SELECT 1 FROM events d WHERE d.entity_id = events.entity_id AND d.event_type = '${singular}_deleted')`);
  const eventsWithoutOutbox = await count(t.db, 'events', `entity_type = '${singular}' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = events.id)`);
  expect({ orphanRows, orphanEvents, eventsWithoutOutbox }).toEqual({ orphanRows: 0, orphanEvents: 0, eventsWithoutOutbox: 0 });
}

describe('concurrent creates are grouped, and each request gets its own answer', () => {
  it('50 concurrent POST /api/agents: 50 × 201, distinct ids, one event and one outbox row each, fewer than 50 transactions', async () => {
    const bodies: Body[] = [];
    for (let i = 0; i < 50; i++) bodies.push(await samples.body(agents));
    const responses = await Promise.all(bodies.map((b) => api.post('/api/agents', b)));

    for (const res of responses) expect(res.statusCode, res.body).toBe(201);
    const rows = responses.map((r) => r.json<Row>());
    // Each answer is its own request's row, not a neighbour's from the same batch.
    rows.forEach((row, i) => expect(row).toMatchObject({ name: bodies[i]!.name, agent_type: bodies[i]!.agent_type, version: 1 }));
    responses.forEach((res, i) => expect(res.headers.location).toBe(`/api/agents/${rows[i]!.id}`));
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(50);
    expect(await count(t.db, 'agents', 'id = ANY($1::uuid[])', [ids])).toBe(50);

    const events = await eventsOf(ids);
    expect(events).toHaveLength(50);
    expect(new Set(events.map((e) => e.entity_id))).toEqual(new Set(ids));
    expect(new Set(events.map((e) => e.event_type))).toEqual(new Set(['agent_created']));
    const byId = new Map(events.map((e) => [e.entity_id, e]));
    rows.forEach((row) => expect(byId.get(row.id)!.payload).toMatchObject({ id: row.id, name: row.name }));

    const outbox = await outboxOf(t.db, events.map((e) => e.id));
    expect(outbox).toHaveLength(50);
    expect(outbox.map((o) => [o.event_id, o.transaction_id, o.position])).toEqual(events.map((e) => [e.id, e.transaction_id, e.position]));

    // With one statement at a time, 50 requests in flight cannot have been 50 transactions.
    const transactions = new Set(events.map((e) => e.transaction_id)).size;
    expect(transactions).toBeLessThan(50);
    expect(Math.max(...transactionSizes(events))).toBeGreaterThan(1);
    await expectNothingHalfWritten('agents', 'agent');
  });

  it('within one transaction, event positions follow the order the creates were submitted', async () => {
    const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 100 });
    const first = commit(create(agents, agentData()));
    await nextTurn();
    const changes = Array.from({ length: 12 }, () => create(agents, agentData()));
    const results = await Promise.all([first, ...changes.map((c) => commit(c))]);
    const ids = results.map(okId);
    // Results come back in the order asked, each with its own row.
    results.slice(1).forEach((r, i) => expect(JSON.parse((r as Extract<ChangeResult, { ok: true }>).body)).toMatchObject({ name: changes[i]!.data.name }));

    const events = await eventsOf(ids);
    expect(events.map((e) => e.entity_id)).toEqual(ids); // log order == submission order
    expect(transactionSizes(events)).toEqual([1, 12]); // the first alone, the 12 waiting as one
    const batch = events.slice(1);
    for (let i = 1; i < batch.length; i++) expect(batch[i]!.position).toBeGreaterThan(batch[i - 1]!.position);
    expect(batch.map((e) => e.payload.name)).toEqual(changes.map((c) => c.data.name));
    const outbox = await outboxOf(t.db, batch.map((e) => e.id));
    expect(outbox.map((o) => o.event_id)).toEqual(batch.map((e) => e.id));
  });

  it('maxBatch caps a statement: 11 creates of one turn with maxBatch 3 go as 3 + 3 + 3 + 2', async () => {
    const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 3 });
    const results = await Promise.all(Array.from({ length: 11 }, () => commit(create(agents, agentData()))));
    const ids = results.map(okId);
    const events = await eventsOf(ids);
    expect(events.map((e) => e.entity_id)).toEqual(ids);
    expect(transactionSizes(events)).toEqual([3, 3, 3, 2]);
  });

  it('concurrency 2: two creates of separate turns go at once, alone; the rest wait and go together', async () => {
    const commit = groupCommit(t.db, { concurrency: 2, maxBatch: 100 });
    const a = commit(create(agents, agentData()));
    await nextTurn();
    const b = commit(create(agents, agentData()));
    await nextTurn();
    const rest = Array.from({ length: 4 }, () => commit(create(agents, agentData())));
    const results = await Promise.all([a, b, ...rest]);
    const events = await eventsOf(results.map(okId));
    const sizes = transactionSizes(events);
    expect(sizes.sort()).toEqual([1, 1, 4]);
  });

  it('one busy entity cannot starve another: leftovers beyond maxBatch go to the back of the line', async () => {
    const parent = await samples.create(agents);
    const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 2 });
    const many = Array.from({ length: 6 }, () => commit(create(agents, agentData())));
    const goal = commit(create(goals, goalData(parent.id)));
    const results = await Promise.all([...many, goal]);
    const events = await eventsOf(results.map(okId));
    // Statements in log order: 2 agents, the goal, then the 4 other agents 2 by 2.
    const byTx = new Map<string, string[]>();
    for (const e of events) byTx.set(e.transaction_id, [...(byTx.get(e.transaction_id) ?? []), e.event_type]);
    expect([...byTx.values()]).toEqual([['agent_created', 'agent_created'], ['goal_created'], ['agent_created', 'agent_created'], ['agent_created', 'agent_created']]);
  });

  it('maxBatchBytes caps a statement by size; a create bigger than the cap still goes, alone', async () => {
    const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 100, maxBatchBytes: 2_000 });
    const big = 'x'.repeat(3_000);
    const data = [agentData(), agentData(), agentData({ configuration: { big } }), agentData(), agentData()];
    const results = await Promise.all(data.map((d) => commit(create(agents, d))));
    const events = await eventsOf(results.map(okId));
    expect(transactionSizes(events)).toEqual([2, 1, 2]);
  });

  it('updates and deletes are not held back by the committer: they run as their own statement', async () => {
    const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 100 });
    const id = okId(await commit(create(agents, agentData())));
    const updated = await commit({ op: 'update', entity: agents, id, data: { name: 'renamed' }, metadata: {} });
    expect(updated).toMatchObject({ ok: true, id, version: 2 });
    const deleted = await commit({ op: 'delete', entity: agents, id, expectedVersion: 2, metadata: {} });
    expect(deleted).toMatchObject({ ok: true, id });
    expect((await eventsOf([id])).map((e) => e.event_type)).toEqual(['agent_created', 'agent_updated', 'agent_deleted']);
  });
});

describe('one bad row fails only its own request', () => {
  it('30 concurrent goal creates, one naming a missing agent: that one 409, the 29 others 201 with their events', async () => {
    const bodies: Body[] = [];
    for (let i = 0; i < 30; i++) bodies.push(await samples.body(goals));
    const BAD = 17;
    const missingAgent = randomUUID();
    bodies[BAD] = { ...bodies[BAD], agent_id: missingAgent };
    const goalsBefore = await count(t.db, 'goals');

    const responses = await Promise.all(bodies.map((b) => api.post('/api/goals', b)));

    const problem = expectProblem(responses[BAD]!, 409, 'body.agent_id');
    expect(problem.detail).toContain(missingAgent);
    const good = responses.filter((_, i) => i !== BAD);
    for (const res of good) expect(res.statusCode, res.body).toBe(201);
    const rows = good.map((r) => r.json<Row>());
    rows.forEach((row, i) => expect(row.description).toBe(bodies.filter((_, j) => j !== BAD)[i]!.description));

    expect(await count(t.db, 'goals')).toBe(goalsBefore + 29);
    expect(await count(t.db, 'goals', 'agent_id = $1', [missingAgent])).toBe(0);
    const events = await eventsOf(rows.map((r) => r.id));
    expect(events.map((e) => e.event_type)).toEqual(Array(29).fill('goal_created'));
    expect(new Set(events.map((e) => e.entity_id)).size).toBe(29);
    expect(await count(t.db, 'events', "payload->>'agent_id' = $1", [missingAgent])).toBe(0);
    await expectNothingHalfWritten('goals', 'goal');
  });

  it('groupCommit: a batch with a foreign-key violation is retried change by change', async () => {
    const parent = await samples.create(agents);
    const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 100 });
    const first = commit(create(goals, goalData(parent.id)));
    await nextTurn();
    const batch = [goalData(parent.id), goalData(parent.id), goalData(randomUUID()), goalData(parent.id)].map((d) => commit(create(goals, d)));
    const [alone, ...outcomes] = await settle([first, ...batch]);

    expect(outcomes[2]!.result).toBeUndefined();
    expect(outcomes[2]!.error).toMatchObject({ code: '23503' });
    expect(databaseUnavailable(outcomes[2]!.error)).toBe(false);
    const ids = [alone!, outcomes[0]!, outcomes[1]!, outcomes[3]!].map((o) => {
      expect(o.error).toBeUndefined();
      return okId(o.result);
    });
    const events = await eventsOf(ids);
    expect(events).toHaveLength(4);
    // The failed batch wrote nothing; its good changes were each written alone.
    expect(transactionSizes(events)).toEqual([1, 1, 1, 1]);
    await expectNothingHalfWritten('goals', 'goal');
  });

  it('a trigger raising for one row: that request answers 500 (naming nothing of the cause), the others 201', async () => {
    const FAULT = 'injected fault: SECRET-GROUP-COMMIT-DETAIL';
    const POISON = `poison-${randomUUID()}`;
    const bodies: Body[] = [];
    for (let i = 0; i < 20; i++) bodies.push(await samples.body(agents));
    const BAD = 7;
    bodies[BAD] = { ...bodies[BAD], name: POISON };
    await t.db.query(`
      CREATE FUNCTION gc_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '${FAULT}'; END $$;
      CREATE TRIGGER gc_poison BEFORE INSERT ON agents FOR EACH ROW WHEN (NEW.name = '${POISON}') EXECUTE FUNCTION gc_poison();`);
    try {
      const responses = await Promise.all(bodies.map((b) => api.post('/api/agents', b)));
      expectProblem(responses[BAD]!, 500);
      expect(responses[BAD]!.body).not.toContain('SECRET');
      expect(responses[BAD]!.body).not.toContain('poison');
      const good = responses.filter((_, i) => i !== BAD);
      for (const res of good) expect(res.statusCode, res.body).toBe(201);
      const ids = good.map((r) => r.json<Row>().id);
      expect((await eventsOf(ids)).map((e) => e.event_type)).toEqual(Array(19).fill('agent_created'));

      // The same through the committer: the poisoned change gets the trigger's error.
      const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 100 });
      const outcomes = await settle([agentData(), agentData(), agentData({ name: POISON }), agentData()].map((d) => commit(create(agents, d))));
      expect(outcomes[2]!.error).toMatchObject({ code: 'P0001', message: FAULT });
      for (const o of [outcomes[0]!, outcomes[1]!, outcomes[3]!]) okId(o.result);
    } finally {
      await t.db.query('DROP TRIGGER IF EXISTS gc_poison ON agents; DROP FUNCTION IF EXISTS gc_poison();');
    }
    expect(await count(t.db, 'agents', 'name = $1', [POISON])).toBe(0);
    expect(await count(t.db, 'events', "payload->>'name' = $1", [POISON])).toBe(0);
    await expectNothingHalfWritten('agents', 'agent');
  });
});

describe('named ids', () => {
  it('concurrent creates, one naming the id of a deleted agent: that one 409 (id_used), the others 201', async () => {
    const gone = await samples.create(agents);
    expect((await api.delete(`/api/agents/${gone.id}`)).statusCode).toBe(200);
    const bodies: Body[] = [];
    for (let i = 0; i < 10; i++) bodies.push(await samples.body(agents));
    const BAD = 4;
    bodies[BAD] = { ...bodies[BAD], id: gone.id };

    const responses = await Promise.all(bodies.map((b) => api.post('/api/agents', b)));

    const problem = expectProblem(responses[BAD]!, 409, 'body.id');
    expect(problem.detail).toMatch(/deleted/);
    const good = responses.filter((_, i) => i !== BAD);
    for (const res of good) expect(res.statusCode, res.body).toBe(201);
    expect((await eventsOf(good.map((r) => r.json<Row>().id))).map((e) => e.event_type)).toEqual(Array(9).fill('agent_created'));
    expect(await count(t.db, 'agents', 'id = $1', [gone.id])).toBe(0);
    expect((await eventsOf([gone.id])).map((e) => e.event_type)).toEqual(['agent_created', 'agent_deleted']);
    expectProblem(await api.get(`/api/agents/${gone.id}`), 404);
  });

  it('groupCommit: a deleted id in a batch is refused (id_used) without failing the batch', async () => {
    const gone = await samples.create(agents);
    expect((await api.delete(`/api/agents/${gone.id}`)).statusCode).toBe(200);
    const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 100 });
    const first = commit(create(agents, agentData()));
    await nextTurn();
    const batch = [agentData(), agentData({ id: gone.id }), agentData()].map((d) => commit(create(agents, d)));
    const [alone, a, used, b] = await Promise.all([first, ...batch]);
    expect(used).toEqual({ ok: false, reason: 'id_used' });
    const events = await eventsOf([okId(alone), okId(a), okId(b)]);
    // The two good creates stayed one transaction: nothing was retried.
    expect(transactionSizes(events)).toEqual([1, 2]);
    expect((await eventsOf([gone.id])).map((e) => e.event_type)).toEqual(['agent_created', 'agent_deleted']);
  });

  it('two concurrent creates naming the same new id: one 201, one 409; one row and one created event', async () => {
    const id = randomUUID();
    const bodies: Body[] = [];
    for (let i = 0; i < 8; i++) bodies.push(await samples.body(agents));
    const DUPS = [2, 5];
    for (const i of DUPS) bodies[i] = { ...bodies[i], id };

    const responses = await Promise.all(bodies.map((b) => api.post('/api/agents', b)));

    const codes = DUPS.map((i) => responses[i]!.statusCode).sort();
    expect(codes).toEqual([201, 409]);
    const winner = DUPS.find((i) => responses[i]!.statusCode === 201)!;
    const loser = DUPS.find((i) => i !== winner)!;
    expectProblem(responses[loser]!, 409, 'body.id');
    expect(responses[winner]!.json<Row>()).toMatchObject({ id, name: bodies[winner]!.name });
    responses.forEach((res, i) => {
      if (!DUPS.includes(i)) expect(res.statusCode, res.body).toBe(201);
    });

    expect(await count(t.db, 'agents', 'id = $1', [id])).toBe(1);
    const events = await eventsOf([id]);
    expect(events.map((e) => [e.event_type, e.payload.name])).toEqual([['agent_created', bodies[winner]!.name]]);
    expect(await outboxOf(t.db, [events[0]!.id])).toHaveLength(1);
    expect((await api.get(`/api/agents/${id}`)).json<Row>()).toMatchObject({ name: bodies[winner]!.name });
  });

  it('groupCommit: the same new id twice in one batch: one is written, the other fails alone', async () => {
    const id = randomUUID();
    const commit = groupCommit(t.db, { concurrency: 1, maxBatch: 100 });
    const first = commit(create(agents, agentData()));
    await nextTurn();
    const twins = [agentData({ id }), agentData({ id })];
    const batch = [...twins, agentData()].map((d) => commit(create(agents, d)));
    const [alone, x, y, other] = await settle([first, ...batch]);
    okId(alone!.result);
    okId(other!.result);

    const twinOutcomes = [x!, y!];
    const won = twinOutcomes.filter((o) => o.result?.ok === true);
    expect(won).toHaveLength(1);
    const lost = twinOutcomes.find((o) => o !== won[0])!;
    // Retried alone side by side, the loser either met the winner's uncommitted row (a
    // unique violation) or its committed event (the id is spent): both are a 409 to the API.
    if (lost.error !== undefined) expect(lost.error).toMatchObject({ code: '23505' });
    else expect(lost.result).toEqual({ ok: false, reason: 'id_used' });

    expect(await count(t.db, 'agents', 'id = $1', [id])).toBe(1);
    const winnerName = twins[twinOutcomes.indexOf(won[0]!)]!.name;
    expect((await eventsOf([id])).map((e) => [e.event_type, e.payload.name])).toEqual([['agent_created', winnerName]]);
  });
});

describe('a database that cannot be reached', () => {
  it('fails every change of the batch with the connection error, without retrying each alone', async () => {
    const port = await freePort();
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/none`, connectionTimeoutMillis: 2000 });
    pool.on('error', () => {});
    let statements = 0;
    const counting: Pool = {
      query: ((...args: Parameters<pg.Pool['query']>) => {
        statements++;
        return (pool.query as (...a: unknown[]) => unknown)(...args);
      }) as pg.Pool['query'],
      connect: (() => pool.connect()) as pg.Pool['connect'],
    };
    try {
      const commit = groupCommit(counting, { concurrency: 1, maxBatch: 100 });
      const outcomes = await settle(Array.from({ length: 6 }, () => commit(create(agents, agentData()))));
      for (const o of outcomes) {
        expect(o.result).toBeUndefined();
        expect(databaseUnavailable(o.error), String(o.error)).toBe(true);
      }
      // The six of one turn went as one statement, and none was retried alone.
      expect(statements).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
