/**
 * The message limit, enforced where the event is written (issue 13, "An entity grown past the
 * message limit"): PATCHes, each under 1 MiB, grew a task past L01_MAX_MESSAGE_BYTES, and every
 * later event of it was undeliverable. Now a write whose event could never be published is
 * refused by its own statement — 413 problem details naming the limit, nothing written — for
 * creates (grouped or alone), updates, deletes and appended events.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_BYTES } from '../src/db/message-limit.js';
import { legacyMessageText } from '../src/wire/legacy.js';
import { messageText } from '../src/wire/message.js';
import { buildTestApp, useTestApp, type TestApp } from './helpers/app.js';
import { client, expectProblem, type Client } from './helpers/http.js';
import { count, lastPosition } from './helpers/rows.js';
import type { Row } from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);

/** A second API on the same database with a small limit, so the boundary is cheap to reach. */
const SMALL = 200_000;
let small: TestApp;
let smallApi: Client;
beforeAll(async () => {
  small = await buildTestApp(t.database.url, { L01_MAX_MESSAGE_BYTES: String(SMALL) });
  smallApi = client(() => small.app);
});
afterAll(async () => {
  await small?.close();
});

/** What nothing-written means: no event, no outbox row, the row as it was. */
async function writesSince(position: number) {
  return { events: await count(t.db, 'events', 'position > $1', [position]), outbox: await count(t.db, 'outbox', 'position > $1', [position]) };
}

/** The two messages the relay sends for the last event of an entity, built as the relay builds them. */
async function messagesOf(entityId: string): Promise<{ message: number; legacy: number }> {
  const { rows } = await t.db.query<Record<string, string>>(`
    SELECT id AS event_id, event_type, entity_type, entity_id::text, entity_version, position::text, payload::text, metadata::text,
           to_json(created_at)::text AS created_at, to_json(created_at AT TIME ZONE 'UTC')::text AS created_at_utc
    FROM events WHERE entity_id = $1 ORDER BY position DESC LIMIT 1`, [entityId]);
  const e = rows[0]!;
  return {
    message: Buffer.byteLength(messageText({ ...e, entity_version: Number(e.entity_version), replayed: true } as never)),
    legacy: Buffer.byteLength(legacyMessageText({ ...e, aggregate_id: e.entity_id! } as never)),
  };
}

const expectTooLarge = (res: Awaited<ReturnType<Client['get']>>, limit: number) => {
  const p = expectProblem(res, 413, 'body');
  expect(p.detail).toMatch(new RegExp(`limited to ${limit} bytes \\(L01_MAX_MESSAGE_BYTES\\)`));
  return p;
};

describe('the issue\'s case, at the default 4 MiB', () => {
  it('PATCHes each under 1 MiB grow a task: the one that would pass the limit is a 413, and nothing of it is written', async () => {
    const limit = t.config.L01_MAX_MESSAGE_BYTES;
    expect(limit).toBe(4 * 1024 * 1024);
    const task = (await api.post('/api/tasks', { name: 'growing' })).json<Row>();
    // Each body just under the 1 MiB body limit.
    const big = (c: string) => c.repeat(1_048_500);
    const patches = [{ description: big('d') }, { input: { blob: big('i') } }, { output: { blob: big('o') } }, { error: big('e') }];
    const statuses: number[] = [];
    let last = task;
    for (const patch of patches) {
      const before = await lastPosition(t.db);
      const res = await api.patch(`/api/tasks/${task.id}`, patch);
      statuses.push(res.statusCode);
      if (res.statusCode === 200) {
        last = res.json<Row>();
        continue;
      }
      expectTooLarge(res, limit);
      expect(await writesSince(before)).toEqual({ events: 0, outbox: 0 });
      expect((await api.get(`/api/tasks/${task.id}`)).json()).toEqual(last);
    }
    expect(statuses).toEqual([200, 200, 200, 413]);
    // Every event of the task can be published: both its messages are within the limit.
    const sent = await messagesOf(task.id);
    expect(Math.max(sent.message, sent.legacy)).toBeLessThanOrEqual(limit);
    // And the task lives on: small changes still go through.
    expect((await api.patch(`/api/tasks/${task.id}`, { status: 'started' })).statusCode).toBe(200);
    console.log(`[message-limit] task grown by 4 PATCHes of ~1 MB: ${statuses.join(', ')}; its last event's message ${sent.message} bytes (limit ${limit})`);
  }, 60_000);
});

