/**
 * A queue checker in the spirit of Jepsen's: it records every write the API acknowledged
 * and every entry read from the global stream through a consumer group (XREADGROUP + XACK),
 * counts pub/sub messages per event, and once the system is quiet compares all of it with
 * the events table (the ground truth of what committed):
 *
 *   lost              committed (or acknowledged) but never in the stream: in the global
 *                     stream or the event's per-type stream, and not still in the outbox
 *   duplicated        one event under two stream entries (global or per-type stream)
 *   unexpected        a stream entry whose event is not in the database
 *   order_violations  an entity's version going backwards in a stream, stream ids not
 *                     increasing in the order the group delivered them, or an entry id that
 *                     is not the event's `<transaction_id>-<position>`
 *   unseen            still in the outbox when the bounded wait for quiet ended
 *   dead_letters      events parked in dead_letters (only named ones are allowed)
 *   pubsub_duplicated events PUBLISHed more than once (a re-run batch must not re-PUBLISH)
 *
 *   misplaced         an entry in the streams of another relay partition than its entity's
 *
 * With relay partitions (`partitions` > 1) every partition's global stream is read through
 * its own group, the type streams of every partition are read, and order is checked per
 * partition stream (which is per entity: an entity's events are all in one partition).
 *
 * Pub/sub is fire-and-forget (messages sent while a subscriber reconnects are gone), so only
 * duplicates are checked there, never completeness.
 */
import type { RedisOptions } from 'ioredis';
import pg from 'pg';
import { expect } from 'vitest';
import { masters, openRedis, type RedisClient, type RedisTarget } from '../../../src/redis.js';
import { partitionNames, partitionOf, partitionsOf } from '../../../src/wire/index.js';
import type { Ack } from './load.js';
import { sleep } from './servers.js';

export interface StreamNames {
  prefix: string;
  channelPrefix: string;
}
export const DEFAULT_NAMES: StreamNames = { prefix: 'l01:', channelPrefix: '' };
const globalStream = (n: StreamNames) => `${n.prefix}stream:events`;
const typeStream = (n: StreamNames, entityType: string) => `${n.prefix}stream:events:${entityType}`;

export interface StreamEntry {
  id: string;
  eventId: string;
  eventType: string;
  entityType: string;
  entityId: string;
  entityVersion: number;
  position: number;
  replayed: boolean;
  /** When the checker received it (ms since epoch). */
  receivedAt: number;
}

function parseEntry(id: string, fields: string[] | null, receivedAt: number): StreamEntry {
  const f: Record<string, string> = {};
  for (let i = 0; fields && i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  let m: Record<string, unknown> = {};
  try {
    m = JSON.parse(f.data ?? '{}') as Record<string, unknown>;
  } catch {
    // counted as unexpected: its event id is empty
  }
  return {
    id,
    eventId: String(m.event_id ?? ''),
    eventType: f.event_type ?? '',
    entityType: String(m.entity_type ?? ''),
    entityId: String(m.entity_id ?? ''),
    entityVersion: Number(m.entity_version),
    position: Number(m.position),
    replayed: m.replayed === true,
    receivedAt,
  };
}

const idParts = (id: string): [bigint, bigint] => {
  const [a, b] = id.split('-');
  return [BigInt(a!), BigInt(b!)];
};
const idLess = (a: string, b: string) => {
  const [a1, a2] = idParts(a);
  const [b1, b2] = idParts(b);
  return a1 < b1 || (a1 === b1 && a2 < b2);
};

/**
 * Reads the global stream through a consumer group from its first entry, acking what it
 * read. A reply lost with its connection (CLIENT KILL, Redis restart) leaves the entries
 * in the group's pending list: they are read back from there (id `0`) before new ones.
 */
export class GroupReader {
  readonly entries: StreamEntry[] = [];
  /** Delivery order broken: an entry id not above the previous one. */
  outOfOrder = 0;
  lastReceivedAt = Date.now();
  private readonly seen = new Set<string>();
  private readonly redis: RedisClient;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(target: string | RedisTarget, readonly stream: string, private readonly group = 'checker', private readonly consumer = 'checker-1') {
    // A read interrupted by a dropped connection must fail, not be re-sent: a re-sent `>`
    // would deliver newer entries before the ones already delivered into the pending list.
    this.redis = openRedis(target, {
      maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, connectionName: 'fault-checker', retryStrategy: () => 100,
    });
    this.redis.on('error', () => {});
  }

  async start(): Promise<this> {
    try {
      await this.redis.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.redis.disconnect();
  }

  /** The first entry received after `t` (ms since epoch) whose id is above `afterId`. */
  firstAfter(t: number, afterId = '0-0'): StreamEntry | undefined {
    return this.entries.find((e) => e.receivedAt >= t && idLess(afterId, e.id));
  }

  private async read(from: '0' | '>'): Promise<number> {
    const reply = (await this.redis.call(
      'XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', 1000, ...(from === '>' ? ['BLOCK', 200] : []), 'STREAMS', this.stream, from,
    )) as Array<[string, Array<[string, string[] | null]>]> | null;
    const batch = reply?.[0]?.[1] ?? [];
    if (batch.length === 0) return 0;
    const now = Date.now();
    for (const [id, fields] of batch) {
      if (this.seen.has(id)) continue; // redelivered to the group, not a second stream entry
      this.seen.add(id);
      const last = this.entries.at(-1);
      if (last && !idLess(last.id, id)) this.outOfOrder++;
      this.entries.push(parseEntry(id, fields, now));
    }
    this.lastReceivedAt = now;
    await this.redis.xack(this.stream, this.group, ...batch.map(([id]) => id));
    return batch.length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        while ((await this.read('0')) > 0);
        await this.read('>');
      } catch {
        await sleep(100); // Redis away or connection killed: read the pending list again
      }
    }
  }
}

