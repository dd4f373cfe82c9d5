/**
 * Stream retention against the real Redis, under a key prefix of this file's own: trimming
 * by length and by age, and never past what a consumer group has not read and acknowledged.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { entities } from '../src/db/entities/index.js';
import { nextEntryId as nextId } from '../src/wire/entry-id.js';
import { eventStreamKeys as streamKeysOf, globalStream, type WireNames as StreamNames } from '../src/wire/names.js';
import { publishEvents } from '../src/workers/publish.js';
import { StreamTrimmer, trimStream } from '../src/workers/retention.js';

const eventStreamKeys = (n: StreamNames) => streamKeysOf(n, entities.map((e) => e.singular));

const tag = randomBytes(5).toString('hex');
const names: StreamNames = { prefix: `l01_test_retention_${tag}:`, channelPrefix: `l01_test_retention_${tag}:` };
let redis: Redis;
let txid = 1000;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${names.prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
});

/** A fresh stream key per test (the global stream of a sub-prefix). */
const freshStream = () => `${names.prefix}${randomBytes(3).toString('hex')}:stream:events`;

/** Appends `n` events with the given event times, as the relay does (publish.lua), returning their ids. */
async function append(key: string, times: number[]): Promise<string[]> {
  const prefix = key.slice(0, -'stream:events'.length);
  const events = times.map((t) => {
    txid += 1;
    const message = JSON.stringify({ event_type: 'agent_created', event_id: randomBytes(8).toString('hex'), entity_type: 'agent', timestamp: new Date(t).toISOString(), payload: {} });
    return { id: `${txid}-${txid * 10}`, entityType: 'agent', eventType: 'agent_created', message };
  });
  const statuses = await publishEvents(redis, { prefix, channelPrefix: names.channelPrefix }, events);
  expect(statuses.every((s) => s === 1)).toBe(true);
  return events.map((e) => e.id);
}

const ids = async (key: string) => (await redis.xrange(key, '-', '+')).map(([id]) => id);
const now = Date.now();
const old = (n: number) => Array.from({ length: n }, (_, i) => now - 3_600_000 + i);
const fresh = (n: number) => Array.from({ length: n }, (_, i) => now - 1000 + i);

describe('without consumer groups: the policy alone', () => {
  it('by length keeps the newest L01_STREAM_MAX_LEN entries', async () => {
    const key = freshStream();
    const all = await append(key, fresh(10));
    expect(await trimStream(redis, key, { maxLen: 3, retentionMs: 0 })).toBe(7);
    expect(await ids(key)).toEqual(all.slice(7));
    expect(await trimStream(redis, key, { maxLen: 3, retentionMs: 0 })).toBe(0);
  });

  it('by age removes entries of events older than L01_STREAM_RETENTION_MS, up to the first newer one', async () => {
    const key = freshStream();
    const all = await append(key, [...old(4), ...fresh(3)]);
    expect(await trimStream(redis, key, { maxLen: 0, retentionMs: 60_000 }, now)).toBe(4);
    expect(await ids(key)).toEqual(all.slice(4));
  });

  it('an expired stream is emptied; both limits trim whatever either allows', async () => {
    const key = freshStream();
    await append(key, old(5));
    expect(await trimStream(redis, key, { maxLen: 0, retentionMs: 60_000 }, now)).toBe(5);
    expect(await redis.xlen(key)).toBe(0);

    const both = freshStream();
    const all = await append(both, [...old(2), ...fresh(6)]);
    expect(await trimStream(redis, both, { maxLen: 3, retentionMs: 60_000 }, now)).toBe(5);
    expect(await ids(both)).toEqual(all.slice(5));
  });

  it('an entry whose time cannot be read is kept (and everything after it)', async () => {
    const key = freshStream();
    const first = await append(key, old(2));
    await redis.xadd(key, `${++txid}-1`, 'event_type', 'x', 'data', 'not json');
    await append(key, old(2));
    expect(await trimStream(redis, key, { maxLen: 0, retentionMs: 60_000 }, now)).toBe(2);
    expect((await ids(key))[0]).not.toBe(first[0]);
    expect(await redis.xlen(key)).toBe(3);
  });

  it('off (both 0) touches nothing; a missing stream is no error', async () => {
    const key = freshStream();
    await append(key, old(3));
    expect(await trimStream(redis, key, { maxLen: 0, retentionMs: 0 })).toBe(0);
    expect(await redis.xlen(key)).toBe(3);
    expect(await trimStream(redis, `${key}:missing`, { maxLen: 1, retentionMs: 1 })).toBe(0);
  });

  it('a pass examines at most maxScan entries; the next pass goes on', async () => {
    const key = freshStream();
    await append(key, fresh(25));
    expect(await trimStream(redis, key, { maxLen: 5, retentionMs: 0 }, now, 8)).toBe(8);
    expect(await trimStream(redis, key, { maxLen: 5, retentionMs: 0 }, now, 8)).toBe(8);
    expect(await trimStream(redis, key, { maxLen: 5, retentionMs: 0 }, now, 8)).toBe(4);
    expect(await redis.xlen(key)).toBe(5);
  });
});

