/**
 * A pub/sub listener for L01 events that survives reconnects, and can optionally fill the
 * gap a disconnect leaves from the global stream.
 *
 * Pub/sub is fire-and-forget: what is published while the connection is down is lost to
 * it. With `catchUp`, the listener keeps a *mark*, the id of a global-stream entry up to
 * which it has seen everything, and after a reconnect reads the stream after that mark
 * (XRANGE) and delivers what it missed, flagged `caughtUp`.
 *
 * Why the mark is safe: publish.lua appends to the stream and PUBLISHes in one atomic
 * script, and Redis writes replies and messages to a connection in execution order. So
 * after reading the stream's last id L on a second connection and then getting the PONG
 * of a PING sent on the subscriber connection, every message of an entry ≤ L has arrived:
 * the mark may advance to L. Messages that raced the check are remembered by event id so
 * catch-up does not deliver them twice.
 *
 * Each message is handled inside a `process <channel>` span continuing the event's trace,
 * as in consume-stream.ts (consumer/trace.ts).
 * In a Redis Cluster (`nodes`), PUBLISH reaches every node, but the subscriber connects to
 * the master of the global stream's slot, the node that runs publish.lua, so the argument
 * above holds unchanged (slot-owner.ts says why and how it follows a failover); the reader
 * is a cluster client.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { openRedis, parseNode } from '../redis.js';
import { parseMessage, type L01Event, type RawEntry } from '../wire/message.js';
import { channelName, DEFAULT_CLUSTER_PREFIX, DEFAULT_PREFIX, streamKey } from '../wire/names.js';
import { MarkTracker } from './mark.js';
import { processInSpan } from './trace.js';
import { eventTypeMatcher } from './patterns.js';
import { slotOwnerConnector } from './slot-owner.js';

export interface MessageContext {
  channel: string;
  /** Delivered from the stream after a reconnect, not from pub/sub. */
  caughtUp: boolean;
}

export interface SubscribeOptions {
  /** `REDIS_URL`; with `nodes`, only its credentials and TLS are used. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Seed nodes of a Redis Cluster, `host:port` (`REDIS_CLUSTER_NODES`); set: cluster mode. */
  nodes?: readonly string[];
  /** `L01_CHANNEL_PREFIX` (empty by contract). */
  channelPrefix?: string;
  /** Event-type globs: `['agent_created']`, `['goal_*']`. Default `['*']`. */
  patterns?: string[];
  onMessage: (event: L01Event, ctx: MessageContext) => void | Promise<void>;
  /** Fill reconnect gaps from the global stream. */
  catchUp?: boolean | { prefix?: string; checkpointMs?: number };
  /** Connection or handler errors; the listener carries on. */
  onError?: (err: unknown) => void;
  /** Extra ioredis options for both connections (e.g. a retryStrategy). */
  redisOptions?: RedisOptions;
}

export interface Subscription {
  /** Resolves once subscribed (and, with catchUp, once the first mark is taken). */
  ready: Promise<void>;
  /** Number of times the subscription was restored after a lost connection. */
  readonly reconnects: number;
  close(): Promise<void>;
}

export function subscribeEvents(o: SubscribeOptions): Subscription {
  const channels = (o.patterns ?? ['*']).map((p) => channelName(p, o.channelPrefix ?? ''));
  const options = o.catchUp && typeof o.catchUp === 'object' ? o.catchUp : {};
  const clustered = (o.nodes?.length ?? 0) > 0;
  const key = streamKey('global', options.prefix ?? (clustered ? DEFAULT_CLUSTER_PREFIX : DEFAULT_PREFIX));
  const matches = eventTypeMatcher(o.patterns ?? ['*'], o.channelPrefix ?? '');
  const onError = o.onError ?? (() => {});
  const target = { REDIS_URL: o.url ?? 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: o.nodes };
  const cluster = clustered ? (openRedis(target, { ...o.redisOptions, lazyConnect: true }) as Cluster) : null;
  // We re-subscribe ourselves on 'ready', so we know when a gap has just ended.
  const subOptions: RedisOptions = { ...o.redisOptions, autoResubscribe: false, lazyConnect: true };
  const sub = cluster
    ? new Redis({ ...cluster.options.redisOptions, ...subOptions, Connector: slotOwnerConnector(cluster, key, parseNode(o.nodes![0]!)) })
    : new Redis(target.REDIS_URL, subOptions);
  const reader = cluster ?? (o.catchUp ? new Redis(target.REDIS_URL, { ...o.redisOptions, lazyConnect: true }) : null);
  const mark = o.catchUp && reader ? new MarkTracker(reader, sub, key) : null;
  let closed = false;
  let connections = 0;
  let reconnects = 0;
  let chain = Promise.resolve();
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));

  /** One delivery at a time, in arrival order (caught-up entries may interleave with live ones). */
  const deliver = (event: L01Event, ctx: MessageContext) => {
    chain = chain.then(() => processInSpan(event, ctx.channel, { 'l01.caught_up': ctx.caughtUp }, () => o.onMessage(event, ctx))).catch(onError);
  };

  sub.on('error', onError);
  reader?.on('error', onError);
  sub.on('pmessage', (_pattern: string, channel: string, text: string) => {
    try {
      const event = parseMessage(text, channel);
      if (mark && !mark.firstSight(event.event_id)) return;
      deliver(event, { channel, caughtUp: false });
    } catch (err) {
      onError(err);
    }
  });

  const catchUp = async () => {
    for await (const entries of mark!.missedSinceMark()) {
      for (const [id, fields] of entries as RawEntry[]) {
        const data = fields[fields.indexOf('data') + 1];
        const event = data ? parseMessage(data, id) : null;
        if (event && matches(event.event_type) && mark!.firstSight(event.event_id)) {
          deliver(event, { channel: channelName(event.event_type, o.channelPrefix ?? ''), caughtUp: true });
        }
      }
    }
  };

  sub.on('ready', () => {
    void (async () => {
      try {
        await sub.psubscribe(...channels);
        if (mark) {
          if (reader!.status !== 'ready') await reader!.connect().catch(() => {});
          if (connections > 0) await catchUp();
          else await mark.advance();
        }
        if (connections++ > 0) reconnects++;
        resolveReady();
      } catch (err) {
        onError(err);
      }
    })();
  });

  sub.connect().catch(onError);
  const checkpoint = mark
    ? setInterval(() => {
        if (sub.status === 'ready' && connections > 0) mark.advance().catch(onError);
      }, options.checkpointMs ?? 1000)
    : undefined;

  return {
    ready,
    get reconnects() {
      return reconnects;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(checkpoint);
      await chain;
      sub.disconnect();
      reader?.disconnect();
    },
  };
}
