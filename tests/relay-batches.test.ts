/**
 * A publish job names its batch by outbox keys (after → last); its events come from the
 * claiming process's memory, or, in any other process, from the outbox rows in that range
 * (src/outbox/batches.ts). Both must give the publisher exactly the claimed events, in order.
 */
import { describe, expect, it } from 'vitest';
import { BatchHandoff, toOutgoing } from '../src/outbox/batches.js';
import { claimBatch, completeBatch, keyOf } from '../src/outbox/sql.js';
import { ZERO_ENTRY as ZERO_KEY } from '../src/wire/entry-id.js';
import { useTestApp } from './helpers/app.js';
import { client } from './helpers/http.js';

const t = useTestApp();
const api = client(() => t.app);

async function writeAgents(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await api.post('/api/agents', { name: `batch-${i}`, agent_type: 'relay-batches' });
    expect(res.statusCode, res.body).toBe(201);
  }
}

/**
 * Waits until `n` outbox rows are claimable: the relay reads below the oldest running
 * transaction of the whole server, and other test files run transactions meanwhile.
 */
async function claimable(n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await claimBatch(t.db, 1000, ZERO_KEY)).length < n) {
    if (Date.now() > deadline) throw new Error(`${n} outbox rows never became claimable`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('publish jobs name their batch by outbox keys', () => {
  it('another process reads exactly the claimed events from the outbox; the claiming one serves them from memory', async () => {
    await writeAgents(12);
    await claimable(12);
    const first = await claimBatch(t.db, 5, ZERO_KEY);
    const second = await claimBatch(t.db, 5, keyOf(first.at(-1)!));
    expect(first).toHaveLength(5);
    expect(second).toHaveLength(5);

    const leader = new BatchHandoff(t.db);
    const job = leader.hold(second, keyOf(first.at(-1)!));
    expect(job).toEqual({ after: keyOf(first.at(-1)!), last: keyOf(second.at(-1)!), count: 5 });

    const expected = second.map((e) => toOutgoing(e));
    expect(expected.map((e) => e.id)).toEqual(second.map((e) => `${e.transaction_id}-${e.position}`));
    expect(expected.every((e) => e.entityType === 'agent' && e.eventType === 'agent_created')).toBe(true);
    expect(await leader.events(job)).toEqual(expected);

    // A publisher in another process: nothing in memory, the same events from the outbox,
    // neither the batch before nor the events after.
    const other = new BatchHandoff(t.db);
    const read = await other.events(JSON.parse(JSON.stringify(job)));
    expect(read.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(read.map((e) => JSON.parse(e.message))).toEqual(expected.map((e) => JSON.parse(e.message)));

    // Released: the claiming process reads it from the outbox too.
    leader.release(job);
    expect((await leader.events(job)).map((e) => e.id)).toEqual(expected.map((e) => e.id));
  });

  it('a batch already completed (a late, orphaned job) reads as nothing left to publish', async () => {
    await writeAgents(3);
    await claimable(15);
    const batch = await claimBatch(t.db, 1000, ZERO_KEY);
    const job = new BatchHandoff(t.db).hold(batch, ZERO_KEY);
    await completeBatch(t.db, job.last, []);
    expect(await new BatchHandoff(t.db).events(job)).toEqual([]);
  });
});
