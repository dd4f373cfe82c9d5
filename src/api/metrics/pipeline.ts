/**
 * Gauges of the delivery pipeline, read from Postgres and Redis when Prometheus scrapes:
 * outbox backlog and age, dead letters, how long the relay has been stuck, long-open
 * transactions, and consumer-group lag per stream. Any API process can answer them — they
 * describe the shared database and Redis, not the process.
 *
 * Each source is read once per scrape, with a short timeout: a scrape must answer while a
 * dependency hangs. When a source fails, `l01_metrics_source_up{source}` is 0 and its
 * gauges read NaN (or vanish, for per-stream series) instead of repeating stale numbers.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Queryable } from '../../db/pool.js';
import type { RedisClient } from '../../redis.js';
import { withTimeout } from '../../lib/time.js';
import { DEAD_LETTER_STATUSES } from '../../outbox/dead-letters.js';
import { outboxStatus } from '../../outbox/status.js';
import { readStreams } from '../../workers/stream-info.js';

export interface PipelineSources {
  db: Queryable;
  redis: RedisClient;
  /** Stream keys to report (the global stream and one per entity type). */
  streams: readonly string[];
  /** L01_RELAY_PARTITIONS (default 1). */
  partitions?: number;
  /** Per source, ms. */
  timeoutMs: number;
}

export function pipelineGauges(registry: Registry, src: PipelineSources) {
  const registers = [registry];
  const up = new Gauge({ name: 'l01_metrics_source_up', help: '1 when the last scrape could read the source (postgres, redis), else 0', labelNames: ['source'] as const, registers });
  const backlog = new Gauge({ name: 'l01_outbox_backlog', help: 'Events committed and not yet published (outbox rows)', registers });
  const oldest = new Gauge({ name: 'l01_outbox_oldest_unpublished_age_seconds', help: 'Age of the oldest unpublished event (0 when none)', registers });
  const dead = new Gauge({ name: 'l01_dead_letters', help: 'Dead letters by status (dead = waiting for an operator)', labelNames: ['status'] as const, registers });
  const lag = new Gauge({ name: 'l01_relay_checkpoint_lag_seconds', help: 'While events wait: seconds since the relay checkpoint last advanced (0 when the outbox is empty)', registers });
  const total = new Gauge({ name: 'l01_relay_checkpoint_published', help: 'Events published by all relays, as recorded with the checkpoint (rate() it for the publish rate)', registers });
  const xact = new Gauge({ name: 'l01_oldest_open_transaction_seconds', help: 'Age of the oldest transaction holding an xid: the relay cannot pass it (0 when none)', registers });
  const length = new Gauge({ name: 'l01_stream_length', help: 'Entries in the stream (XLEN)', labelNames: ['stream'] as const, registers });
  const groupLag = new Gauge({ name: 'l01_stream_consumer_group_lag', help: 'Entries not yet delivered to the consumer group (XINFO GROUPS lag)', labelNames: ['stream', 'group'] as const, registers });
  const pending = new Gauge({ name: 'l01_stream_consumer_group_pending', help: 'Entries delivered to the consumer group and not acknowledged', labelNames: ['stream', 'group'] as const, registers });

  async function readDb(): Promise<void> {
    try {
      const r = await withTimeout(outboxStatus(src.db, src.partitions), src.timeoutMs, 'postgres');
      backlog.set(r.backlog);
      oldest.set(r.oldest_age_seconds ?? 0);
      for (const s of DEAD_LETTER_STATUSES) dead.set({ status: s }, r.dead_letters_by_status[s] ?? 0);
      lag.set(r.checkpoint_lag_seconds);
      total.set(r.published);
      xact.set(r.oldest_open_transaction_seconds ?? 0);
      up.set({ source: 'postgres' }, 1);
    } catch {
      for (const g of [backlog, oldest, lag, total, xact]) g.set(NaN);
      for (const s of DEAD_LETTER_STATUSES) dead.set({ status: s }, NaN);
      up.set({ source: 'postgres' }, 0);
    }
  }

  async function readRedis(): Promise<void> {
    length.reset();
    groupLag.reset();
    pending.reset();
    try {
      for (const stream of await withTimeout(readStreams(src.redis, src.streams), src.timeoutMs, 'redis')) {
        length.set({ stream: stream.key }, stream.length);
        for (const g of stream.groups) {
          pending.set({ stream: stream.key, group: g.name }, g.pending);
          // Redis reports no lag when it cannot tell (entries deleted in the unread range).
          if (g.lag !== null) groupLag.set({ stream: stream.key, group: g.name }, g.lag);
        }
      }
      up.set({ source: 'redis' }, 1);
    } catch {
      length.reset();
      groupLag.reset();
      pending.reset();
      up.set({ source: 'redis' }, 0);
    }
  }

  return {
    /** Reads both sources (in parallel); never throws. */
    refresh: () => Promise.all([readDb(), readRedis()]).then(() => undefined),
  };
}
