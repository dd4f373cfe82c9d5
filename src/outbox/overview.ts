/**
 * The dashboard's overview (GET /admin/overview.json and the page that shows it): per relay
 * partition, who leads it and how far behind it is; per event stream, its length and how
 * far each consumer group has got. Read on demand from Postgres and Redis with the same
 * queries as `l01 outbox status` and /metrics; nothing is cached.
 *
 * One row per relay partition (L01_RELAY_PARTITIONS): its leader (the holder of its lock),
 * its backlog, checkpoint and dead letters (its events'), its publish rate (its counter);
 * the streams of every partition are listed together.
 *
 * Each source is read with a deadline: when one does not answer, its figures are null or
 * empty and `unavailable` names it, so the page shows what it can while a dependency hangs.
 */
import type { RedisClient } from '../redis.js';
import type { Queryable } from '../db/pool.js';
import { withTimeout } from '../lib/time.js';
import { globalStream, partitionNames, partitionsOf, type Partition, type WireNames } from '../wire/names.js';
import { PUBLISH_WINDOW_S, publishedInWindow } from '../workers/publish-rate.js';
import { findEventStreams, readStreams, type ConsumerInfo, type GroupInfo } from '../workers/stream-info.js';
import { noteOf, relayLeader, type RelayLeader } from './leadership.js';
import { outboxStatus, type OutboxStatus } from './status.js';

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
  /** L01_RELAY_PARTITIONS. */
  partitions: number;
  /** Per source, ms. */
  timeoutMs: number;
}

export const DEFAULT_IDLE_AFTER_MS = 60_000;

async function settle<T>(p: Promise<T>, ms: number, source: string, unavailable: Set<string>): Promise<T | null> {
  try {
    return await withTimeout(p, ms, source);
  } catch {
    unavailable.add(source);
    return null;
  }
}

async function readPartition(src: OverviewSources, partition: Partition, outbox: Promise<OutboxStatus | null>, unavailable: Set<string>): Promise<PartitionOverview> {
  const [status, leader, published] = await Promise.all([
    outbox.then((s) => s?.partitions[partition.index] ?? null),
    settle(relayLeader(src.db, partition), src.timeoutMs, 'postgres', unavailable),
    settle(publishedInWindow(src.redis, partitionNames(src.names, partition), partition.index), src.timeoutMs, 'redis', unavailable),
  ]);
  return {
    partition: partition.index,
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
  const parts = partitionsOf(src.partitions).map((p) => partitionNames(src.names, p));
  const found = await Promise.all(parts.map((n) => findEventStreams(src.redis, n)));
  const globals = parts.map((n) => globalStream(n));
  const others = [...new Set([...src.knownStreams, ...found.flatMap((f) => f.keys)])].filter((k) => !globals.includes(k)).sort();
  const streams = await readStreams(src.redis, [...globals, ...others], { consumers: true });
  return {
    complete: found.every((f) => f.complete),
    streams: streams.map((s) => ({
      ...s,
      groups: s.groups.map((g) => ({ ...g, consumers: g.consumers ?? [], idle_consumers: (g.consumers ?? []).filter((c) => c.idle_ms >= idleAfterMs).length })),
    })),
  };
}

export async function readOverview(src: OverviewSources, idleAfterMs = DEFAULT_IDLE_AFTER_MS): Promise<Overview> {
  const unavailable = new Set<string>();
  const [partitions, streams] = await Promise.all([
    (() => {
      const outbox = settle(outboxStatus(src.db, src.partitions), src.timeoutMs, 'postgres', unavailable);
      return Promise.all(partitionsOf(src.partitions).map((p) => readPartition(src, p, outbox, unavailable)));
    })(),
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
