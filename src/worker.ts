/**
 * The relay worker process: `npm run start:worker`. The one holding a partition's advisory
 * lock runs that partition's relay, which feeds BullMQ publishers (L01_RELAY_PARTITIONS; one
 * by default, where every worker runs a publisher of the one queue). The composition root of the relay:
 * outbox/ is its Postgres side (claim, complete, dead letters, leadership, partitions,
 * wake-up), workers/ its BullMQ side (queue, publish job, Lua, retention).
 */
import closeWithGrace from 'close-with-grace';
import { Cluster } from 'ioredis';
import { entities } from './db/entities/index.js';
import { createPool } from './db/pool.js';
import { startProcess } from './entry.js';
import { BatchHandoff } from './outbox/batches.js';
import { StreamHealer } from './outbox/healing.js';
import { runAsLeader, type LeaderContext } from './outbox/leadership.js';
import { PartitionLeases } from './outbox/partitions.js';
import { Relay } from './outbox/relay.js';
import { ensurePartitionIndex } from './outbox/plans.js';
import { createRedis } from './redis.js';
import { stopWithSupervisor } from './supervised.js';
import { eventStreamKeys, globalStream, partitionNames, partitionsOf, type Partition } from './wire/names.js';
import { createWorkerMetrics } from './workers/metrics.js';
import { startMetricsServer } from './workers/metrics-server.js';
import { createJobRunner } from './workers/publish-job.js';
import { createPublishProcessor } from './workers/publisher.js';
import { createPublishQueue, createPublishWorker, createQueueEvents, PUBLISH_QUEUE, publishQueueName } from './workers/queue.js';
import { checkRedisPolicy } from './workers/redis-policy.js';
import { watchRedis } from './workers/redis-watch.js';
import { StreamTrimmer } from './workers/retention.js';

const { config, log, tracing } = await startProcess('l01-worker');

const db = createPool({ url: config.DATABASE_URL, size: 4, timeoutMs: config.L01_PG_TIMEOUT_MS, name: 'l01-worker' }, log);
// Publishing fails fast while Redis is away (no offline queue): the job fails, BullMQ or the relay retries.
const redis = createRedis(config, log, 'l01-publisher', { commandTimeout: 10_000 });
await checkRedisPolicy(redis, log);

const names = { prefix: config.L01_REDIS_PREFIX, channelPrefix: config.L01_CHANNEL_PREFIX, legacyChannel: config.L01_LEGACY_CHANNEL };
const legacy = names.legacyChannel !== '';
// L01_RELAY_BATCH_BYTES bounds the payloads and metadata a batch holds; while the original's
// channel is on, half of it (each payload travelled in both shapes when the budget was
// measured; since publish.lua writes the original's from the message, once). It bounds the
// worker, whatever it leads:
// each of P partitions gets 1/P of it (a worker leading all four of 4 partitions held 171–182
// MB at its peak draining 30k small events with 4 MB each, 138–145 MB with one partition).
const bounds = {
  bytes: Math.floor(config.L01_RELAY_BATCH_BYTES / (legacy ? 2 : 1) / config.L01_RELAY_PARTITIONS),
  maxMessageBytes: config.L01_MAX_MESSAGE_BYTES,
  legacy,
};
const batches = new BatchHandoff(db, bounds);
const processor = createPublishProcessor({
  redis, names, maxMessageBytes: config.L01_MAX_MESSAGE_BYTES, load: (job) => batches.events(job),
  ack: { replicas: config.L01_REDIS_WAIT_REPLICAS, timeoutMs: config.L01_REDIS_WAIT_TIMEOUT_MS },
});
const metrics = createWorkerMetrics();
// BullMQ reconnects by itself; its connection errors are expected while Redis is away.
const quiet = (component: string) => (err: Error) => log.debug({ err: err.message, component }, 'bullmq connection error');

/** A BullMQ worker on a publish queue, running `processor`. */
function publisher(name: string) {
  const w = createPublishWorker(config, processor, name);
  w.on('error', quiet('worker'));
  // An UnrecoverableError (an event failing on its own) is not retried, whatever attempts are left.
  w.on('failed', (job, err) => metrics.attemptFailed(job !== undefined && err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1)));
  return w;
}
const count = config.L01_RELAY_PARTITIONS;
// A partition's claims and completions walk an index of their own (outbox/sql.ts).
await ensurePartitionIndex(db, count);
// One partition: one queue whose jobs any worker's publisher takes (a standby's too). More:
// a queue per partition, taken only by the partition leader's own publisher (started with
// its term, below), so its batches never travel through the outbox a second time.
const sharedPublisher = count === 1 ? publisher(PUBLISH_QUEUE) : null;
const metricsServer = config.L01_WORKER_METRICS_PORT > 0
  ? await startMetricsServer({ registry: metrics.registry, host: config.L01_WORKER_METRICS_HOST, port: config.L01_WORKER_METRICS_PORT, log })
  : null;

