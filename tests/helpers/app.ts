/**
 * The app under test, built exactly as `server.ts` builds it (same pool, Redis client and
 * `buildApp`), against the test file's own database, with a silent logger.
 */
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { createRedis } from '../../src/redis.js';
import { useTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: FastifyInstance;
  /** A pool on the same database, for asserting the rows a request wrote. */
  db: pg.Pool;
  redis: Redis;
  config: Config;
  close(): Promise<void>;
}

/**
 * Builds the app on `databaseUrl`; `env` is read by `loadConfig` (NODE_ENV defaults to test).
 * The logger is silent unless one is given (a test that wants to see what the app logged).
 */
export async function buildTestApp(databaseUrl: string, env: NodeJS.ProcessEnv = {}, logger: Logger = pino({ level: 'silent' })): Promise<TestApp> {
  const config = loadConfig({ NODE_ENV: 'test', ...env, DATABASE_URL: databaseUrl, REDIS_URL: inject('redisUrl') });
  // 4 connections, or L01_PG_POOL_SIZE as the test gives it (and its connect timeout), as server.ts sizes the pool.
  const db = createPool({
    url: databaseUrl, size: env.L01_PG_POOL_SIZE ? config.L01_PG_POOL_SIZE : 4, timeoutMs: 10_000,
    connectTimeoutMs: env.L01_PG_CONNECT_TIMEOUT_MS ? config.L01_PG_CONNECT_TIMEOUT_MS : undefined, name: 'l01-test',
  }, logger);
  // As server.ts: GETs read the replica when DATABASE_READ_URL names one.
  const readDb = config.DATABASE_READ_URL ? createPool({ url: config.DATABASE_READ_URL, size: 4, timeoutMs: 10_000, name: 'l01-test-reads' }, logger) : undefined;
  const redis = createRedis(config.REDIS_URL, logger, 'l01-test');
  // The client refuses commands until connected (no offline queue): readiness would say 503.
  if (redis.status !== 'ready') await once(redis, 'ready');
  const app = await buildApp({ config, db, readDb, redis, logger });
  await app.ready();
  return {
    app,
    db,
    redis,
    config,
    async close() {
      await app.close();
      await db.end();
      await readDb?.end();
      redis.disconnect();
    },
  };
}

export type TestContext = TestApp & { database: TestDatabase };

/**
 * A fresh database and an app on it for the whole file. Returns a handle whose fields are
 * filled by `beforeAll`; read them inside tests and hooks, never at collection time.
 */
export function useTestApp(env: NodeJS.ProcessEnv = {}, logger?: Logger): TestContext {
  const database = useTestDatabase();
  const ctx = { database } as TestContext;
  beforeAll(async () => {
    Object.assign(ctx, await buildTestApp(database.url, env, logger));
  });
  afterAll(async () => {
    await ctx.close?.();
  });
  return ctx;
}
