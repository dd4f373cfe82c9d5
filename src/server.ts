/** The API process: `npm run start:api`. Builds the app from its dependencies and serves it. */
import cluster from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './api/app.js';
import { createPool } from './db/pool.js';
import { startProcess } from './entry.js';
import { stopWithSupervisor } from './supervised.js';
import { partitionsOf } from './wire/names.js';
import { createPublishQueue, publishQueueName } from './workers/queue.js';
import { createCommitSignal } from './outbox/signal.js';
import { createRedis } from './redis.js';

const { config, log, tracing } = await startProcess('l01-api');

const db = createPool({ url: config.DATABASE_URL, size: config.L01_PG_POOL_SIZE, timeoutMs: config.L01_PG_TIMEOUT_MS, connectTimeoutMs: config.L01_PG_CONNECT_TIMEOUT_MS, name: 'l01-api' }, log);
const readDb = config.DATABASE_READ_URL
  ? createPool({ url: config.DATABASE_READ_URL, size: config.L01_PG_POOL_SIZE, timeoutMs: config.L01_PG_TIMEOUT_MS, connectTimeoutMs: config.L01_PG_CONNECT_TIMEOUT_MS, name: 'l01-api-reads' }, log)
  : undefined;
const redis = createRedis(config, log, 'l01-api');
// The dashboard's read-only view of the publish queues, one per relay partition (/admin/queues); the workers own their jobs.
const publishQueues = partitionsOf(config.L01_RELAY_PARTITIONS).map((p) => createPublishQueue(config, publishQueueName(p)));
for (const q of publishQueues) q.on('error', (err) => log.debug({ err: err.message }, 'bullmq connection error (dashboard)'));
const app = await buildApp({ config, db, readDb, redis, logger: log, onCommit: createCommitSignal(db), publishQueues });

stopWithSupervisor();
// One of several API processes (supervisor.ts): a Ctrl-C to the terminal's process group
// reaches it as well as the supervisor, which then sends SIGTERM; stop once, on that.
if (cluster.isWorker) process.on('SIGINT', () => {});
closeWithGrace({ delay: 10_000, logger: log, skip: cluster.isWorker ? ['SIGINT'] : [] }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'closing after an error');
  else log.info({ signal }, 'shutting down');
  await app.close();
  await Promise.allSettled([db.end(), readDb?.end(), redis.quit(), ...publishQueues.map((q) => q.close())]);
  await tracing.shutdown();
});

await app.listen({ host: config.L01_HOST, port: config.L01_PORT });