const stop = new AbortController();
const retention = { retentionMs: config.L01_STREAM_RETENTION_MS, maxLen: config.L01_STREAM_MAX_LEN };

/** The relays leading now (audits are requested of them). */
const leadingRelays = new Set<Relay>();
const requestAudit = () => leadingRelays.forEach((r) => r.requestAudit());
// A reconnected Redis may be a different one (restarted empty, or from an older snapshot);
// in a cluster, a node dropped is a failover, and the promoted replica may lack what its master acknowledged.
redis.on('ready', requestAudit);
if (redis instanceof Cluster) redis.on('-node', requestAudit);
// Policy and memory, watched by every worker for as long as it runs (not only at start).
const watching = watchRedis({
  redis, log, intervalMs: config.L01_REDIS_WATCH_INTERVAL_MS, onCondition: metrics.redis, onEviction: requestAudit,
}, stop.signal);

/**
 * One term of leading a partition: its relay, healer and retention over the partition's
 * streams, its queue and (with partitions) its own publisher. All of it is made for the
 * term and closed after, so a worker of P partitions holds connections only for those it
 * leads: per led partition a Postgres connection and, with partitions, 4 Redis ones
 * (queue, queue events, the publisher's two).
 */
async function leadPartition(partition: Partition, ctx: LeaderContext): Promise<void> {
  const own = partitionNames(names, partition);
  const plog = count === 1 ? log : log.child({ partition: partition.index });
  const queueName = publishQueueName(partition);
  const queue = createPublishQueue(config, queueName);
  const queueEvents = createQueueEvents(config, queueName);
  queue.on('error', quiet('queue'));
  queueEvents.on('error', quiet('queue-events'));
  const publishing = sharedPublisher ? null : publisher(queueName);
  const healer = new StreamHealer({
    db, redis, names: own, partition, log: plog, batchSize: config.L01_RELAY_BATCH_SIZE, bounds, retention, metrics: metrics.healing,
  });
  const relay = new Relay({
    db, batches, log: plog, partition,
    // A publish job takes milliseconds; one still running after 3 s was orphaned by a lost reply.
    publish: createJobRunner({ queue, queueEvents, stuckMs: 3000, log: plog }),
    batchSize: config.L01_RELAY_BATCH_SIZE,
    bounds,
    pollMs: config.L01_RELAY_POLL_MS,
    lingerMs: config.L01_RELAY_LINGER_MS,
    lagWarnMs: config.L01_RELAY_LAG_WARN_MS,
    healer,
    auditMs: config.L01_STREAM_AUDIT_INTERVAL_MS,
    metrics: metrics.relay,
    destination: globalStream(own),
  });
  // Stream retention runs on the partition's leader only, while it leads (off unless configured).
  const trimmer = new StreamTrimmer({
    redis, log: plog,
    streams: eventStreamKeys(own, entities.map((e) => e.singular)),
    policy: retention,
    intervalMs: config.L01_STREAM_TRIM_INTERVAL_MS,
    onTrim: metrics.trimmed,
    onError: metrics.trimFailed,
  });
  leadingRelays.add(relay);
  try {
    // Its completion events are read from when it is ready: a first batch's could be missed before (found a second later).
    await queueEvents.waitUntilReady();
    await Promise.all([relay.lead(ctx), trimmer.run(ctx.signal)]);
  } finally {
    leadingRelays.delete(relay);
    await publishing?.close();
    await Promise.allSettled([queue.close(), queueEvents.close()]);
  }
}

// The workers share the partitions out (outbox/partitions.ts); with one, each worker's share is
// it, so every worker stands by for it as before.
const leases = new PartitionLeases({ url: config.DATABASE_URL, count, log, retryMs: 1000, orphanMs: 5000, stop: stop.signal });
const leading = Promise.all([
  leases.run(),
  ...partitionsOf(count).map((partition) => runAsLeader(
    {
      url: config.DATABASE_URL, log, retryMs: 1000, heartbeatMs: 2000, stop: stop.signal, partition,
      mayLead: () => leases.mayLead(partition.index),
      onMiss: () => leases.missed(partition.index),
      onTerm: (release) => leases.term(partition.index, release),
    },
    (ctx) => leadPartition(partition, ctx),
  )),
]);

stopWithSupervisor();
closeWithGrace({ delay: 10_000, logger: log }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'closing after an error');
  else log.info({ signal }, 'shutting down');
  // Stop claiming first; a batch in flight either completes or stays in the outbox for the next leader.
  stop.abort();
  await Promise.all([leading, watching]);
  await sharedPublisher?.close();
  await Promise.allSettled([db.end(), redis.quit(), metricsServer?.close()]);
  await tracing.shutdown();
});
log.info('worker started');