describe(`every kind of write, with L01_MAX_MESSAGE_BYTES=${SMALL}`, () => {
  const blob = (n: number) => ({ blob: 'x'.repeat(n) });

  it('a create over the limit is a 413; grouped with others, only it fails', async () => {
    const before = await lastPosition(t.db);
    const rows = await Promise.all([
      smallApi.post('/api/agents', { name: 'ok-1', agent_type: 'limit' }),
      smallApi.post('/api/agents', { name: 'too big', agent_type: 'limit', configuration: blob(SMALL) }),
      smallApi.post('/api/agents', { name: 'ok-2', agent_type: 'limit' }),
    ]);
    expect(rows.map((r) => r.statusCode)).toEqual([201, 413, 201]);
    expectTooLarge(rows[1]!, SMALL);
    expect(await count(t.db, 'agents', "name = 'too big'")).toBe(0);
    expect((await writesSince(before)).events).toBe(2);
  });

  it('an update, and a status change (two events): 413, the row unchanged', async () => {
    const task = (await smallApi.post('/api/tasks', { name: 'limited', input: blob(SMALL / 2) })).json<Row>();
    const before = await lastPosition(t.db);
    expectTooLarge(await smallApi.patch(`/api/tasks/${task.id}`, { output: blob(SMALL / 2) }), SMALL);
    expectTooLarge(await smallApi.put(`/api/tasks/${task.id}`, { status: 'started', output: blob(SMALL / 2) }), SMALL);
    expect(await writesSince(before)).toEqual({ events: 0, outbox: 0 });
    expect((await smallApi.get(`/api/tasks/${task.id}`)).json()).toEqual(task);
  });

  it('a delete whose event (the row before it) is over the limit: 413 until the row is made smaller', async () => {
    // A row written before the limit was lowered.
    const task = (await api.post('/api/tasks', { name: 'old and big', input: blob(SMALL) })).json<Row>();
    const before = await lastPosition(t.db);
    expectTooLarge(await smallApi.delete(`/api/tasks/${task.id}`), SMALL);
    expect(await writesSince(before)).toEqual({ events: 0, outbox: 0 });
    expect((await smallApi.patch(`/api/tasks/${task.id}`, { input: {} })).statusCode).toBe(200);
    expect((await smallApi.delete(`/api/tasks/${task.id}`)).statusCode).toBe(200);
  });

  it('an appended event (the original\'s POST /events/): refused the same way, in its own error shape', async () => {
    const before = await lastPosition(t.db);
    const res = await smallApi.post('/events/', { event_type: 'order.placed', aggregate_type: 'order', aggregate_id: randomUUID(), payload: blob(SMALL) });
    expect(res.statusCode, res.body).toBe(413);
    expect(res.json<{ detail: string }>().detail).toMatch(/L01_MAX_MESSAGE_BYTES/);
    expect(await writesSince(before)).toEqual({ events: 0, outbox: 0 });
  });

  it('the bound is conservative and close: what is accepted fits in both messages; what is refused was within the envelope of the limit', async () => {
    // The largest accepted and the smallest refused blob, by bisection over the create.
    let [lo, hi] = [0, SMALL];
    let lastAccepted = '';
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const res = await smallApi.post('/api/agents', { name: 'edge', agent_type: 'limit', configuration: blob(mid) });
      if (res.statusCode === 201) [lo, lastAccepted] = [mid, res.json<Row>().id];
      else {
        expectTooLarge(res, SMALL);
        hi = mid;
      }
    }
    const sent = await messagesOf(lastAccepted);
    expect(Math.max(sent.message, sent.legacy)).toBeLessThanOrEqual(SMALL);
    // Refused one byte above: the relay's message would have been at least this close to the limit.
    expect(sent.message + 1 + ENVELOPE_BYTES).toBeGreaterThan(SMALL);
    console.log(`[message-limit] limit ${SMALL}: largest accepted message ${sent.message} bytes (legacy ${sent.legacy}); envelope reserve ${ENVELOPE_BYTES} bytes`);
  });
});
