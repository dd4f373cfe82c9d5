/**
 * The dashboard's overview (GET /admin/overview.json and the page that shows it): per relay
 * partition, who leads it and how far behind it is; per event stream, its length and how
 * far each consumer group has got. Read on demand from Postgres and Redis with the same
 * queries as `l01 outbox status` and /metrics; nothing is cached.
 *
 * Partitions are a list so that more of them are more rows: today there is one (0), whose
 * leader is the relay lock's holder and whose backlog, checkpoint and dead letters are the
 * whole outbox, relay_checkpoint and dead_letters tables.
 *
 * Each source is read with a deadline: when one does not answer, its figures are null or
 * empty and `unavailable` names it, so the page shows what it can while a dependency hangs.
 */
import type { RedisClient } from '../redis.js';
import type { Queryable } from '../db/pool.js';
import { withTimeout } from '../lib/time.js';
import { globalStream, type WireNames } from '../wire/names.js';
import { PUBLISH_WINDOW_S, publishedInWindow } from '../workers/publish-rate.js';
import { findEventStreams, readStreams, type ConsumerInfo, type GroupInfo } from '../workers/stream-info.js';
import { noteOf, relayLeader, type RelayLeader } from './leadership.js';
import { outboxStatus } from './sql.js';

export interface PartitionOverview {
  partition: number;
  /** The session holding the partition's relay lock (null: nobody relays), with its note. */
  leader: (RelayLeader & { note: string | null }) | null;
  /** Events committed and not yet published. */
  backlog: number | null;
  oldest_age_ms: number | null;
  /** Entries the relay appended to the streams in the last minute (publish-rate.ts), and per second. */
  published_last_minute: number | null;
  publish_rate_per_s: number | null;
  /** Dead letters waiting for an operator (status dead). */
  dead_letters: number | null;
  /** Stream id of the last event published, and the running total, from the checkpoint. */
  checkpoint: string | null;
  published_total: number | null;
}

export interface GroupOverview extends Omit<GroupInfo, 'consumers'> {
  consumers: ConsumerInfo[];
  /** Consumers that have not read for `idle_after_ms` or more. */
  idle_consumers: number;
}

export interface StreamOverview {
  key: string;
  length: number;
  groups: GroupOverview[];
}

export interface Overview {
  generated_at: string;
  partitions: PartitionOverview[];
  streams: StreamOverview[];
  /** False when the stream discovery stopped early (a huge keyspace): the known streams are still listed. */
  streams_complete: boolean;
  idle_after_ms: number;
  /** Sources that did not answer in time: `postgres`, `redis`. */
  unavailable: string[];
}

export interface OverviewSources {
  db: Queryable;
  redis: RedisClient;
  names: Pick<WireNames, 'prefix'>;
  /** Streams always listed when they exist (the global one and one per entity type). */
  knownStreams: readonly string[];
  /** Per source, ms. */
  timeoutMs: number;
}

/** One relay partition today; more partitions will add their numbers (and lock keys) here. */
const PARTITIONS = [0] as const;
export const DEFAULT_IDLE_AFTER_MS = 60_000;

async function settle<T>(p: Promise<T>, ms: number, source: string, unavailable: Set<string>): Promise<T | null> {
  try {
    return await withTimeout(p, ms, source);
  } catch {
    unavailable.add(source);
    return null;
  }
}

async function readPartition(src: OverviewSources, partition: number, unavailable: Set<string>): Promise<PartitionOverview> {
  const [db, published] = await Promise.all([
    settle(Promise.all([outboxStatus(src.db), relayLeader(src.db)]), src.timeoutMs, 'postgres', unavailable),
    settle(publishedInWindow(src.redis, src.names, partition), src.timeoutMs, 'redis', unavailable),
  ]);
  const [status, leader] = db ?? [null, null];
  return {
    partition,
    leader: leader ? { ...leader, note: noteOf(leader) } : null,
    backlog: status?.backlog ?? null,
    oldest_age_ms: status?.oldest_age_seconds == null ? null : Math.round(status.oldest_age_seconds * 1000),
    published_last_minute: published,
    publish_rate_per_s: published === null ? null : Math.round((published / PUBLISH_WINDOW_S) * 100) / 100,
    dead_letters: status?.dead_letters ?? null,
    checkpoint: status?.checkpoint ?? null,
    published_total: status?.published ?? null,
  };
}

async function readStreamOverview(src: OverviewSources, idleAfterMs: number): Promise<{ streams: StreamOverview[]; complete: boolean }> {
  const found = await findEventStreams(src.redis, src.names);
  const global = globalStream(src.names);
  const others = [...new Set([...src.knownStreams, ...found.keys])].filter((k) => k !== global).sort();
  const streams = await readStreams(src.redis, [global, ...others], { consumers: true });
  return {
    complete: found.complete,
    streams: streams.map((s) => ({
      ...s,
      groups: s.groups.map((g) => ({ ...g, consumers: g.consumers ?? [], idle_consumers: (g.consumers ?? []).filter((c) => c.idle_ms >= idleAfterMs).length })),
    })),
  };
}

export async function readOverview(src: OverviewSources, idleAfterMs = DEFAULT_IDLE_AFTER_MS): Promise<Overview> {
  const unavailable = new Set<string>();
  const [partitions, streams] = await Promise.all([
    Promise.all(PARTITIONS.map((p) => readPartition(src, p, unavailable))),
    settle(readStreamOverview(src, idleAfterMs), src.timeoutMs, 'redis', unavailable),
  ]);
  return {
    generated_at: new Date().toISOString(),
    partitions,
    streams: streams?.streams ?? [],
    streams_complete: streams?.complete ?? false,
    idle_after_ms: idleAfterMs,
    unavailable: [...unavailable].sort(),
  };
}
