/**
 * Fault: an event that fails on its own. The worker runs with a small
 * L01_MAX_MESSAGE_BYTES and one agent is written with a large JSON field, so its event
 * fails whatever the state of Redis. Such a failure is deterministic: it is dead-lettered
 * with its reason after its first attempt (not L01_RELAY_MAX_ATTEMPTS, 3 here, which stay
 * for failures that can succeed later), and the events around it keep flowing. Then the fix is "deployed" (the worker restarted with a large limit) and the
 * dead letter retried through the admin API: it is published exactly once, marked
 * `replayed`, and the dead letter becomes `published`.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { expectClean, summary } from './support/checker.js';
import { request } from './support/load.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const SMALL = 8192;
const ATTEMPTS = 3;

interface DeadLetter {
  event_id: string;
  status: string;
  attempts: number;
  last_error: string;
  event_type: string;
  entity_type: string;
  event?: { entity_id: string; payload: { configuration: { blob: string } } };
}

async function eventuallyAsync<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

it('dead-letters a poison event at once while the others flow, and a retry publishes it once', async () => {
  s = await startScenario({
    name: 'poison event',
    workers: 1,
    workerEnv: { L01_MAX_MESSAGE_BYTES: String(SMALL), L01_RELAY_MAX_ATTEMPTS: String(ATTEMPTS), L01_RELAY_BACKOFF_MS: '50' },
  });
  const api = s.api.baseUrl;
  const load = s.load({ rate: 50, concurrency: 2, maxWrites: 250 });
  await load.acknowledged(30);

  const big = await request(api, 'POST', '/api/agents', { name: 'poison', agent_type: 'fault-test', configuration: { blob: 'x'.repeat(20_000) } });
  expect(big.status).toBe(201);
  const entityId = (big.body as { id: string }).id;
  s.checker.record([{ entityType: 'agent', entityId, version: 1 }]);
  const db = new pg.Client({ connectionString: s.db.url });
  await db.connect();
  const { rows } = await db.query<{ id: string; position: string; transaction_id: string }>(
    'SELECT id, position::text, transaction_id::text FROM events WHERE entity_id = $1', [entityId]);
  await db.end();
  const eventId = rows[0]!.id;
  const position = Number(rows[0]!.position);
  // A publish job names its batch by outbox keys (after, last]; this is the poison event's key.
  const key = [BigInt(rows[0]!.transaction_id), BigInt(position)] as const;
  type Key = { transactionId: string; position: string };
  const cmp = (k: Key) => {
    const a = [BigInt(k.transactionId), BigInt(k.position)] as const;
    return a[0] !== key[0] ? (a[0] < key[0] ? -1 : 1) : a[1] === key[1] ? 0 : a[1] < key[1] ? -1 : 1;
  };
  const holdsPoison = (data: string) => {
    const job = JSON.parse(data) as { after: Key; last: Key };
    return cmp(job.after) < 0 && cmp(job.last) >= 0;
  };

  // Dead-lettered with its reason, after exactly N attempts.
  const dead = await eventuallyAsync('dead letter listed', async () => {
    const list = (await request(api, 'GET', '/api/dead-letters')).body as DeadLetter[];
    return list.find((d) => d.event_id === eventId);
  });
  expect(dead).toMatchObject({ status: 'dead', attempts: 1, event_type: 'agent_created', entity_type: 'agent' });
  expect(dead.last_error).toContain(`exceeds L01_MAX_MESSAGE_BYTES (${SMALL})`);
  const redis = s.redis.client();
  const failed = await redis.zrange('l01:bull:publish:failed', 0, -1);
  const attemptsMade: number[] = [];
  for (const id of failed) {
    const [data, atm] = await redis.hmget(`l01:bull:publish:${id}`, 'data', 'atm');
    if (data && holdsPoison(data)) attemptsMade.push(Number(atm));
  }
  redis.disconnect();
  expect(attemptsMade, 'BullMQ ran the failing job once, not L01_RELAY_MAX_ATTEMPTS times').toEqual([1]);

  const shown = await request(api, 'GET', `/api/dead-letters/${eventId}`);
  expect(shown.status).toBe(200);
  expect((shown.body as DeadLetter).event?.payload.configuration.blob).toHaveLength(20_000);

  // The others flow: events written after the poison one are published.
  await load.done();
  await eventuallyAsync('events after the poison event published', async () =>
    s!.checker.reader.entries.some((e) => e.position > position) ? true : undefined);
  const parked = await s.checker.report({ deadLetters: [eventId] });
  expectClean('poison event, dead-lettered', parked, { deadLetters: 1 });
  expect(s.checker.reader.entries.some((e) => e.eventId === eventId), 'a dead letter is not published').toBe(false);
  expect(s.checker.pubsub.counts.get(eventId)).toBeUndefined();

  // The fix is deployed; the operator retries the dead letter.
  await s.workers[0]!.stop();
  await s.addWorker({ L01_MAX_MESSAGE_BYTES: String(4 * 1024 * 1024) });
  const retry = await request(api, 'POST', `/api/dead-letters/${eventId}/retry`);
  expect(retry).toMatchObject({ status: 202, body: { requeued: 1 } });
  const entry = await eventuallyAsync('replayed event in the stream', async () =>
    s!.checker.reader.entries.find((e) => e.eventId === eventId));
  expect(entry.replayed).toBe(true);
  await eventuallyAsync('dead letter marked published', async () =>
    ((await request(api, 'GET', `/api/dead-letters/${eventId}`)).body as DeadLetter).status === 'published' ? true : undefined);
  expect((await request(api, 'POST', `/api/dead-letters/${eventId}/retry`)).status, 'a published dead letter cannot be retried again').toBe(409);

  const report = await s.finish();
  expect(s.checker.reader.entries.filter((e) => e.eventId === eventId)).toHaveLength(1);
  expect(s.checker.pubsub.counts.get(eventId), 'PUBLISHed exactly once').toBe(1);
  console.log(`[poison event] dead letter ${eventId}: ${dead.attempts} attempts, "${dead.last_error}"; replayed at ${entry.id}; ${summary('poison event, replayed', report).split('] ')[1]}`);
}, 120_000);
