/** subscribeEvents against the real Redis: patterns, re-subscription after a killed connection, catch-up from the stream. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { subscribeEvents, type L01Event, type MessageContext } from '../src/consumer/index.js';
import { deleteKeys, entityIn, publish, publishPartitioned, testNames, waitFor } from './consumer.support.js';

const names = testNames();
let redis: Redis;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await deleteKeys(redis, names.prefix);
  redis.disconnect();
});

/** Kills the pub/sub connection named `name` (our own client, on the shared server). */
async function killSubscriber(name: string): Promise<void> {
  const list = (await redis.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `) && / psub=[1-9]/.test(l));
  if (!line) throw new Error(`no subscriber connection named ${name}`);
  await redis.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
}

describe('subscribeEvents', () => {
  it('delivers the messages of the subscribed event types only', async () => {
    const got: L01Event[] = [];
    const sub = subscribeEvents({ url: inject('redisUrl'), channelPrefix: names.channelPrefix, patterns: ['goal_*'], onMessage: (e) => void got.push(e) });
    await sub.ready;
    await publish(redis, names, [{ type: 'agent_created' }, { type: 'goal_created' }, { type: 'goal_completed' }]);
    await waitFor(() => got.length === 2);
    await sub.close();
    expect(got.map((e) => e.event_type)).toEqual(['goal_created', 'goal_completed']);
  });

  it('re-subscribes after its connection is killed and catches up from the stream on what it missed, without duplicates', async () => {
    const connectionName = `l01-test-sub-${randomBytes(4).toString('hex')}`;
    const got: Array<{ e: L01Event; ctx: MessageContext }> = [];
    const sub = subscribeEvents({
      url: inject('redisUrl'),
      channelPrefix: names.channelPrefix,
      patterns: ['task_*'],
      catchUp: { prefix: names.prefix, checkpointMs: 50 },
      // A slow reconnect, so events are published while it is away.
      redisOptions: { connectionName, retryStrategy: () => 600 },
      onMessage: (e, ctx) => void got.push({ e, ctx }),
    });
    await sub.ready;
    const before = await publish(redis, names, [{ type: 'task_created' }, { type: 'agent_created' }]);
    await waitFor(() => got.length === 1);
    await new Promise((r) => setTimeout(r, 150)); // a checkpoint or two

    await killSubscriber(connectionName);
    const during = await publish(redis, names, [{ type: 'task_started' }, { type: 'plan_created' }, { type: 'task_completed' }]);
    await waitFor(() => sub.reconnects === 1, 10_000, 'the re-subscription');
    const after = await publish(redis, names, [{ type: 'task_updated' }]);
    await waitFor(() => got.length === 4, 10_000, 'four task events');
    await new Promise((r) => setTimeout(r, 200)); // nothing more (no duplicates) arrives
    await sub.close();

    expect(got.map(({ e }) => e.event_id)).toEqual([before[0]!, during[0]!, during[2]!, after[0]!].map((x) => x.event_id));
    expect(got.map(({ ctx }) => ctx.caughtUp)).toEqual([false, true, true, false]);
  });

  it('with relay partitions, catches up from every partition\'s global stream (a mark each), without duplicates', async () => {
    const P = 3;
    const connectionName = `l01-test-sub-${randomBytes(4).toString('hex')}`;
    const got: Array<{ e: L01Event; ctx: MessageContext }> = [];
    const sub = subscribeEvents({
      url: inject('redisUrl'),
      channelPrefix: names.channelPrefix,
      patterns: ['goal_*'],
      catchUp: { prefix: names.prefix, partitions: P, checkpointMs: 50 },
      redisOptions: { connectionName, retryStrategy: () => 600 },
      onMessage: (e, ctx) => void got.push({ e, ctx }),
    });
    await sub.ready;
    const inEach = (type: string) => Array.from({ length: P }, (_, i) => ({ type, entityId: entityIn(i, P) }));
    const before = await publishPartitioned(redis, names, P, inEach('goal_created'));
    await waitFor(() => got.length === P);
    await new Promise((r) => setTimeout(r, 150)); // a checkpoint or two

    await killSubscriber(connectionName);
    const during = await publishPartitioned(redis, names, P, [...inEach('goal_updated'), { type: 'agent_created', entityId: entityIn(1, P) }]);
    await waitFor(() => sub.reconnects === 1, 10_000, 'the re-subscription');
    const after = await publishPartitioned(redis, names, P, inEach('goal_completed'));
    await waitFor(() => got.length === 3 * P, 10_000, `${3 * P} goal events`);
    await new Promise((r) => setTimeout(r, 200)); // nothing more (no duplicates) arrives
    await sub.close();

    const missed = during.filter((d) => d.event_type === 'goal_updated');
    expect(got.map(({ e }) => e.event_id).sort()).toEqual([...before, ...missed, ...after].map((x) => x.event_id).sort());
    expect(got.filter(({ ctx }) => ctx.caughtUp).map(({ e }) => e.event_id).sort()).toEqual(missed.map((x) => x.event_id).sort());
    expect(new Set(missed.map((m) => m.partition)).size).toBe(P);
  });
});
