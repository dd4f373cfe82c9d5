/** `l01 tail`: a live, readable view of the events as they are published. */
import { Command } from 'commander';
import type { RedisClient } from '../../redis.js';
import { eventTypeMatcher } from '../../consumer/patterns.js';
import { subscribeEvents } from '../../consumer/subscribe.js';
import { parseEntry, type L01Event, type RawEntry } from '../../wire/message.js';
import { channelName, globalStream } from '../../wire/names.js';
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

/** Reads the global stream from its end (no consumer group: nothing is acknowledged or kept). */
async function tailStream(redis: RedisClient, print: (e: L01Event) => void, matches: (t: string) => boolean, stop: Promise<void>) {
  const key = globalStream(names());
  let last = '$';
  let done = false;
  void stop.then(() => { done = true; redis.disconnect(); });
  note(`tailing stream ${key} (Ctrl-C to stop)`);
  while (!done) {
    const reply = (await redis.xread('COUNT', 100, 'BLOCK', 1000, 'STREAMS', key, last).catch(() => null)) as Array<[string, RawEntry[]]> | null;
    for (const entry of reply?.[0]?.[1] ?? []) {
      last = entry[0];
      try {
        const e = parseEntry(entry);
        if (matches(e.event_type)) print(e);
      } catch {
        // not an L01 event: skip it
      }
    }
  }
}

export function tailCommand(): Command {
  return new Command('tail')
    .description('Print events as they are published, one readable line each (pub/sub, re-subscribing and catching up from the stream after a reconnect; --stream reads the global stream instead).')
    .option('--type <event_type...>', 'only these event types (globs allowed: goal_*)', ['*'])
    .option('--stream', 'read the global stream rather than the pub/sub channels')
    .option('--json', 'print each event as one JSON line')
    .option('--no-color', 'no ANSI colours')
    .action(action(async (o: Options) => {
      const color = o.color && process.stdout.isTTY === true;
      const print = (e: L01Event) => out(o.json ? JSON.stringify(e) : formatEvent(e, color));
      const stop = stopped();
      if (o.stream) {
        await withRedis((redis) => tailStream(redis, print, eventTypeMatcher(o.type), stop));
        return;
      }
      const c = config();
      const sub = subscribeEvents({
        url: c.REDIS_URL,
        nodes: c.REDIS_CLUSTER_NODES,
        channelPrefix: c.L01_CHANNEL_PREFIX,
        patterns: o.type,
        catchUp: { prefix: c.L01_REDIS_PREFIX },
        onMessage: print,
        onError: (err) => note(`tail: ${(err as Error).message ?? err}`),
      });
      await sub.ready;
      note(`listening on ${o.type.map((t) => channelName(t, c.L01_CHANNEL_PREFIX)).join(', ')} (Ctrl-C to stop)`);
      await stop;
      await sub.close();
    }));
}
