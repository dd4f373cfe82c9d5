/**
 * The worker's metrics: what the relay, its publisher and the stream trimmer did in this
 * process. Counters are per process (each worker exposes its own); Prometheus sums them.
 * Only the leader claims and publishes, so `l01_relay_leader` says which series move.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealMetrics } from '../outbox/healing.js';
import type { RelayMetrics } from '../outbox/relay.js';
import { evicting, outOfMemory, type RedisCondition } from './redis-watch.js';

export interface WorkerMetrics {
  registry: Registry;
  /** Passed to the Relay as `metrics`. */
  relay: RelayMetrics;
  /** Passed to the StreamHealer as `metrics`. */
  healing: HealMetrics;
  /** Each reading of Redis's policy and memory (workers/redis-watch.ts). */
  redis(c: RedisCondition): void;
  /** A BullMQ publish attempt failed; `willRetry` when BullMQ will run the job again. */
  attemptFailed(willRetry: boolean): void;
  /** Entries a retention pass removed from a stream. */
  trimmed(stream: string, entries: number): void;
  trimFailed(): void;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BATCH = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
const BYTES = [1024, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 8_388_608, 16_777_216, 67_108_864];

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const published = new Counter({ name: 'l01_relay_events_published_total', help: 'Events this process published to the streams (new entries)', registers });
  const duplicates = new Counter({ name: 'l01_relay_duplicates_skipped_total', help: 'Events re-published after a crash or retry that Redis already held (skipped, not PUBLISHed again)', registers });
  const batches = new Counter({ name: 'l01_relay_batches_total', help: 'Publish batches completed', registers });
  const batchSize = new Histogram({ name: 'l01_relay_batch_size', help: 'Events per completed publish batch', buckets: BATCH, registers });
  const retries = new Counter({
    name: 'l01_relay_publish_retries_total',
    help: 'Publish retries: kind="attempt" a BullMQ attempt failed and will run again; kind="batch" the relay re-submitted a batch after a failure outside the events (Redis away)',
    labelNames: ['kind'] as const,
    registers,
  });
  const dead = new Counter({ name: 'l01_relay_dead_lettered_total', help: 'Events moved to the dead letters after failing on their own', labelNames: ['event_type'] as const, registers });
  const leader = new Gauge({ name: 'l01_relay_leader', help: 'Relay partitions this process leads (with one partition: 1 while it holds the relay lock and relays)', registers });
  const claim = new Histogram({ name: 'l01_relay_claim_duration_seconds', help: 'Time to claim one batch from the outbox (empty claims included)', buckets: SECONDS, registers });
  const publish = new Histogram({ name: 'l01_relay_publish_duration_seconds', help: 'Time from handing a batch to BullMQ to its completion', buckets: SECONDS, registers });
  const trims = new Counter({ name: 'l01_stream_trimmed_entries_total', help: 'Stream entries removed by retention', labelNames: ['stream'] as const, registers });
  const trimErrors = new Counter({ name: 'l01_stream_trim_errors_total', help: 'Retention passes that failed (retried next interval)', registers });
  const batchBytes = new Histogram({ name: 'l01_relay_batch_bytes', help: 'Payload + metadata bytes per claimed batch (bounded by L01_RELAY_BATCH_BYTES)', buckets: BYTES, registers });
  const audits = new Counter({ name: 'l01_stream_audits_total', help: 'Comparisons of every stream with what the relay published (leader)', registers });
  const behind = new Gauge({ name: 'l01_streams_behind', help: 'Streams found behind what the relay published at the last audit (Redis lost data; healed at once)', registers });
  const heals = new Counter({ name: 'l01_stream_heals_total', help: 'Streams healed: lost entries re-published from the event log', labelNames: ['stream'] as const, registers });
  const healed = new Counter({ name: 'l01_stream_healed_entries_total', help: 'Entries Redis had lost, re-published from the event log under their original ids', labelNames: ['stream'] as const, registers });
  const redisUsed = new Gauge({ name: 'l01_redis_used_memory_bytes', help: 'Redis used_memory (INFO memory)', registers });
  const redisMax = new Gauge({ name: 'l01_redis_maxmemory_bytes', help: 'Redis maxmemory; 0 = no limit', registers });
  const redisEvicting = new Gauge({ name: 'l01_redis_evicting', help: '1 while Redis has a maxmemory-policy other than noeviction (keys may be evicted)', registers });
  const redisOom = new Gauge({ name: 'l01_redis_out_of_memory', help: '1 while Redis is over maxmemory and refuses writes', registers });
  const redisEvicted = new Gauge({ name: 'l01_redis_evicted_keys', help: 'Keys Redis evicted since it started (INFO stats evicted_keys)', registers });

  retries.inc({ kind: 'attempt' }, 0);
  retries.inc({ kind: 'batch' }, 0);
  leader.set(0);

  return {
    registry,
    relay: {
      leading: (is) => (is ? leader.inc() : leader.dec()),
      claimed: (events, seconds, bytes) => {
        claim.observe(seconds);
        if (events > 0) batchBytes.observe(bytes);
      },
      published: (events, result, seconds) => {
        batches.inc();
        batchSize.observe(events);
        published.inc(result.published);
        duplicates.inc(result.duplicates);
        publish.observe(seconds);
      },
      deadLettered: (eventType) => dead.inc({ event_type: eventType }),
      stepFailed: () => retries.inc({ kind: 'batch' }),
    },
    healing: {
      audited: (n) => {
        audits.inc();
        behind.set(n);
      },
      healed: (stream, entries) => {
        heals.inc({ stream });
        healed.inc({ stream }, entries);
      },
    },
    redis: (c) => {
      redisUsed.set(c.usedBytes);
      redisMax.set(c.maxBytes);
      redisEvicting.set(evicting(c) ? 1 : 0);
      redisOom.set(outOfMemory(c) ? 1 : 0);
      redisEvicted.set(c.evictedKeys);
    },
    attemptFailed: (willRetry) => {
      if (willRetry) retries.inc({ kind: 'attempt' });
    },
    trimmed: (stream, entries) => {
      if (entries > 0) trims.inc({ stream }, entries);
    },
    trimFailed: () => trimErrors.inc(),
  };
}
