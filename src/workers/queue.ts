/**
 * The BullMQ queue between the relay leader and the publishers. One job = one ordered
 * batch, named by its outbox keys (the messages travel outside BullMQ: outbox/batches.ts);
 * the leader adds the next job only after the previous one finished, so per-entity order
 * holds across retries. BullMQ gives the retries (exponential backoff with jitter), the
 * stalled-job recovery when a publisher dies mid-job, and the failed set that the
 * dashboard's queue board shows.
 */
import { Queue, QueueEvents, Worker, type Job, type Processor } from 'bullmq';
import type { Config } from '../config.js';
import { openRedis, type RedisClient } from '../redis.js';
import type { EntryId } from '../wire/entry-id.js';
import type { Partition } from '../wire/names.js';
import type { Behind, StreamFloors } from './publish.js';

export const PUBLISH_QUEUE = 'publish';

/**
 * The queue of a relay partition: `publish` with one partition (every worker's publisher
 * takes its jobs), `publish-p2` with more, whose jobs only the partition leader's own
 * process takes (worker.ts): the batch is then always in its memory (outbox/batches.ts),
 * never read back from the outbox by another process.
 */
export const publishQueueName = (p: Partition): string => (p.count === 1 ? PUBLISH_QUEUE : `${PUBLISH_QUEUE}-p${p.index}`);

/** One batch, named by its outbox keys: the rows after `after` up to and including `last` (outbox/batches.ts). */
export interface PublishJob {
  after: EntryId;
  last: EntryId;
  count: number;
  /** The relay partition the batch is of (its streams, its rows); absent: the only one. */
  partition?: Partition;
  /**
   * Set by the publisher when an event of the batch fails on its own (too big, a stream
   * conflict), before it fails the attempt: the relay reads it back from the job, so the
   * event is named by data, not by parsing an error message.
   */
  poison?: { id: string; reason: string };
  /** What each stream must already have reached before this batch is appended (publish.lua refuses otherwise). */
  floors?: StreamFloors;
}
export interface PublishResult {
  published: number;
  duplicates: number;
  /** Nothing was written: these streams lost data and must be healed first (outbox/healing.ts). */
  behind?: Behind;
}

type QueueConfig = Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'L01_REDIS_PREFIX' | 'L01_RELAY_MAX_ATTEMPTS' | 'L01_RELAY_BACKOFF_MS' | 'L01_RELAY_LOCK_MS'>;

/**
 * BullMQ needs `maxRetriesPerRequest: null`: its blocking commands must wait out a Redis restart
 * (in a cluster, a failover). Its keys are under the service's prefix (`<prefix>bull:publish:…`),
 * so in cluster mode they carry its hash tag: BullMQ's scripts name several keys of a queue,
 * which a cluster accepts only in one slot.
 * The client gets an `error` listener of its own: BullMQ detaches its listener when its
 * blocked-read watchdog resets a connection during an outage, and ioredis then prints every
 * failed reconnect to stderr as an "Unhandled error event" stack trace. BullMQ still reports
 * the errors through the worker's, queue's and queue events' `error` events.
 *
 * In cluster mode the client has no ready check (`enableReadyCheck: false`). BullMQ recovers
 * a blocked connection (its watchdog, a failed BZPOPMIN or XREAD) by awaiting
 * `Cluster.connect()`, and ioredis never settles that promise when the ready check fails: it
 * disconnects, reconnects on its own and becomes ready, and the caller's promise is dropped
 * (redis/ioredis#709). During a failover the check fails often (CLUSTER INFO sent to the dead
 * master: "Connection is closed"; `cluster_state:fail` until the replica is promoted), so the
 * worker's fetch loop waited for good on a connection that was ready again, and every job
 * stayed in `wait`: "no news of job … after 30000 ms", again and again. Without the check,
 * `connect()` resolves once the slots are read; a command to a slot still failing over gets
 * CLUSTERDOWN or a closed connection, which ioredis retries and BullMQ handles like any
 * Redis error. Measured (2 CPUs, 4 busy loops, a 6-node cluster's master SIGKILLed 20 jobs
 * ahead of its cut-off replica, one job in flight at a time): with the check, 4 of 29
 * failovers delivered no job for as long as watched (45 s), the others their first job
 * 0.0–2.0 s after the promotion; without it, 28 of 28 delivered theirs 0.0–1.7 s after it.
 */
export function bullConnection(config: QueueConfig): RedisClient {
  const redis = openRedis(
    config,
    { maxRetriesPerRequest: null, connectTimeout: 3000, keepAlive: 5000, retryStrategy: (n) => Math.min(50 * 2 ** n, 2000) },
    { enableReadyCheck: false },
  );
  redis.on('error', () => {});
  return redis;
}

const prefix = (config: QueueConfig) => `${config.L01_REDIS_PREFIX}bull`;

export function createPublishQueue(config: QueueConfig, name = PUBLISH_QUEUE) {
  return new Queue<PublishJob, PublishResult>(name, {
    connection: bullConnection(config),
    prefix: prefix(config),
    defaultJobOptions: {
      attempts: config.L01_RELAY_MAX_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.L01_RELAY_BACKOFF_MS, jitter: 0.5 },
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 1000 },
    },
  });
}

export function createQueueEvents(config: QueueConfig, name = PUBLISH_QUEUE) {
  return new QueueEvents(name, { connection: bullConnection(config), prefix: prefix(config) });
}

export function createPublishWorker(config: QueueConfig, processor: Processor<PublishJob, PublishResult>, name = PUBLISH_QUEUE) {
  return new Worker<PublishJob, PublishResult>(name, processor, {
    connection: bullConnection(config),
    prefix: prefix(config),
    concurrency: 1,
    lockDuration: config.L01_RELAY_LOCK_MS,
    // A stall is a dead or frozen publisher, never the event's fault: always hand it on.
    maxStalledCount: 1_000_000,
    stalledInterval: Math.max(500, Math.floor(config.L01_RELAY_LOCK_MS / 2)),
    drainDelay: 1,
  });
}

export type PublishJobHandle = Job<PublishJob, PublishResult>;