/** Counts pub/sub messages per event id on `${channelPrefix}events:*`. */
export class PubSubCounter {
  readonly counts = new Map<string, number>();
  received = 0;
  /** A message on a channel that is not `events:<its event_type>`. */
  misrouted = 0;
  private readonly redis: RedisClient;

  constructor(target: string | RedisTarget, private readonly names: StreamNames) {
    this.redis = openRedis(target, { maxRetriesPerRequest: null, connectionName: 'fault-pubsub', retryStrategy: () => 100 });
    this.redis.on('error', () => {});
    this.redis.on('pmessage', (_pattern: string, channel: string, message: string) => {
      this.received++;
      try {
        const m = JSON.parse(message) as { event_id: string; event_type: string };
        if (channel !== `${this.names.channelPrefix}events:${m.event_type}`) this.misrouted++;
        this.counts.set(m.event_id, (this.counts.get(m.event_id) ?? 0) + 1);
      } catch {
        this.misrouted++;
      }
    });
  }

  async start(): Promise<this> {
    await this.redis.psubscribe(`${this.names.channelPrefix}events:*`);
    return this;
  }

  stop(): void {
    this.redis.disconnect();
  }
}

export interface Report {
  acknowledged: number;
  events: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  order_violations: number;
  unseen: number;
  dead_letters: number;
  pubsub_received: number;
  pubsub_duplicated: number;
  /** Entries in the global stream the consumer group never delivered (a checker or Redis fault). */
  undelivered_by_group: number;
  /**
   * Appends Redis refused as already present since it last started: evidence that batches
   * were re-run (the duplicate path was exercised), not a failure.
   */
  refused_appends: number;
  /** Entries in another relay partition's streams than their entity's. */
  misplaced: number;
  /** How long the system took to go quiet after the load stopped. */
  settle_ms: number;
  /** A few offending ids per figure, for the failure message. */
  details: Record<string, string[]>;
}

interface DbEvent {
  id: string;
  entity_type: string;
  entity_id: string;
  entity_version: number;
  position: string;
  transaction_id: string;
}

async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

async function readStream(redis: RedisClient, key: string): Promise<StreamEntry[]> {
  const out: StreamEntry[] = [];
  let start = '-';
  for (;;) {
    const page = (await redis.xrange(key, start, '+', 'COUNT', 2000)) as Array<[string, string[]]>;
    for (const [id, fields] of page) out.push(parseEntry(id, fields, 0));
    if (page.length < 2000) return out;
    start = `(${page.at(-1)![0]}`;
  }
}

