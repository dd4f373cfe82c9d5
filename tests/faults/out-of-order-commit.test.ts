/**
 * Fault: two transactions commit out of position order. Positions are assigned at INSERT,
 * transaction ids when a transaction first writes, and commits happen whenever they
 * happen, so the three orders disagree:
 *
 *   `late`  BEGIN; takes its transaction id first (the smaller one)
 *   `early` BEGIN; writes an agent: the smaller POSITION          (stays open)
 *   `late`  writes an agent: the larger position; COMMIT
 *
 * A relay reading by position would publish `late`'s event, move its cursor past it and
 * never see `early`'s event: the bug several event stores shipped. Here `late` is published
 * while `early` is open (its transaction id is below every running one), the HTTP writes
 * that started after `early` wait behind it (with a warning in the log), and when `early`
 * finally commits its event is published: delayed, never skipped, after `late`'s.
 * Both writes go through `applyChange`, the one write path the API uses.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { entityByTable } from '../../src/db/entities/index.js';
import { applyChange } from '../../src/db/write.js';
import type { StreamEntry } from './support/checker.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { sleep } from './support/servers.js';

let s: Scenario | undefined;
const clients: pg.Client[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.end()));
  await s?.close();
});

const agents = entityByTable.get('agents')!;
const metadata = { request_id: 'fault-test', caller: 'out-of-order-commit' };

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
}

async function createAgent(c: pg.Client, name: string): Promise<{ id: string; eventId: string; position: bigint; xid: bigint }> {
  const result = await applyChange(c, { op: 'create', entity: agents, // The API's zod schema fills the defaults; the write path itself takes the full row.
    data: { name, agent_type: 'fault-test', status: 'active', capabilities: [], configuration: {} }, metadata });
  if (!result.ok) throw new Error(`write failed: ${JSON.stringify(result)}`);
  const id = (JSON.parse(result.body) as { id: string }).id;
  const { rows } = await c.query<{ id: string; position: string; xid: string }>(
    'SELECT id, position::text, transaction_id::text AS xid FROM events WHERE entity_id = $1', [id]);
  return { id, eventId: rows[0]!.id, position: BigInt(rows[0]!.position), xid: BigInt(rows[0]!.xid) };
}

async function published(s: Scenario, eventId: string, timeoutMs = 15_000): Promise<StreamEntry> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = s.checker.reader.entries.find((e) => e.eventId === eventId);
    if (entry) return entry;
    if (Date.now() > deadline) throw new Error(`event ${eventId} not in the stream after ${timeoutMs} ms`);
    await sleep(50);
  }
}

it('publishes a transaction that commits after a later-positioned one: delayed, never skipped', async () => {
  s = await startScenario({ name: 'out-of-order commit', workers: 1, workerEnv: { L01_RELAY_LAG_WARN_MS: '1000' } });
  const worker = s.workers[0]!;
  const load = s.load({ rate: 40, concurrency: 2, maxWrites: 600 });
  await load.acknowledged(20);

  const late = await connect(s.db.url);
  const early = await connect(s.db.url);
  await late.query('BEGIN');
  await late.query('SELECT pg_current_xact_id()');
  await early.query('BEGIN');
  const held = await createAgent(early, 'held open');
  const first = await createAgent(late, 'committed first');
  await late.query('COMMIT');
  s.checker.record([{ entityType: 'agent', entityId: held.id, version: 1 }, { entityType: 'agent', entityId: first.id, version: 1 }]);
  expect(held.position < first.position, 'early holds the smaller position').toBe(true);
  expect(first.xid < held.xid, 'late holds the smaller transaction id').toBe(true);

  // The later position is published while the earlier one is still uncommitted.
  await published(s, first.eventId);
  const warnedFrom = worker.logs.length;
  await worker.waitForLog('a long-open transaction is holding the relay back (events after it wait until it ends)', 15_000, warnedFrom);
  await load.acknowledged(20);

  // Everything that started after `early` waits behind it.
  const { rows: behind } = await early.query<{ id: string }>(
    'SELECT id FROM events WHERE transaction_id > $1::text::xid8', [held.xid.toString()]);
  const waiting = behind.map((r) => r.id).filter((id) => id !== held.eventId);
  expect(waiting.length, 'writes committed after early began').toBeGreaterThan(0);
  const leaked = s.checker.reader.entries.filter((e) => waiting.includes(e.eventId));
  expect(leaked.map((e) => e.id), 'nothing newer than an open transaction is published').toEqual([]);
  expect(s.checker.reader.entries.some((e) => e.eventId === held.eventId)).toBe(false);

  await early.query('COMMIT');
  const heldEntry = await published(s, held.eventId);
  const firstEntry = s.checker.reader.entries.find((e) => e.eventId === first.eventId)!;
  const order = (e: StreamEntry) => s!.checker.reader.entries.indexOf(e);
  expect(order(heldEntry), 'the late commit appears after the event that committed before it').toBeGreaterThan(order(firstEntry));
  for (const id of waiting) {
    const e = await published(s, id);
    expect(order(e), 'and before the writes that waited behind it').toBeGreaterThan(order(heldEntry));
  }

  const stats = await load.stop();
  expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '201']);
  const report = await s.finish();
  console.log(`[out-of-order commit] held position ${held.position} published at ${heldEntry.id} after position ${first.position} at ${firstEntry.id}; ${waiting.length} writes waited behind it; ${report.events} events`);
}, 120_000);
