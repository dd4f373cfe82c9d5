/**
 * consumeStream over relay partitions (L01_RELAY_PARTITIONS = 3), against the real Redis and
 * a private Redis Cluster: every partition's key read with one group, every entry handed
 * over once and acked, each partition's entries in their stream order, reclaiming and dead
 * letters per partition key. Events are put in their entity's partition with the relay's
 * own publish script, under the partition prefix (tests/consumer.support.ts).
 */
import { once } from 'node:events';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeStream, deadLetterStreamKey, partitionOf, partitionStreamKeys, type HandlerContext, type L01Event } from '../src/consumer/index.js';
import type { RedisClient } from '../src/redis.js';
import { startRedisCluster, type RedisCluster } from './faults/support/servers.js';
import { entityIn, publishPartitioned, testNames, useRedis, waitFor } from './consumer.support.js';

const P = 3;
const names = testNames();
const { prefix } = names;
const shared = useRedis(prefix);
const { connection } = shared;

const pendingCount = async (r: RedisClient, key: string, group: string) => Number(((await r.xpending(key, group)) as [number])[0]);

/** Two agents per partition, three versions each, written round-robin over the agents (so the partitions interleave). */
function history() {
  const agents = Array.from({ length: 2 * P }, (_, i) => entityIn(i % P, P));
  const events: Array<{ type: string; entityId: string; version: number }> = [];
  for (let version = 1; version <= 3; version++) {
    for (const entityId of agents) events.push({ type: version === 1 ? 'agent_created' : 'agent_updated', entityId, version });
  }
  return events;
}

interface Seen { event: L01Event; ctx: HandlerContext }

/** Every entry once; each partition's in its key's stream order; every key acked. */
async function expectDeliveredInPartitionOrder(r: RedisClient, p: string, stream: 'global' | 'agent', group: string, seen: Seen[], sent: Array<{ id: string; event_id: string; partition: number }>) {
  expect(seen.map((s) => s.event.event_id).sort()).toEqual(sent.map((s) => s.event_id).sort());
  const keys = partitionStreamKeys(stream, p, P);
  for (const [index, key] of keys.entries()) {
    const inStream = (await r.xrange(key, '-', '+')).map(([id]) => id);
    expect(inStream.length, key).toBeGreaterThan(0);
    expect(seen.filter((s) => s.ctx.stream === key).map((s) => s.ctx.id), key).toEqual(inStream);
    expect(seen.filter((s) => s.ctx.stream === key).every((s) => s.ctx.partition === index && partitionOf(s.event.entity_id, P) === index)).toBe(true);
    expect(await pendingCount(r, key, group), key).toBe(0);
  }
  // Per entity, versions in order.
  const versions = new Map<string, number[]>();
  for (const { event } of seen) versions.set(event.entity_id, [...(versions.get(event.entity_id) ?? []), event.entity_version]);
  for (const v of versions.values()) expect(v).toEqual([1, 2, 3]);
}