export interface CheckerOptions {
  databaseUrl: string;
  /** A Redis URL, or a cluster's REDIS_CLUSTER_NODES (src/redis.ts). */
  redisUrl: string | RedisTarget;
  names?: StreamNames;
  /** L01_RELAY_PARTITIONS of the workers under test (default 1). */
  partitions?: number;
}

/** Starts observing before the load; `report()` after the faults. */
export class Checker {
  readonly names: StreamNames;
  /** The global stream's reader (partition 0's, with partitions). */
  readonly reader: GroupReader;
  /** One per partition, in partition order. */
  readonly readers: GroupReader[];
  readonly pubsub: PubSubCounter;
  private readonly acks: Ack[][] = [];
  private readonly partitions: number;

  constructor(private readonly o: CheckerOptions) {
    this.names = o.names ?? DEFAULT_NAMES;
    this.partitions = o.partitions ?? 1;
    this.readers = partitionsOf(this.partitions).map((p) => new GroupReader(o.redisUrl, globalStream(partitionNames(this.names, p))));
    this.reader = this.readers[0]!;
    this.pubsub = new PubSubCounter(o.redisUrl, this.names);
  }

  async start(): Promise<this> {
    await Promise.all([...this.readers.map((r) => r.start()), this.pubsub.start()]);
    return this;
  }

  /** What every partition's group delivered, partition after partition. */
  get delivered(): StreamEntry[] {
    return this.readers.flatMap((r) => r.entries);
  }

  private get lastReceivedAt(): number {
    return Math.max(...this.readers.map((r) => r.lastReceivedAt));
  }

  /** Registers a list of acknowledged writes (it may still grow). */
  record(acks: Ack[]): void {
    this.acks.push(acks);
  }

