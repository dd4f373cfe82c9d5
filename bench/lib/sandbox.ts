/**
 * Each benchmark gets its own database (`l01_bench_<run>_<bench>`), Redis key and channel
 * prefix and HTTP port, so benchmarks neither see each other's events nor anyone else's on
 * the shared servers. Disposing drops that database and deletes only keys under that
 * prefix: the shared servers are never flushed, stopped or reconfigured.
 */
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { deferCleanup } from './cleanup.js';
import type { Options } from './options.js';

export interface Sandbox {
  dbName: string;
  databaseUrl: string;
  /** Key prefix (streams, BullMQ) and pub/sub channel prefix: the same string. */
  prefix: string;
  port: number;
  baseUrl: string;
  /** Environment of the service processes. */
  serviceEnv: NodeJS.ProcessEnv;
  redis: Redis;
  /** A pool on the benchmark's database, for baselines and checks (not used by the service). */
  db: pg.Pool;
  globalStream: string;
  dispose: () => Promise<void>;
}

export function withDatabase(serverUrl: string, dbName: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function adminQuery(opts: Options, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(opts.pgUrl, 'postgres'), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Deletes the keys under `prefix` (SCAN + UNLINK), never anything else. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export async function createSandbox(opts: Options, runId: string, bench: string): Promise<Sandbox> {
  const dbName = `l01_bench_${runId}_${bench}`;
  const prefix = `l01bench:${runId}:${bench}:`;
  const databaseUrl = withDatabase(opts.pgUrl, dbName);
  const port = await freePort();
  const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  db.on('error', () => {}); // a dropped database at the end must not crash the harness
  // Registered before anything exists, so an interruption at any point undoes what was made.
  const dispose = deferCleanup(`sandbox ${bench}`, async () => {
    await db.end().catch(() => {});
    try {
      if (redis.status === 'wait') await redis.connect();
      await deleteKeys(redis, prefix);
    } finally {
      redis.disconnect();
    }
    await adminQuery(opts, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  });
  // The service creates and migrates the database itself; creating it here lets the
  // harness own its lifetime.
  await adminQuery(opts, `CREATE DATABASE "${dbName}"`);
  await redis.connect();
  return {
    dbName,
    databaseUrl,
    prefix,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    serviceEnv: {
      ...process.env,
      NODE_ENV: 'development', // the development token test_token_123 is accepted
      DATABASE_URL: databaseUrl,
      REDIS_URL: opts.redisUrl,
      L01_HOST: '127.0.0.1',
      L01_PORT: String(port),
      LOG_LEVEL: opts.logLevel,
      L01_REDIS_PREFIX: prefix,
      L01_CHANNEL_PREFIX: prefix,
    },
    redis,
    db,
    globalStream: `${prefix}stream:events`,
    dispose,
  };
}