describe('consumeStream with partitions', () => {
  it('reads the stream in every partition with one group: each entry once, in its partition\'s order, acked', async () => {
    const group = 'g-parts';
    // Started on empty streams: entries arrive while its XREADGROUP over the three keys blocks.
    for (const key of partitionStreamKeys('global', prefix, P)) await shared.redis.xgroup('CREATE', key, group, '$', 'MKSTREAM');
    const seen: Seen[] = [];
    const stop = new AbortController();
    const run = consumeStream({
      redis: connection(), stream: 'global', prefix, partitions: P, group, consumer: 'c1', blockMs: 200, signal: stop.signal,
      handler: (event, ctx) => void seen.push({ event, ctx }),
    });
    const sent = await publishPartitioned(shared.redis, names, P, history());
    expect(new Set(sent.map((s) => s.partition)).size).toBe(P);
    await waitFor(() => seen.length === sent.length, 10_000, `${sent.length} entries`);
    stop.abort();
    const stats = await run;
    expect(stats).toMatchObject({ processed: sent.length, failed: 0, deadLettered: 0 });
    await expectDeliveredInPartitionOrder(shared.redis, prefix, 'global', group, seen, sent);
  });

  it('reads an entity type\'s stream in every partition', async () => {
    const seen: Seen[] = [];
    const stop = new AbortController();
    const run = consumeStream({
      redis: connection(), stream: 'agent', prefix, partitions: P, group: 'g-agent', consumer: 'c1', blockMs: 100, signal: stop.signal,
      handler: (event, ctx) => void seen.push({ event, ctx }),
    });
    const total = (await Promise.all(partitionStreamKeys('agent', prefix, P).map((k) => shared.redis.xlen(k)))).reduce((a, b) => a + b, 0);
    await waitFor(() => seen.length === total, 10_000, `${total} agent entries`);
    stop.abort();
    await run;
    expect(total).toBe(6 * P);
    expect(new Set(seen.map((s) => s.ctx.stream))).toEqual(new Set(partitionStreamKeys('agent', prefix, P)));
  });

  it('reclaims what a dead consumer left pending in each partition, on that partition\'s key', async () => {
    const group = 'g-dead';
    const keys = partitionStreamKeys('global', prefix, P);
    for (const key of keys) await shared.redis.xgroup('CREATE', key, group, '$', 'MKSTREAM');
    const sent = await publishPartitioned(shared.redis, names, P, Array.from({ length: P }, (_, i) => ({ type: 'goal_created', entityId: entityIn(i, P) })));
    // What a consumer that died mid-handler leaves: read by it, never acknowledged.
    await shared.redis.xreadgroup('GROUP', group, 'doomed', 'COUNT', 10, 'STREAMS', ...keys, ...keys.map(() => '>'));
    for (const key of keys) expect(await pendingCount(shared.redis, key, group)).toBe(1);

    const handled: Array<{ id: string; stream: string; deliveries: number }> = [];
    const stop = new AbortController();
    const run = consumeStream({
      redis: connection(), stream: 'global', prefix, partitions: P, group, consumer: 'survivor', blockMs: 50, claimIdleMs: 300, claimIntervalMs: 100, signal: stop.signal,
      handler: (_e, ctx) => void handled.push({ id: ctx.id, stream: ctx.stream, deliveries: ctx.deliveries }),
    });
    await waitFor(() => handled.length === P, 10_000, 'the survivor to reclaim every partition');
    stop.abort();
    const stats = await run;
    expect(stats.reclaimed).toBe(P);
    expect(handled.sort((a, b) => a.stream.localeCompare(b.stream))).toEqual(sent.map((s) => ({ id: s.id, stream: keys[s.partition], deliveries: 2 })));
    for (const key of keys) expect(await pendingCount(shared.redis, key, group)).toBe(0);
  });

  it('dead-letters a failing entry to its own partition\'s <key>:dlq:<group>; the other partitions carry on', async () => {
    const group = 'g-poison';
    const keys = partitionStreamKeys('global', prefix, P);
    for (const key of keys) await shared.redis.xgroup('CREATE', key, group, '$', 'MKSTREAM');
    const target = 2;
    const [poison, ...rest] = await publishPartitioned(shared.redis, names, P, [
      { type: 'alert_created', entityId: entityIn(target, P) },
      ...Array.from({ length: P }, (_, i) => ({ type: 'alert_updated', entityId: entityIn(i, P) })),
    ]);
    const attempts: number[] = [];
    const done: string[] = [];
    const stop = new AbortController();
    const run = consumeStream({
      redis: connection(), stream: 'global', prefix, partitions: P, group, consumer: 'c1', blockMs: 50, claimIdleMs: 100, claimIntervalMs: 50, maxDeliveries: 3, signal: stop.signal,
      handler: (e, ctx) => {
        if (e.event_id === poison!.event_id) {
          attempts.push(ctx.deliveries);
          throw new Error('cannot apply this one');
        }
        done.push(e.event_id);
      },
    });
    const dlq = deadLetterStreamKey(keys[target]!, group);
    await waitFor(async () => (await shared.redis.xlen(dlq)) === 1, 10_000, 'the dead-letter stream of partition 2');
    stop.abort();
    const stats = await run;
    expect(attempts).toEqual([1, 2, 3]);
    expect(done.sort()).toEqual(rest.map((r) => r.event_id).sort());
    expect(stats).toMatchObject({ deadLettered: 1, failed: 3 });
    const [[, fields]] = (await shared.redis.xrange(dlq, '-', '+')) as [[string, string[]]];
    expect(fields.slice(0, 6)).toEqual(['original_id', poison!.id, 'stream', keys[target], 'group', group]);
    for (const [i, key] of keys.entries()) {
      if (i !== target) expect(await shared.redis.exists(deadLetterStreamKey(key, group)), key).toBe(0);
      expect(await pendingCount(shared.redis, key, group), key).toBe(0);
    }
  });
});

describe('consumeStream with partitions on a Redis Cluster', () => {
  const clusterNames = { prefix: '{l01_parts}:', channelPrefix: '' };
  let cluster: RedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = cluster.client();
    // A CLUSTER command skips ioredis's offline queue and goes to any seed at once; the first
    // slot refresh then swaps the replicas' seed connections for read-only ones, and a KEYSLOT
    // in flight on one failed with "Connection is closed" (2 runs in 4 before this wait).
    if (client.status !== 'ready') await once(client, 'ready');
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('reads each partition\'s key from its own slot (one command per key): each entry once, in its partition\'s order, acked', async () => {
    const keys = partitionStreamKeys('global', clusterNames.prefix, P);
    const slots = await Promise.all(keys.map(async (k) => Number(await client.cluster('KEYSLOT', k))));
    expect(new Set(slots).size).toBe(P);
    const masters = new Set(await Promise.all(keys.map(async (k) => (await cluster.masterOf(k)).port)));
    const group = 'g-cluster';
    for (const key of keys) await client.xgroup('CREATE', key, group, '$', 'MKSTREAM');
    const seen: Seen[] = [];
    const stop = new AbortController();
    const reader = cluster.client();
    const run = consumeStream({
      redis: reader, stream: 'global', prefix: clusterNames.prefix, partitions: P, group, consumer: 'c1', blockMs: 300, signal: stop.signal,
      handler: (event, ctx) => void seen.push({ event, ctx }),
    });
    try {
      const sent = await publishPartitioned(client, clusterNames, P, history());
      await waitFor(() => seen.length === sent.length, 20_000, `${sent.length} entries through the group`);
      stop.abort();
      await run;
      await expectDeliveredInPartitionOrder(client, clusterNames.prefix, 'global', group, seen, sent);
      process.stdout.write(`cluster: ${sent.length} entries over ${P} partitions (${P} slots on ${masters.size} masters) read once each, in partition order\n`);
    } finally {
      stop.abort();
      await run;
      reader.disconnect();
    }
  }, 60_000);
});