  async outboxSize(): Promise<number> {
    return withDb(this.o.databaseUrl, async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n));
  }

  /**
   * Waits (bounded) until the outbox is empty and no stream entry arrived for `quietMs`.
   * Returns how long it waited; the report says what was still unseen if it never got quiet.
   */
  async settle(quietMs = 1500, timeoutMs = 45_000): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      const backlog = await this.outboxSize().catch(() => -1);
      const idle = Date.now() - Math.max(this.lastReceivedAt, start);
      if (backlog === 0 && idle >= quietMs) break;
      await sleep(200);
    }
    return Date.now() - start;
  }

  /**
   * Settles, then compares. `deadLetters` names the events that are allowed to be parked
   * in dead_letters (status `dead`) instead of published.
   */
  async report(opts: { deadLetters?: string[]; quietMs?: number; timeoutMs?: number } = {}): Promise<Report> {
    const settleMs = await this.settle(opts.quietMs, opts.timeoutMs);
    await sleep(200); // the last pub/sub messages are on their way
    const { events, outbox, dead } = await withDb(this.o.databaseUrl, async (c) => ({
      events: (await c.query<DbEvent>('SELECT id, entity_type, entity_id, entity_version, position::text, transaction_id::text FROM events ORDER BY position')).rows,
      outbox: new Set((await c.query<{ event_id: string }>('SELECT event_id FROM outbox')).rows.map((r) => r.event_id)),
      dead: (await c.query<{ event_id: string }>(`SELECT event_id FROM dead_letters WHERE status = 'dead'`)).rows.map((r) => r.event_id),
    }));
    const redis = openRedis(this.o.redisUrl, { maxRetriesPerRequest: 3 } satisfies RedisOptions);
    const types = [...new Set(events.map((e) => e.entity_type))];
    const globalEntries: StreamEntry[] = [];
    let refusedAppends = 0;
    const typeEntries = new Map<string, StreamEntry[]>();
    /** Entries found in another partition's streams than their entity's. */
    const misplaced: string[] = [];
    try {
      // XADDs Redis refused (publish.lua's duplicate path): how often a batch was re-run.
      // A cluster names its masters once connected.
      if (redis.status !== 'ready') await Promise.race([new Promise((ready) => redis.once('ready', ready)), sleep(10_000)]);
      for (const node of masters(redis)) {
        const stats = await node.info('commandstats');
        refusedAppends += Number(/cmdstat_xadd:.*failed_calls=(\d+)/.exec(stats)?.[1] ?? 0);
      }
      for (const p of partitionsOf(this.partitions)) {
        const names = partitionNames(this.names, p);
        const check = (list: StreamEntry[]) => {
          for (const e of list) if (e.entityId && partitionOf(e.entityId, p.count) !== p.index) misplaced.push(`${e.id} (entity ${e.entityId}) in partition ${p.index}`);
          return list;
        };
        globalEntries.push(...check(await readStream(redis, globalStream(names))));
        for (const t of types) typeEntries.set(t, [...(typeEntries.get(t) ?? []), ...check(await readStream(redis, typeStream(names, t)))]);
      }
    } finally {
      redis.disconnect();
    }

    const details: Record<string, string[]> = {};
    const note = (figure: string, what: string) => {
      const list = (details[figure] ??= []);
      if (list.length < 10) list.push(what);
    };
    const byId = new Map(events.map((e) => [e.id, e]));
    const named = new Set(opts.deadLetters ?? []);
    const acks = this.acks.flat();

    // What the consumer group delivered, by event.
    const delivered = new Map<string, StreamEntry[]>();
    for (const e of this.delivered) delivered.set(e.eventId, [...(delivered.get(e.eventId) ?? []), e]);
    // Every entry the global stream holds should have reached the group.
    const deliveredIds = new Set(this.delivered.map((e) => e.id));
    const undelivered = globalEntries.filter((e) => !deliveredIds.has(e.id));
    for (const e of undelivered) note('undelivered_by_group', e.id);

    let lost = 0;
    let unseen = 0;
    const seenByVersion = new Set(events.map((e) => `${e.entity_id}:${e.entity_version}`));
    for (const a of acks) {
      if (!seenByVersion.has(`${a.entityId}:${a.version}`)) {
        lost++;
        note('lost', `acknowledged ${a.entityType} ${a.entityId} v${a.version} has no event`);
      }
    }
    const inType = new Map<string, Map<string, number>>();
    for (const [t, list] of typeEntries) {
      const counts = new Map<string, number>();
      for (const e of list) counts.set(e.eventId, (counts.get(e.eventId) ?? 0) + 1);
      inType.set(t, counts);
    }
    for (const e of events) {
      if (outbox.has(e.id)) {
        unseen++;
        note('unseen', e.id);
        continue;
      }
      if (named.has(e.id) && dead.includes(e.id)) continue;
      const inGlobal = delivered.has(e.id);
      const inItsType = (inType.get(e.entity_type)?.get(e.id) ?? 0) > 0;
      if (!inGlobal || !inItsType) {
        lost++;
        note('lost', `${e.id} (position ${e.position}${inGlobal ? ', missing from its type stream' : ''}${dead.includes(e.id) ? ', dead-lettered' : ''})`);
      }
    }

    let duplicated = 0;
    for (const [eventId, list] of delivered) {
      if (list.length > 1) {
        duplicated++;
        note('duplicated', `${eventId} at ${list.map((e) => e.id).join(', ')}`);
      }
    }
    for (const [t, counts] of inType) {
      for (const [eventId, n] of counts) {
        if (n > 1 && !((delivered.get(eventId)?.length ?? 0) > 1)) {
          duplicated++;
          note('duplicated', `${eventId} ${n}x in the ${t} stream`);
        }
      }
    }

    // Counted once per event (or entry), whichever streams show it.
    const strangers = new Set<string>();
    const allEntries = [...this.delivered, ...[...typeEntries.values()].flat()];
    for (const e of allEntries) {
      if (!byId.has(e.eventId) && !strangers.has(e.eventId)) {
        strangers.add(e.eventId);
        note('unexpected', `${e.id} event ${e.eventId || '(unreadable)'}`);
      }
    }
    const unexpected = strangers.size;

    let order = this.readers.reduce((n, r) => n + r.outOfOrder, 0);
    if (order > 0) note('order_violations', `${order} deliveries with a stream id not above the previous one`);
    const regressions = new Set<string>();
    const checkEntityOrder = (label: string, list: StreamEntry[]) => {
      const last = new Map<string, number>();
      for (const e of list) {
        const prev = last.get(e.entityId);
        if (prev !== undefined && e.entityVersion < prev && !regressions.has(e.id)) {
          regressions.add(e.id);
          order++;
          note('order_violations', `${label}: entity ${e.entityId} v${e.entityVersion} after v${prev} (${e.id})`);
        }
        last.set(e.entityId, Math.max(prev ?? 0, e.entityVersion));
      }
    };
    checkEntityOrder('global', this.delivered);
    for (const [t, list] of typeEntries) checkEntityOrder(t, list);
    for (const [eventId, list] of delivered) {
      const ev = byId.get(eventId);
      if (!ev) continue;
      const e = list[0]!; // a second copy is counted as duplicated, not here
      // A replayed dead letter keeps its position under the retrying transaction's id.
      const ok = e.replayed ? e.id.endsWith(`-${ev.position}`) : e.id === `${ev.transaction_id}-${ev.position}`;
      if (!ok) {
        order++;
        note('order_violations', `entry ${e.id} of event at ${ev.transaction_id}-${ev.position}`);
      }
    }

    let pubsubDuplicated = 0;
    for (const [eventId, n] of this.pubsub.counts) {
      if (n > 1) {
        pubsubDuplicated++;
        note('pubsub_duplicated', `${eventId} published ${n}x`);
      }
    }
    if (this.pubsub.misrouted > 0) note('pubsub_misrouted', String(this.pubsub.misrouted));

    for (const m of misplaced) note('misplaced', m);
    const unnamedDead = dead.filter((id) => !named.has(id));
    for (const id of unnamedDead) note('dead_letters', `${id} dead-lettered unexpectedly`);

    return {
      acknowledged: acks.length,
      events: events.length,
      lost,
      duplicated,
      unexpected,
      order_violations: order,
      unseen,
      dead_letters: dead.length,
      pubsub_received: this.pubsub.received,
      pubsub_duplicated: pubsubDuplicated,
      settle_ms: settleMs,
      undelivered_by_group: undelivered.length,
      refused_appends: refusedAppends,
      misplaced: misplaced.length,
      details,
    };
  }

  async stop(): Promise<void> {
    this.pubsub.stop();
    await Promise.all(this.readers.map((r) => r.stop()));
  }
}

