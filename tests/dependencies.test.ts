/**
 * A dependency that does not answer: the API says 503 (problem details, Retry-After) and
 * readiness names the dependency, instead of hanging or answering 500. The servers here are
 * addresses where nothing listens; the shared servers are never touched.
 */
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { createRedis } from '../src/redis.js';
import { useTestDatabase } from './helpers/database.js';
import { AUTH, expectProblem } from './helpers/http.js';

const NOWHERE_POSTGRES = 'postgres://postgres@127.0.0.1:1/l01';
const NOWHERE_REDIS = 'redis://127.0.0.1:1';
const database = useTestDatabase();

async function appWith(databaseUrl: string, redisUrl: string, env: NodeJS.ProcessEnv = {}) {
  const logger = pino({ level: 'silent' });
  const db: pg.Pool = createPool({ url: databaseUrl, size: 2, timeoutMs: 2000, name: 'l01-test-deps' }, logger);
  const redis: Redis = createRedis(redisUrl, logger, 'l01-test-deps');
  if (redisUrl !== NOWHERE_REDIS && redis.status !== 'ready') await once(redis, 'ready');
  const app = await buildApp({ config: loadConfig({ NODE_ENV: 'test', REDIS_URL: redisUrl, ...env }), db, redis, logger });
  await app.ready();
  return { app, close: async () => (await app.close(), await db.end(), redis.disconnect()) };
}

describe('Postgres unreachable', () => {
  let app: FastifyInstance;
  let close: () => Promise<unknown>;
  beforeAll(async () => {
    ({ app, close } = await appWith(NOWHERE_POSTGRES, inject('redisUrl')));
  });
  afterAll(async () => close?.());

  it.each([
    ['GET', '/api/agents'],
    ['GET', '/api/agents/00000000-0000-4000-8000-000000000001'],
    ['GET', '/api/events'],
  ])('%s %s → 503 with Retry-After', async (method, url) => {
    const res = await app.inject({ method: method as 'GET', url, headers: AUTH });
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body).not.toContain('ECONNREFUSED');
  });

  it('POST → 503, not 500', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/agents', headers: AUTH, payload: { name: 'a', agent_type: 'b' } });
    expectProblem(res, 503);
  });

  it('/health/ready → 503 naming the database; /health/live still 200', async () => {
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unhealthy', checks: { database: 'unhealthy', redis: 'healthy' } });
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});

describe('Redis unreachable', () => {
  let app: FastifyInstance;
  let close: () => Promise<unknown>;
  beforeAll(async () => {
    ({ app, close } = await appWith(database.url, NOWHERE_REDIS));
  });
  afterAll(async () => close?.());

  it('/health/ready → 503 naming redis', async () => {
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unhealthy', checks: { database: 'healthy', redis: 'unhealthy' } });
  });

  it('writes still commit: Postgres is the source of truth, the outbox holds the events', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/agents', headers: AUTH, payload: { name: 'a', agent_type: 'b' } });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('rate limits counted in Redis (several API processes) let requests through rather than refuse them', async () => {
    const shared = await appWith(database.url, NOWHERE_REDIS, { L01_RATE_LIMIT_STORE: 'redis', L01_RATE_LIMIT_MAX: '1' });
    try {
      for (const name of ['first', 'second']) {
        const res = await shared.app.inject({ method: 'POST', url: '/api/agents', headers: AUTH, payload: { name, agent_type: 'b' } });
        expect(res.statusCode, res.body).toBe(201);
      }
    } finally {
      await shared.close();
    }
  });
});
