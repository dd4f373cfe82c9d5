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
 *
 * With relay partitions (`catchUp.partitions`, the relay's L01_RELAY_PARTITIONS), each
 * partition has its own global stream, written by its own publish.lua calls, so there is a
 * mark per partition, and a message counts toward its entity's partition (wire/partition.ts).
 * On a standalone Redis one subscriber connection serves every partition's mark: one server
 * runs every script. In a Cluster each partition's stream has its own slot, on whichever
 * master holds it, so the argument holds only on that master: one subscriber per partition,
 * on its stream's master, which delivers (and marks) only its own partition's messages, and
 * ignores the rest (they reach it too, as every PUBLISH reaches every node).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { openRedis, parseNode } from '../redis.js';
import { parseMessage, type L01Event, type RawEntry } from '../wire/message.js';
import { channelName, DEFAULT_CLUSTER_PREFIX, DEFAULT_PREFIX, partitionStreamKeys } from '../wire/names.js';
import { partitionOf } from '../wire/partition.js';
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
  /** Fill reconnect gaps from the global stream (of every partition: `partitions`, the relay's L01_RELAY_PARTITIONS, default 1). */
  catchUp?: boolean | { prefix?: string; partitions?: number; checkpointMs?: number };
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
  const count = o.catchUp ? options.partitions ?? 1 : 1;
  const keys = partitionStreamKeys('global', options.prefix ?? (clustered ? DEFAULT_CLUSTER_PREFIX : DEFAULT_PREFIX), count);
  const matches = eventTypeMatcher(o.patterns ?? ['*'], o.channelPrefix ?? '');
  const onError = o.onError ?? (() => {});
  const target = { REDIS_URL: o.url ?? 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: o.nodes };
  // No ready check in cluster mode, as for BullMQ's connections (workers/queue.ts): after a
  // failover `connect()` below never settled while the check failed (ioredis#709), and this
  // subscriber's catch-up would have waited on it for good.
  const cluster = clustered ? (openRedis(target, { ...o.redisOptions, lazyConnect: true }, { enableReadyCheck: false }) as Cluster) : null;
  // We re-subscribe ourselves on 'ready', so we know when a gap has just ended.
  const subOptions: RedisOptions = { ...o.redisOptions, autoResubscribe: false, lazyConnect: true };
  const subscriber = (key: string) => cluster
    ? new Redis({ ...cluster.options.redisOptions, ...subOptions, Connector: slotOwnerConnector(cluster, key, parseNode(o.nodes![0]!)) })
    : new Redis(target.REDIS_URL, subOptions);
  const reader = cluster ?? (o.catchUp ? new Redis(target.REDIS_URL, { ...o.redisOptions, lazyConnect: true }) : null);
  // The partitions each subscriber connection marks (see above): all on one, or one each in a cluster.
  const served = cluster && count > 1 ? keys.map((_, i) => [i]) : [keys.map((_, i) => i)];
  const listeners = served.map((partitions) => {
    const sub = subscriber(keys[partitions[0]!]!);
    const marks = new Map(o.catchUp && reader ? partitions.map((i) => [i, new MarkTracker(reader, sub, keys[i]!)] as const) : []);
    return { sub, marks, connections: 0 };
  });
  let closed = false;
  let reconnects = 0;
  let chain = Promise.resolve();

  /** One delivery at a time, in arrival order (caught-up entries may interleave with live ones). */
  const deliver = (event: L01Event, ctx: MessageContext) => {
    chain = chain.then(() => processInSpan(event, ctx.channel, { 'l01.caught_up': ctx.caughtUp }, () => o.onMessage(event, ctx))).catch(onError);
  };

  reader?.on('error', onError);
  const ready = Promise.all(listeners.map((l) => new Promise<void>((resolveReady) => {
    const { sub, marks } = l;
    const catchUp = async () => {
      for (const mark of marks.values()) {
        for await (const entries of mark.missedSinceMark()) {
          for (const [id, fields] of entries as RawEntry[]) {
            const data = fields[fields.indexOf('data') + 1];
            const event = data ? parseMessage(data, id) : null;
            if (event && matches(event.event_type) && mark.firstSight(event.event_id)) {
              deliver(event, { channel: channelName(event.event_type, o.channelPrefix ?? ''), caughtUp: true });
            }
          }
        }
      }
    };
    sub.on('error', onError);
    sub.on('pmessage', (_pattern: string, channel: string, text: string) => {
      try {
        const event = parseMessage(text, channel);
        if (marks.size > 0) {
          // Another subscriber's partition (a cluster with partitions): it delivers that one.
          const mark = marks.get(count > 1 ? partitionOf(event.entity_id, count) : 0);
          if (!mark || !mark.firstSight(event.event_id)) return;
        }
        deliver(event, { channel, caughtUp: false });
      } catch (err) {
        onError(err);
      }
    });
    sub.on('ready', () => {
      void (async () => {
        try {
          await sub.psubscribe(...channels);
          if (marks.size > 0) {
            if (reader!.status !== 'ready') await reader!.connect().catch(() => {});
            if (l.connections > 0) await catchUp();
            else for (const mark of marks.values()) await mark.advance();
          }
          if (l.connections++ > 0) reconnects++;
          resolveReady();
        } catch (err) {
          onError(err);
        }
      })();
    });
    sub.connect().catch(onError);
  }))).then(() => undefined);

  const checkpoint = o.catchUp && reader
    ? setInterval(() => {
        for (const l of listeners) {
          if (l.sub.status === 'ready' && l.connections > 0) for (const mark of l.marks.values()) mark.advance().catch(onError);
        }
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
      for (const l of listeners) l.sub.disconnect();
      reader?.disconnect();
    },
  };
}