/** The one-line figures every scenario prints. */
export function summary(name: string, r: Report): string {
  return `[${name}] acknowledged=${r.acknowledged} events=${r.events} lost=${r.lost} duplicated=${r.duplicated} ` +
    `unexpected=${r.unexpected} order_violations=${r.order_violations} unseen=${r.unseen} dead_letters=${r.dead_letters} ` +
    `pubsub_received=${r.pubsub_received} pubsub_duplicated=${r.pubsub_duplicated} refused_appends=${r.refused_appends} settle_ms=${r.settle_ms}${r.misplaced ? ` misplaced=${r.misplaced}` : ''}`;
}

/** Prints the figures, then asserts them: nothing lost, doubled, unexpected, reordered or stuck. */
export function expectClean(name: string, r: Report, opts: { deadLetters?: number; pubsubDuplicates?: 'allowed' } = {}): void {
  console.log(summary(name, r));
  const why = JSON.stringify(r.details, null, 2);
  expect(r.events, 'the scenario produced no events').toBeGreaterThan(0);
  expect({
    lost: r.lost, duplicated: r.duplicated, unexpected: r.unexpected, order_violations: r.order_violations,
    unseen: r.unseen, dead_letters: r.dead_letters, pubsub_duplicated: r.pubsub_duplicated, undelivered_by_group: r.undelivered_by_group, misplaced: r.misplaced,
  }, why).toEqual({
    lost: 0, duplicated: 0, unexpected: 0, order_violations: 0,
    unseen: 0, dead_letters: opts.deadLetters ?? 0,
    pubsub_duplicated: opts.pubsubDuplicates === 'allowed' ? r.pubsub_duplicated : 0, undelivered_by_group: 0, misplaced: 0,
  });
}