describe('with consumer groups: never past what a group still needs', () => {
  it('a group that has read nothing keeps everything', async () => {
    const key = freshStream();
    const all = await append(key, old(6));
    await redis.xgroup('CREATE', key, 'billing', '0');
    expect(await trimStream(redis, key, { maxLen: 1, retentionMs: 1 }, now)).toBe(0);
    expect(await ids(key)).toEqual(all);
  });

  it('read but not acknowledged (pending) is kept; after XACK, trimming proceeds', async () => {
    const key = freshStream();
    const all = await append(key, old(6));
    await redis.xgroup('CREATE', key, 'billing', '0');
    const read = (await redis.xreadgroup('GROUP', 'billing', 'c1', 'COUNT', 4, 'STREAMS', key, '>')) as Array<[string, Array<[string, string[]]>]>;
    const delivered = read[0]![1].map(([id]) => id);
    expect(delivered).toEqual(all.slice(0, 4));

    expect(await trimStream(redis, key, { maxLen: 1, retentionMs: 0 })).toBe(0);
    await redis.xack(key, 'billing', ...delivered.slice(0, 2));
    // Acknowledged: 2; the third is still pending, so it and everything after stays.
    expect(await trimStream(redis, key, { maxLen: 1, retentionMs: 0 })).toBe(2);
    expect(await ids(key)).toEqual(all.slice(2));
    await redis.xack(key, 'billing', ...delivered.slice(2));
    // Read and acknowledged up to the 4th; the 5th and 6th were never delivered.
    expect(await trimStream(redis, key, { maxLen: 1, retentionMs: 0 })).toBe(2);
    expect(await ids(key)).toEqual(all.slice(4));
  });

  it('the slowest group decides; a group created at "$" needs only what comes after it', async () => {
    const key = freshStream();
    const all = await append(key, old(8));
    await redis.xgroup('CREATE', key, 'late-joiner', '$');
    await redis.xgroup('CREATE', key, 'fast', '0');
    await redis.xgroup('CREATE', key, 'slow', '0');
    for (const [group, n] of [['fast', 7], ['slow', 3]] as const) {
      const read = (await redis.xreadgroup('GROUP', group, 'c', 'COUNT', n, 'STREAMS', key, '>')) as Array<[string, Array<[string, string[]]>]>;
      await redis.xack(key, group, ...read[0]![1].map(([id]) => id));
    }
    expect(await trimStream(redis, key, { maxLen: 0, retentionMs: 60_000 }, now)).toBe(3);
    expect(await ids(key)).toEqual(all.slice(3));
    await redis.xgroup('DESTROY', key, 'slow');
    expect(await trimStream(redis, key, { maxLen: 0, retentionMs: 60_000 }, now)).toBe(4);
    expect(await ids(key)).toEqual(all.slice(7));
  });

  it('the policy still limits: read entries newer than the retention stay', async () => {
    const key = freshStream();
    const all = await append(key, [...old(2), ...fresh(3)]);
    await redis.xgroup('CREATE', key, 'g', '$');
    expect(await trimStream(redis, key, { maxLen: 0, retentionMs: 60_000 }, now)).toBe(2);
    expect(await ids(key)).toEqual(all.slice(2));
  });
});

describe('StreamTrimmer', () => {
  it('trims every event stream each pass, reports per stream, and stops when leadership ends', async () => {
    const global = globalStream(names);
    const agent = `${names.prefix}stream:events:agent`;
    expect(eventStreamKeys(names)).toEqual(expect.arrayContaining([global, agent, `${names.prefix}stream:events:training_example`]));
    await append(global, fresh(5));
    await append(agent, fresh(5));
    await redis.xgroup('CREATE', agent, 'projector', '0');

    const reported: Array<[string, number]> = [];
    const trimmer = new StreamTrimmer({
      redis, streams: eventStreamKeys(names), policy: { maxLen: 2, retentionMs: 0 }, intervalMs: 20,
      log: pino({ level: 'silent' }), onTrim: (s, n) => reported.push([s, n]),
    });
    const stop = new AbortController();
    const running = trimmer.run(stop.signal);
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    await running;
    expect(await redis.xlen(global)).toBe(2);
    expect(await redis.xlen(agent)).toBe(5); // the group has read nothing
    expect(reported).toContainEqual([global, 3]);
    expect(reported.filter(([s]) => s === global).reduce((a, [, n]) => a + n, 0)).toBe(3);
  });

  it('nextId is the smallest id after another (64-bit parts, no precision loss)', () => {
    expect(nextId('5-1')).toBe('5-2');
    expect(nextId('18446744073709551615-9007199254740993')).toBe('18446744073709551615-9007199254740994');
  });
});
