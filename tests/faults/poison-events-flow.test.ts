/**
 * Fault: events that fail on their own, under a steady write load, with the default retry
 * settings (L01_RELAY_MAX_ATTEMPTS 8, L01_RELAY_BACKOFF_MS 200). Three are over a lowered
 * L01_MAX_MESSAGE_BYTES (the relay must cope with such events already in the log); one is
 * a stream conflict (the global stream already past an event's id without holding it, as
 * after a database restored behind Redis; writes pause while it is set up, so that it is
 * the only one). Such failures are decided by
 * the event, so a retry could only fail again: each is dead-lettered after one attempt,
 * and the events written after it are in the stream within a few seconds — long before its
 * retries would have ended (≥ 12.7 s: seven backoffs of 200 ms doubling, jitter at most
 * halving each). Before, each such event held all delivery back ~20 s (3 of them: consumer
 * lag 59.5 s).
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { request } from './support/load.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const SMALL = 8192;
const WITHIN_MS = 5000;
/** The least time BullMQ's 7 retries of one event would have taken: 0.5 × 200 × (2^7 − 1) ms. */
const RETRIES_WOULD_TAKE_MS = 0.5 * 200 * (2 ** 7 - 1);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

it('dead-letters events that fail on their own after one attempt, and the others flow within seconds', async () => {
  s = await startScenario({ name: 'poison events flow', workers: 1, workerEnv: { L01_MAX_MESSAGE_BYTES: String(SMALL) } });
  const db = new pg.Client({ connectionString: s.db.url });
  await db.connect();
  try {
    const load = s.load({ rate: 50, concurrency: 2, maxWrites: 100_000 });
    await load.acknowledged(30);
    const poisons: Array<{ eventId: string; position: number; writtenAt: number; kind: string }> = [];

    for (let i = 0; i < 3; i++) {
      const writtenAt = Date.now();
      const big = await request(s.api.baseUrl, 'POST', '/api/agents', { name: `too big ${i}`, agent_type: 'fault-test', configuration: { blob: 'x'.repeat(20_000) } });
      expect(big.status).toBe(201);
      const entityId = (big.body as { id: string }).id;
      s.checker.record([{ entityType: 'agent', entityId, version: 1 }]);
      const { rows } = await db.query<{ id: string; position: string }>('SELECT id, position::text FROM events WHERE entity_id = $1', [entityId]);
      poisons.push({ eventId: rows[0]!.id, position: Number(rows[0]!.position), writtenAt, kind: 'oversize' });
      await load.acknowledged(40);
    }

    // A stream conflict, as after a database restored behind Redis: the global stream is
    // already past an event's id without holding it. Writes pause so that this is the only
    // one: in one transaction X, an outbox row (X, p) for an event published long ago, and
    // the stream moved past it (an entry X-(p+1) added and deleted at once, unseen).
    await load.stop();
    await s.checker.settle(300, 10_000);
    const { rows: [pick] } = await db.query<{ position: string; id: string; entity_type: string; event_type: string; shard: number }>(
      'SELECT position::text, id, entity_type, event_type, l01_shard(entity_id) AS shard FROM events ORDER BY position LIMIT 1 OFFSET 5');
    const redis = s.redis.client();
    await db.query('BEGIN');
    const xid = (await db.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x;
    await db.query('INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, shard) VALUES ($1::xid8, $2, $3, $4, $5, $6)',
      [xid, pick!.position, pick!.id, pick!.entity_type, pick!.event_type, pick!.shard]);
    const past = `${xid}-${BigInt(pick!.position) + 1n}`;
    await redis.multi().xadd('l01:stream:events', past, 'event_type', 'none', 'data', '{}').xdel('l01:stream:events', past).exec();
    redis.disconnect();
    await db.query('COMMIT');
    const conflictAt = Date.now();
    await db.query('NOTIFY l01_outbox');
    const more = s.load({ rate: 50, concurrency: 2, maxWrites: 100_000 });
    await more.acknowledged(40);

    const figures: string[] = [];
    for (const p of poisons) {
      const dead = await until(`dead letter of ${p.eventId}`, async () => {
        const list = (await request(s!.api.baseUrl, 'GET', '/api/dead-letters')).body as Array<{ event_id: string; attempts: number; last_error: string; created_at: string }>;
        return list.find((d) => d.event_id === p.eventId);
      }, WITHIN_MS);
      const deadAfter = Date.parse(dead.created_at) - p.writtenAt;
      const next = await until(`an event written after ${p.eventId} in the stream`, () => s!.checker.reader.entries.find((e) => e.position > p.position), WITHIN_MS);
      const flowedAfter = next.receivedAt - p.writtenAt;
      expect(dead.attempts, 'one attempt: a retry could only fail the same way').toBe(1);
      expect(dead.last_error).toContain(`exceeds L01_MAX_MESSAGE_BYTES (${SMALL})`);
      expect(flowedAfter, 'the others flow before its retries would have ended').toBeLessThan(RETRIES_WOULD_TAKE_MS);
      figures.push(`${p.kind} dead-lettered ${deadAfter} ms and the next event in the stream ${flowedAfter} ms after it was written`);
    }
    const conflict = await until('the stream conflict dead-lettered', async () => {
      const { rows } = await db.query<{ attempts: number; last_error: string; created_at: Date }>(`SELECT attempts, last_error, created_at FROM dead_letters WHERE event_id = $1`, [pick!.id]);
      return rows[0];
    }, WITHIN_MS);
    expect(conflict.attempts).toBe(1);
    expect(conflict.last_error).toContain('stream conflict');
    const afterConflict = await until('events flow after the conflict', () => s!.checker.reader.entries.find((e) => e.receivedAt >= conflictAt && BigInt(e.id.split('-')[0]!) > BigInt(xid)), WITHIN_MS);
    figures.push(`conflict dead-lettered ${conflict.created_at.getTime() - conflictAt} ms after its row was queued, the next event in the stream ${afterConflict.receivedAt - conflictAt} ms after`);

    for (const stats of [load.stats, await more.stop()]) expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '201']);
    // The conflicting row's event was published under its own id long before (it is in the
    // streams); its dead letter is the conflicting copy's.
    await s.finish({ deadLetters: [...poisons.map((p) => p.eventId), pick!.id] });
    console.log(`[poison events flow] ${figures.join('; ')} (retries would have taken ≥ ${RETRIES_WOULD_TAKE_MS} ms each)`);
  } finally {
    await db.end();
  }
}, 120_000);
