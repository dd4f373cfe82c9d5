/** `l01 tail`: a live, readable view of the events as they are published. */
import { Command } from 'commander';
import { Cluster } from 'ioredis';
import type { RedisClient } from '../../redis.js';
import { eventTypeMatcher } from '../../consumer/patterns.js';
import { subscribeEvents } from '../../consumer/subscribe.js';
import { parseEntry, type L01Event, type RawEntry } from '../../wire/message.js';
import { channelName, partitionStreamKeys } from '../../wire/names.js';
import { action, config, names, note, out, withRedis } from '../context.js';

interface Options {
  type: string[];
  stream?: boolean;
  json?: boolean;
  color: boolean;
}

const SYSTEM = new Set(['id', 'version', 'created_at', 'updated_at']);

/** `12:00:01.123  #42  agent_created  agent 3f2a9c1e v1  name="Planner" status="active"` */
export function formatEvent(e: L01Event, color: boolean): string {
  const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const time = (e.timestamp ?? '').slice(11, 23);
  const fields = Object.entries(e.payload ?? {})
    .filter(([k, v]) => !SYSTEM.has(k) && v !== null)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  const summary = fields.length > 160 ? `${fields.slice(0, 157)}...` : fields;
  const kind = e.event_type.endsWith('_deleted') ? 31 : e.event_type.endsWith('_created') ? 32 : 33;
  return [paint(2, time), `#${e.position}`, paint(kind, e.event_type), `${e.entity_type} ${e.entity_id} v${e.entity_version}`,
    e.replayed ? paint(35, '(replayed)') : '', summary].filter(Boolean).join('  ');
}

const stopped = () => new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

/**
 * Reads the global stream of every relay partition from its end (no consumer group: nothing
 * is acknowledged or kept). Each partition's lines come in that partition's order (so each
 * entity's in order); partitions interleave as they are read. In a Redis Cluster the
 * partitions' keys are in different slots, so each is read with its own XREAD, one after
 * the other, each blocking 1 s / P: a full round still takes about a second when idle.
 */
async function tailStream(redis: RedisClient, count: number, print: (e: L01Event) => void, matches: (t: string) => boolean, stop: Promise<void>) {
  const keys = partitionStreamKeys('global', names().prefix, count);
  // Each key's last id now, not '$': '$' means "after the end when this XREAD runs", and a key
  // not in the reply would skip what was appended to it while the others' lines were printed.
  const last = new Map(await Promise.all(keys.map(async (k) => [k, ((await redis.xrevrange(k, '+', '-', 'COUNT', 1)) as RawEntry[])[0]?.[0] ?? '0-0'] as const)));
  const together = !(redis instanceof Cluster) || keys.length === 1;
  const groups = together ? [keys] : keys.map((k) => [k]);
  const block = Math.max(1, Math.floor(1000 / groups.length));
  let done = false;
  void stop.then(() => { done = true; redis.disconnect(); });
  note(`tailing stream ${keys.join(', ')} (Ctrl-C to stop)`);
  while (!done) {
    for (const group of groups) {
      if (done) break;
      const reply = (await redis.xread('COUNT', 100, 'BLOCK', block, 'STREAMS', ...group, ...group.map((k) => last.get(k)!)).catch(() => null)) as Array<[string, RawEntry[]]> | null;
      for (const [key, entries] of reply ?? []) {
        for (const entry of entries) {
          last.set(key, entry[0]);
          try {
            const e = parseEntry(entry);
            if (matches(e.event_type)) print(e);
          } catch {
            // not an L01 event: skip it
          }
        }
      }
    }
  }
}

export function tailCommand(): Command {
  return new Command('tail')
    .description('Print events as they are published, one readable line each (pub/sub, re-subscribing and catching up from the stream after a reconnect; --stream reads the global stream instead, in every relay partition).')
    .option('--type <event_type...>', 'only these event types (globs allowed: goal_*)', ['*'])
    .option('--stream', 'read the global stream rather than the pub/sub channels')
    .option('--json', 'print each event as one JSON line')
    .option('--no-color', 'no ANSI colours')
    .action(action(async (o: Options) => {
      const color = o.color && process.stdout.isTTY === true;
      const print = (e: L01Event) => out(o.json ? JSON.stringify(e) : formatEvent(e, color));
      const stop = stopped();
      if (o.stream) {
        await withRedis((redis) => tailStream(redis, config().L01_RELAY_PARTITIONS, print, eventTypeMatcher(o.type), stop));
        return;
      }
      const c = config();
      const sub = subscribeEvents({
        url: c.REDIS_URL,
        nodes: c.REDIS_CLUSTER_NODES,
        channelPrefix: c.L01_CHANNEL_PREFIX,
        patterns: o.type,
        catchUp: { prefix: c.L01_REDIS_PREFIX, partitions: c.L01_RELAY_PARTITIONS },
        onMessage: print,
        onError: (err) => note(`tail: ${(err as Error).message ?? err}`),
      });
      await sub.ready;
      note(`listening on ${o.type.map((t) => channelName(t, c.L01_CHANNEL_PREFIX)).join(', ')} (Ctrl-C to stop)`);
      await stop;
      await sub.close();
    }));
}
