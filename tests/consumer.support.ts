/** Shared by the consumer tests: a private key prefix on the shared Redis, and events published as the relay does. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';
import { partitionNames, type WireNames as StreamNames } from '../src/wire/names.js';
import { partitionOf } from '../src/wire/partition.js';
import type { RedisClient } from '../src/redis.js';
import { publishEvents } from '../src/workers/publish.js';

export function testNames(): StreamNames {
  const tag = randomBytes(5).toString('hex');
  return { prefix: `l01_test_consumer_${tag}:`, channelPrefix: `l01_test_consumer_${tag}:` };
}

export { deleteKeys } from './helpers/redis-keys.js';
import { deleteKeys } from './helpers/redis-keys.js';

/**
 * Connections to the shared Redis for one test file: `connection()` opens one (consumers
 * each get their own), `redis` is the file's own; after the file, the keys under `prefix`
 * are deleted and every connection closed.
 */
export function useRedis(prefix: string): { readonly redis: Redis; connection(): Redis } {
  const conns: Redis[] = [];
  const connection = () => {
    const r = new Redis(inject('redisUrl'));
    conns.push(r);
    return r;
  };
  let own: Redis | undefined;
  afterAll(async () => {
    if (own) await deleteKeys(own, prefix);
    for (const c of conns) c.disconnect();
  });
  return {
    get redis() {
      return (own ??= connection());
    },
    connection,
  };
}

let position = 0;
/** Publishes events through the relay's own publish script, with increasing stream ids. */
export async function publish(redis: RedisClient, names: StreamNames, events: Array<{ type: string; entityType?: string; entityId?: string; version?: number }>) {
  const out = events.map((e) => {
    const pos = ++position;
    const entityType = e.entityType ?? e.type.replace(/_[a-z]+$/, '');
    const message = {
      event_type: e.type, event_id: randomUUID(), entity_type: entityType, entity_id: e.entityId ?? randomUUID(),
      entity_version: e.version ?? 1, position: pos, payload: { n: pos }, metadata: {}, timestamp: new Date().toISOString(), replayed: false,
    };
    return { id: `${Date.now()}-${pos}`, entityType, eventType: e.type, message: JSON.stringify(message), event: message };
  });
  const status = await publishEvents(redis, names, out);
  if (status.some((s) => s !== 1)) throw new Error(`publish statuses ${status}`);
  return out.map((o) => ({ id: o.id, ...o.event }));
}

/** An entity id that relay partition `index` of `count` holds (wire/partition.ts). */
export function entityIn(index: number, count: number): string {
  for (;;) {
    const id = randomUUID();
    if (partitionOf(id, count) === index) return id;
  }
}

/**
 * Publishes each event to its entity's partition of `count`, as that partition's relay would
 * (its streams under the partition prefix), one call per event so the ids keep the given order.
 */
export async function publishPartitioned(
  redis: RedisClient, names: StreamNames, count: number, events: Array<{ type: string; entityType?: string; entityId: string; version?: number }>,
) {
  const out = [];
  for (const e of events) {
    const partition = partitionOf(e.entityId, count);
    const [sent] = await publish(redis, partitionNames(names, { index: partition, count }), [e]);
    out.push({ ...sent!, partition });
  }
  return out;
}

export const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition') => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
