/**
 * POST /api/commands (routes/commands.ts, db/batch.ts): several changes as one transaction.
 * All or nothing; the batch's events are one transaction's, consecutive and in the order of
 * the commands; and with single writes racing it on the same entities, each entity's
 * versions still follow the log's (transaction_id, position) order, which the relay publishes in.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { buildTestApp, useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { count, eventsAfter, lastPosition } from './helpers/rows.js';

const MAX = 8;
const t = useTestApp({ L01_COMMANDS_MAX: String(MAX), L01_BODY_LIMIT: String(64 * 1024) });
const api = client(() => t.app);

type Result = { op: string; entity: string; id: string; version: number; data: Record<string, unknown> };
const commands = (...list: unknown[]) => ({ commands: list });
const newAgent = (name = 'Batch') => ({ name, agent_type: 'commands' });

async function snapshot() {
  return { agents: await count(t.db, 'agents'), goals: await count(t.db, 'goals'), events: await count(t.db, 'events'), outbox: await count(t.db, 'outbox') };
}

describe('a batch that succeeds', () => {
  it('answers each result in order, and its events are one transaction, consecutive, in command order', async () => {
    const agentId = randomUUID();
    const since = await lastPosition(t.db);
    const res = await api.post('/api/commands', commands(
      { op: 'create', entity: 'agents', id: agentId, data: newAgent('Lead') },
      { op: 'create', entity: 'goals', data: { agent_id: agentId, description: 'Ship it' } },
      { op: 'update', entity: 'agents', id: agentId, data: { status: 'paused' }, if_match: 1 },
    ));
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json<{ results: Result[] }>();
    expect(results.map((r) => [r.op, r.entity, r.version])).toEqual([['create', 'agents', 1], ['create', 'goals', 1], ['update', 'agents', 2]]);
    expect(results[0]!.id).toBe(agentId);
    expect(results[1]!.data).toMatchObject({ agent_id: agentId, description: 'Ship it', status: 'pending' });
    expect(results[2]!.data).toMatchObject({ id: agentId, status: 'paused', version: 2 });

    const events = await eventsAfter(t.db, since);
    expect(events.map((e) => `${e.event_type} v${e.entity_version}`)).toEqual(['agent_created v1', 'goal_created v1', 'agent_updated v2', 'agent_paused v2']);
    expect(new Set(events.map((e) => e.transaction_id)).size).toBe(1);
    expect(events.map((e) => e.position)).toEqual(events.map((_, i) => events[0]!.position + i));
    expect(events.every((e) => e.metadata.request_id === res.headers['x-request-id'])).toBe(true);
    expect((await api.get(`/api/agents/${agentId}`)).json()).toEqual(results[2]!.data);
  });

  it('a delete answers the row as it was, at the version of its deleted event', async () => {
    const row = (await api.post('/api/agents', newAgent())).json<{ id: string }>();
    const res = await api.post('/api/commands', commands({ op: 'delete', entity: 'agents', id: row.id, if_match: 1 }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ results: Result[] }>().results).toEqual([{ op: 'delete', entity: 'agents', id: row.id, version: 2, data: expect.objectContaining({ id: row.id, version: 1 }) }]);
    expectProblem(await api.get(`/api/agents/${row.id}`), 404);
  });
});

describe('a batch with a failing command writes nothing, and names the command', () => {
  const failing: Array<[string, unknown, number, string]> = [
    ['an update of a missing entity (404)', { op: 'update', entity: 'agents', id: randomUUID(), data: { name: 'x' } }, 404, 'body.commands.2'],
    ['a stale if_match (412)', { op: 'update', entity: 'agents', id: '$0', data: { name: 'x' }, if_match: 5 }, 412, 'body.commands.2'],
    ['invalid data, as the entity route validates it (400)', { op: 'create', entity: 'agents', data: { agent_type: 'no name' } }, 400, 'body.commands.2.data.name'],
    ['an unknown field (400)', { op: 'update', entity: 'agents', id: '$0', data: { nope: 1 } }, 400, 'body.commands.2.data.nope'],
    ['a foreign key to nothing (409)', { op: 'create', entity: 'goals', data: { agent_id: randomUUID(), description: 'orphan' } }, 409, 'body.commands.2.data.agent_id'],
    ['an update without an id (400)', { op: 'update', entity: 'agents', data: { name: 'x' } }, 400, 'body.commands.2.id'],
  ];
  it.each(failing)('the third: %s', async (_label, third, status, field) => {
    const ids = [randomUUID(), randomUUID()];
    const resolved = JSON.parse(JSON.stringify(third).replace('"$0"', JSON.stringify(ids[0])));
    const before = await snapshot();
    const res = await api.post('/api/commands', commands(
      { op: 'create', entity: 'agents', id: ids[0], data: newAgent('first') },
      { op: 'create', entity: 'goals', id: ids[1], data: { agent_id: ids[0], description: 'second' } },
      resolved,
    ));
    const problem = expectProblem(res, status, field);
    expect(problem.detail).toMatch(/^commands\[2\] /);
    expect(await snapshot()).toEqual(before);
    expectProblem(await api.get(`/api/agents/${ids[0]}`), 404);
  });

  it('a create naming a deleted entity\'s id (409 id_used)', async () => {
    const row = (await api.post('/api/agents', newAgent())).json<{ id: string }>();
    await api.delete(`/api/agents/${row.id}`);
    const before = await snapshot();
    const res = await api.post('/api/commands', commands(
      { op: 'create', entity: 'agents', data: newAgent() },
      { op: 'create', entity: 'agents', id: row.id, data: newAgent() },
    ));
    expectProblem(res, 409, 'body.commands.1.id');
    expect(await snapshot()).toEqual(before);
  });

  it('an event over the message limit (413)', async () => {
    // 64 KiB of body is far below the 4 MiB message limit: shown with a limit of the test's own.
    const small = await buildTestApp(t.database.url, { L01_MAX_MESSAGE_BYTES: '8192' });
    try {
      const before = await snapshot();
      const res = await client(() => small.app).post('/api/commands', commands(
        { op: 'create', entity: 'agents', data: newAgent() },
        { op: 'create', entity: 'agents', data: { ...newAgent(), metadata: { blob: 'x'.repeat(16 * 1024) } } },
      ));
      expectProblem(res, 413, 'body.commands.1.data');
      expect(await snapshot()).toEqual(before);
    } finally {
      await small.close();
    }
  });
});

describe('bounds', () => {
  it(`at most L01_COMMANDS_MAX (${MAX}) commands, and at least one`, async () => {
    const many = Array.from({ length: MAX + 1 }, () => ({ op: 'create', entity: 'agents', data: newAgent() }));
    expectProblem(await api.post('/api/commands', commands(...many)), 400, 'body.commands');
    expectProblem(await api.post('/api/commands', commands()), 400, 'body.commands');
    expect((await api.post('/api/commands', commands(...many.slice(1)))).statusCode).toBe(200);
  });

  it('at most L01_BODY_LIMIT bytes', async () => {
    const big = { op: 'create', entity: 'agents', data: { ...newAgent(), metadata: { blob: 'x'.repeat(64 * 1024) } } };
    expectProblem(await api.post('/api/commands', commands(big)), 413);
  });

  it('an unknown entity or op is a 400', async () => {
    expectProblem(await api.post('/api/commands', commands({ op: 'create', entity: 'nope', data: {} })), 400, 'body.commands.0.entity');
    expectProblem(await api.post('/api/commands', commands({ op: 'upsert', entity: 'agents', data: {} })), 400, 'body.commands.0.op');
  });
});

describe('with an Idempotency-Key', () => {
  it('a retried batch is answered from the stored answer and writes nothing again', async () => {
    const headers = { 'idempotency-key': randomUUID() };
    const body = commands({ op: 'create', entity: 'agents', data: newAgent() }, { op: 'create', entity: 'agents', data: newAgent() });
    const since = await lastPosition(t.db);
    const first = await api.post('/api/commands', body, headers);
    const again = await api.post('/api/commands', body, headers);
    expect(first.statusCode, first.body).toBe(200);
    expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([200, first.body, 'true']);
    expect(await eventsAfter(t.db, since)).toHaveLength(2);
  });
});

describe('racing single writes on the same entities', () => {
  it('each entity\'s versions follow the log order (transaction_id, position), and no batch deadlocks', async () => {
    const [a, b, c] = await Promise.all([0, 1, 2].map(async () => (await api.post('/api/agents', newAgent())).json<{ id: string }>().id));
    const ROUNDS = 40;
    const writes = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Batches in both orders of the same entities: sorted locks make them wait, never deadlock.
      const order = i % 2 === 0 ? [a, b, c] : [c, b, a];
      writes.push(api.post('/api/commands', commands(...order.map((id) => ({ op: 'update', entity: 'agents', id, data: { name: `batch ${i}` } })))));
      writes.push(api.patch(`/api/agents/${order[i % 3]}`, { name: `single ${i}` }));
    }
    const answers = await Promise.all(writes);
    expect(answers.map((r) => r.statusCode)).toEqual(Array(2 * ROUNDS).fill(200));
    const { rows } = await t.db.query<{ entity_id: string; versions: number[] }>(
      `SELECT entity_id::text, array_agg(entity_version ORDER BY transaction_id, position) AS versions
       FROM events WHERE entity_id = ANY($1::uuid[]) AND event_type = 'agent_updated' GROUP BY entity_id`, [[a, b, c]]);
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.versions).toEqual(r.versions.map((_, i) => i + 2));
    expect(rows.reduce((n, r) => n + r.versions.length, 0)).toBe(4 * ROUNDS);
  });
});

describe('the OpenAPI document', () => {
  it('lists POST /api/commands', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, { summary?: string }>> }>();
    expect(doc.paths['/api/commands']?.post?.summary).toMatch(/one transaction/);
  });
});

describe('the relay is woken', () => {
  it('after a batch commits and after a keyed write commits, not after a batch that failed', async () => {
    let woken = 0;
    const app = await buildApp({ config: t.config, db: t.db, redis: t.redis, logger: t.app.log as never, onCommit: () => woken++ });
    try {
      const c = client(() => app);
      expect((await c.post('/api/commands', commands({ op: 'create', entity: 'agents', data: newAgent() }))).statusCode).toBe(200);
      expect(woken).toBe(1);
      expectProblem(await c.post('/api/commands', commands({ op: 'delete', entity: 'agents', id: randomUUID() })), 404);
      expect(woken).toBe(1);
      expect((await c.post('/api/agents', newAgent(), { 'idempotency-key': randomUUID() })).statusCode).toBe(201);
      expect(woken).toBe(2);
    } finally {
      await app.close();
    }
  });
});
