/**
 * heal.lua against the real Redis, under a key prefix of this file's own: a stream evicted
 * between two batches of one heal is not recreated without its head (which no audit could
 * tell from an intact stream: its last id would be past the floor). Found in a CI run of
 * tests/faults/redis-evicting-policy: 259 agent events missing from their stream after
 * "streams healed from the event log", Redis having evicted the stream again mid-heal.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { entityStream, globalStream, type WireNames } from '../src/wire/names.js';
import { appendHealed, inspectStreams, type HealEntry } from '../src/workers/stream-repair.js';

const tag = randomBytes(5).toString('hex');
const names: WireNames = { prefix: `l01_test_repair_${tag}:`, channelPrefix: `l01_test_repair_${tag}:` };
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await redis.keys(`${names.prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const entry = (n: number): HealEntry => ({ id: `1000-${n}`, entityType: 'agent', eventType: 'agent.created', message: `{"n":${n}}`, targets: 'ge' });
const agents = entityStream(names, 'agent');
const global = globalStream(names);

it('a batch refuses to write when a stream lost what earlier batches of the heal put back; the stream stays behind for the next audit', async () => {
  const first = [entry(1), entry(2)];
  expect(await appendHealed(redis, names, first)).toEqual([{ global: true, entity: true }, { global: true, entity: true }]);
  const holds = new Map([[global, '1000-2'], [agents, '1000-2']]);

  // Intact: the next batch goes on.
  expect(await appendHealed(redis, names, [entry(3)], holds)).toEqual([{ global: true, entity: true }]);
  holds.set(global, '1000-3').set(agents, '1000-3');

  // Evicted between batches: nothing of the next batch is written.
  await redis.del(agents);
  await expect(appendHealed(redis, names, [entry(4), entry(5)], holds)).rejects.toThrow(/L01HEAL .*agent lost entries again while being healed/);
  expect(await redis.exists(agents)).toBe(0);
  expect(await redis.xlen(global)).toBe(3);
  const [state] = await inspectStreams(redis, [[agents, '1000-3']]);
  expect(state!.reached).toBe(false);

  // Without the check (the old script) the stream came back as 1000-4, 1000-5 only, with
  // its last id past the floor: the audit saw it as whole.
  await appendHealed(redis, names, [entry(4), entry(5)]);
  const [after] = await inspectStreams(redis, [[agents, '1000-3']]);
  expect(after!.reached).toBe(true);
  expect((await redis.xrange(agents, '-', '+')).map(([id]) => id)).toEqual(['1000-4', '1000-5']);
});
