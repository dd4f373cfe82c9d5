/** consumeStream against the real Redis: ack, per-type streams, reclaiming from a killed consumer, dead letters, graceful stop. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, inject, it } from 'vitest';
import { consumeStream, deadLetterStreamKey, streamKey, type L01Event } from '../src/consumer/index.js';
import { publish, testNames, useRedis, waitFor } from './consumer.support.js';

const names = testNames();
const { prefix } = names;
const shared = useRedis(prefix);
const { connection } = shared;

function fieldsOf(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

const pendingCount = async (key: string, group: string) => Number(((await shared.redis.xpending(key, group)) as [number])[0]);

describe('consumeStream', () => {
  it('hands every entry to the handler in order and acknowledges it afterwards', async () => {
    const sent = await publish(shared.redis, names, [{ type: 'agent_created' }, { type: 'goal_created' }, { type: 'agent_updated' }]);
    const seen: L01Event[] = [];
    const stop = new AbortController();
    const run = consumeStream({
      redis: connection(), stream: 'global', prefix, group: 'g-order', consumer: 'c1', blockMs: 100, signal: stop.signal,
      handler: (e) => void seen.push(e),
    });
    await waitFor(() => seen.length === 3);
    stop.abort();
    const stats = await run;
    expect(seen.map((e) => e.event_id)).toEqual(sent.map((s) => s.event_id));
    expect(seen[0]).toMatchObject({ event_type: 'agent_created', entity_version: 1, replayed: false });
    expect(stats).toMatchObject({ processed: 3, failed: 0, deadLettered: 0 });
    expect(await pendingCount(streamKey('global', prefix), 'g-order')).toBe(0);
  });

  it('reads a per-type stream: only that entity type', async () => {
    await publish(shared.redis, names, [{ type: 'plan_created' }, { type: 'task_created' }, { type: 'plan_completed' }]);
    const seen: string[] = [];
    const stop = new AbortController();
    const run = consumeStream({
      redis: connection(), stream: 'plan', prefix, group: 'g-plan', consumer: 'c1', blockMs: 100, signal: stop.signal,
      handler: (e) => void seen.push(e.event_type),
    });
    await waitFor(() => seen.length === 2);
    stop.abort();
    await run;
    expect(seen).toEqual(['plan_created', 'plan_completed']);
  });

  it('an entry read by a consumer killed mid-handler is reclaimed by another (XAUTOCLAIM) and processed once acked', async () => {
    const group = 'g-killed';
    const key = streamKey('global', prefix);
    await shared.redis.xgroup('CREATE', key, group, '$', 'MKSTREAM');
    const sent = await publish(shared.redis, names, [{ type: 'task_created' }, { type: 'task_started' }, { type: 'task_completed' }]);

    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/consumer.worker.ts'], {
      env: { ...process.env, REDIS_URL: inject('redisUrl'), PREFIX: prefix, GROUP: group },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    await waitFor(() => output.includes('handling'), 20_000, 'the doomed consumer to start a handler');
    child.kill('SIGKILL');
    await once(child, 'exit');
    // It read all three (COUNT 100) and acknowledged none.
    const pending = (await shared.redis.xpending(key, group, '-', '+', 10)) as Array<[string, string, number, number]>;
    expect(pending.map((p) => [p[0], p[1]])).toEqual(sent.map((s) => [s.id, 'doomed']));

    const handled: Array<{ id: string; deliveries: number }> = [];
    const stop = new AbortController();
    const run = consumeStream({
      redis: connection(), stream: 'global', prefix, group, consumer: 'survivor', blockMs: 50, claimIdleMs: 300, claimIntervalMs: 100, signal: stop.signal,
      handler: (_e, ctx) => void handled.push({ id: ctx.id, deliveries: ctx.deliveries }),
    });
    await waitFor(() => handled.length === 3, 10_000, 'the survivor to reclaim');
    stop.abort();
    const stats = await run;
    expect(handled).toEqual(sent.map((s) => ({ id: s.id, deliveries: 2 })));
    expect(stats.reclaimed).toBe(3);
    expect(await pendingCount(key, group)).toBe(0);
    process.stdout.write(`killed consumer: 3 entries pending on "doomed" were reclaimed by "survivor" after 300 ms idle, delivery count 2, all acked\n`);
  });

  it('after maxDeliveries failures an entry goes to <stream>:dlq:<group> with the error and delivery count, and the group moves on', async () => {
    const group = 'g-poison';
    const key = streamKey('global', prefix);
    await shared.redis.xgroup('CREATE', key, group, '$', 'MKSTREAM');
    const [poison, good] = await publish(shared.redis, names, [{ type: 'alert_created' }, { type: 'alert_updated' }]);
    const attempts: number[] = [];
    const done: string[] = [];
    const stop = new AbortController();
    const run = consumeStream({
      redis: connection(), stream: 'global', prefix, group, consumer: 'c1', blockMs: 50, claimIdleMs: 100, claimIntervalMs: 50, maxDeliveries: 3, signal: stop.signal,
      handler: (e, ctx) => {
        if (e.event_id === poison!.event_id) {
          attempts.push(ctx.deliveries);
          throw new Error('cannot apply this one');
        }
        done.push(e.event_id);
      },
    });
    const dlq = deadLetterStreamKey(key, group);
    await waitFor(async () => (await shared.redis.xlen(dlq)) === 1, 10_000, 'the dead-letter stream');
    stop.abort();
    const stats = await run;
    expect(attempts).toEqual([1, 2, 3]);
    expect(done).toEqual([good!.event_id]);
    expect(stats).toMatchObject({ deadLettered: 1, failed: 3 });
    const [first] = (await shared.redis.xrange(dlq, '-', '+')) as Array<[string, string[]]>;
    const entry = fieldsOf(first![1]);
    expect(entry).toMatchObject({ original_id: poison!.id, group, deliveries: '3', error: 'Error: cannot apply this one', event_type: 'alert_created' });
    expect(JSON.parse(entry.data!).event_id).toBe(poison!.event_id);
    expect(await pendingCount(key, group)).toBe(0);
  });

  it('stops gracefully: the handler in progress finishes and is acked, nothing more is read', async () => {
    const group = 'g-stop';
    const key = streamKey('global', prefix);
    await shared.redis.xgroup('CREATE', key, group, '$', 'MKSTREAM');
    await publish(shared.redis, names, [{ type: 'session_created' }, { type: 'session_updated' }, { type: 'session_ended' }]);
    const stop = new AbortController();
    const finished: string[] = [];
    const run = consumeStream({
      redis: connection(), stream: 'global', prefix, group, consumer: 'c1', count: 1, blockMs: 50, signal: stop.signal,
      handler: async (e) => {
        stop.abort(); // asked to stop while handling the first entry
        await new Promise((r) => setTimeout(r, 200));
        finished.push(e.event_type);
      },
    });
    const stats = await run;
    expect(finished).toEqual(['session_created']);
    expect(stats.processed).toBe(1);
    expect(await pendingCount(key, group)).toBe(0);
    // The other two are still unread by the group: the next reader gets them.
    const rest = (await shared.redis.xreadgroup('GROUP', group, 'c2', 'COUNT', 10, 'STREAMS', key, '>')) as Array<[string, Array<[string, string[]]>]>;
    expect(rest[0]![1].map(([, f]) => fieldsOf(f).event_type)).toEqual(['session_updated', 'session_ended']);
  });
});
