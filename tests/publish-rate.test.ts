/**
 * The publish counter behind the dashboard's "published, last minute" (workers/publish-rate.ts):
 * publish.lua counts the entries it appends, per second of Redis's clock, and the reader
 * sums the last 60 seconds. Against the shared Redis, under a key prefix of this file's own.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { publishBatch, publishEvents, type OutgoingEvent } from '../src/workers/publish.js';
import { PUBLISH_WINDOW_S, publishCounterKey, publishedInWindow } from '../src/workers/publish-rate.js';
import { deleteKeys, testPrefix } from './metrics.support.js';

const names = { prefix: testPrefix('publish_rate'), channelPrefix: '' };
let redis: Redis;
let txid = 5000;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await deleteKeys(redis, names.prefix);
  redis.disconnect();
});

const events = (n: number): OutgoingEvent[] =>
  Array.from({ length: n }, () => {
    txid += 1;
    return { id: `${txid}-${txid}`, entityType: 'agent', eventType: 'agent_created', message: JSON.stringify({ event_id: randomUUID() }) };
  });
const redisNow = async () => Number((await redis.time())[0]);

describe('the publish counter', () => {
  it('counts the entries appended, not the duplicates of a re-run', async () => {
    const batch = events(5);
    expect(await publishEvents(redis, names, batch)).toEqual([1, 1, 1, 1, 1]);
    expect(await publishedInWindow(redis, names, 0)).toBe(5);
    // The same batch again (a crash before completion): nothing new, nothing counted.
    expect(await publishEvents(redis, names, [...batch, ...events(2)])).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(await publishedInWindow(redis, names, 0)).toBe(7);
    // Another partition has a counter of its own.
    expect(await publishBatch(redis, names, events(3), {}, { partition: 1 })).toEqual({ statuses: [1, 1, 1] });
    expect(await publishedInWindow(redis, names, 1)).toBe(3);
    expect(await publishedInWindow(redis, names, 0)).toBe(7);
  });

  it('reads the last 60 s of Redis clock only, and the script drops older seconds and expires the hash', async () => {
    const key = publishCounterKey(names, 2);
    const now = await redisNow();
    await redis.hset(key, String(now - PUBLISH_WINDOW_S), 1000, String(now - PUBLISH_WINDOW_S + 30), 10);
    expect(await publishedInWindow(redis, names, 2)).toBe(10);

    // A hash past 1.5 windows of fields is pruned by the next publish: only the window stays.
    const old: Record<string, number> = {};
    for (let s = now - 200; s < now - 100; s++) old[String(s)] = 1;
    await redis.hset(key, old);
    expect(await publishBatch(redis, names, events(1), {}, { partition: 2 })).toEqual({ statuses: [1] });
    const left = Object.keys(await redis.hgetall(key)).map(Number);
    const after = await redisNow();
    expect(left.every((s) => s > after - PUBLISH_WINDOW_S - 1)).toBe(true);
    expect(await publishedInWindow(redis, names, 2)).toBe(11);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(PUBLISH_WINDOW_S);
    expect(ttl).toBeLessThanOrEqual(2 * PUBLISH_WINDOW_S);
  });
});
