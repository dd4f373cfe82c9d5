/**
 * The catch-up filter of `subscribeEvents` must deliver exactly what PSUBSCRIBE would have:
 * the port of Redis's matcher (src/consumer/patterns.ts) is compared with a real PSUBSCRIBE
 * over generated patterns and event types, glob metacharacters, slashes and escapes included.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { eventTypeMatcher, redisGlobMatch } from '../src/consumer/patterns.js';

const prefix = `l01_test_patterns_${randomBytes(4).toString('hex')}:`;
let sub: Redis;
let pub: Redis;

beforeAll(async () => {
  sub = new Redis(inject('redisUrl'));
  pub = new Redis(inject('redisUrl'));
});
afterAll(() => {
  sub.disconnect();
  pub.disconnect();
});

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const chars = (alphabet: string, max: number) => fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((a) => a.join(''));

it('matches as Redis PSUBSCRIBE does, on generated patterns and event types', async () => {
  const [patterns, types] = fc.sample(
    fc.tuple(
      fc.uniqueArray(chars('ab*?[]^-\\/._', 7), { minLength: 150, maxLength: 150 }),
      fc.uniqueArray(chars('ab/._[]-\\^*?', 6), { minLength: 80, maxLength: 80 }),
    ),
    { seed: SEED, numRuns: 1 },
  )[0]!;
  const received = new Set<string>();
  sub.on('pmessage', (pattern: string, channel: string) => received.add(`${pattern}\u0000${channel}`));
  await sub.psubscribe(...patterns.map((p) => `${prefix}events:${p}`));

  let expectedDeliveries = 0;
  for (const t of types) expectedDeliveries += await pub.publish(`${prefix}events:${t}`, 'x');
  const deadline = Date.now() + 5000;
  while (received.size < expectedDeliveries && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

  const disagreements: string[] = [];
  let matches = 0;
  for (const p of patterns) {
    for (const t of types) {
      const redis = received.has(`${prefix}events:${p}\u0000${prefix}events:${t}`);
      if (redis) matches++;
      if (eventTypeMatcher([p], prefix)(t) !== redis) disagreements.push(`pattern ${JSON.stringify(p)} type ${JSON.stringify(t)}: Redis ${redis}`);
    }
  }
  console.log(`[patterns] ${patterns.length} patterns × ${types.length} event types: ${matches} matches by PSUBSCRIBE, ${disagreements.length} disagreements`);
  expect(disagreements).toEqual([]);
  expect(matches).toBeGreaterThan(100); // the sample exercises matching, not only refusals
});

it('reads the patterns the README documents', () => {
  expect(redisGlobMatch('goal_*', 'goal_completed')).toBe(true);
  expect(redisGlobMatch('goal_*', 'agent_created')).toBe(false);
  expect(redisGlobMatch('[ag]*_created', 'agent_created')).toBe(true);
  expect(redisGlobMatch('*', 'tool.execution/created')).toBe(true);
  expect(redisGlobMatch('agent_\\*', 'agent_created')).toBe(false);
});
