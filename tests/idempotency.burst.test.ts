/**
 * A burst of writes with an Idempotency-Key (the typed client keys every write) on a small
 * pool with the service's connect timeout: keyed requests take turns on the connections they
 * may hold (pool size − 2), so readiness and unkeyed writes keep answering, and every keyed
 * write is answered 201 (or, past its wait, 503 to retry with the same key), never 500.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { createRedis } from '../src/redis.js';
import { useTestDatabase } from './helpers/database.js';
import { DEV_TOKEN } from './helpers/http.js';

const database = useTestDatabase();
let app: FastifyInstance;
let db: pg.Pool;
let redis: Redis;
beforeAll(async () => {
  const log = pino({ level: 'silent' });
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, REDIS_URL: inject('redisUrl') });
  // As server.ts builds it, scaled down: 4 connections, the default 1.5 s to get one.
  db = createPool({ url: database.url, size: 4, timeoutMs: 10_000, connectTimeoutMs: 1500, name: 'l01-test-burst' }, log);
  redis = createRedis(config.REDIS_URL, log, 'l01-test-burst');
  if (redis.status !== 'ready') await once(redis, 'ready');
  app = await buildApp({ config, db, redis, logger: log });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.end();
  redis?.disconnect();
});

const create = (keyed: boolean) => app.inject({
  method: 'POST', url: '/api/agents', payload: { name: 'burst', agent_type: keyed ? 'keyed' : 'plain' },
  headers: { authorization: `Bearer ${DEV_TOKEN}`, 'content-type': 'application/json', ...(keyed ? { 'idempotency-key': randomUUID() } : {}) },
});

describe('a burst of keyed writes', () => {
  it('leaves connections for readiness and unkeyed writes', async () => {
    const statuses: Record<number, number> = {};
    // Keyed requests wait for their turn, not in the pool's queue, where everyone else waits too.
    let poolQueue = 0;
    const sampler = setInterval(() => (poolQueue = Math.max(poolQueue, db.waitingCount)), 1);
    const keyed = Promise.all(Array.from({ length: 400 }, async () => {
      const r = await create(true);
      statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
    }));
    // While the burst runs (its requests queued for connections by then): readiness and a plain write get one.
    await new Promise((r) => setTimeout(r, 300));
    const [ready, plain] = await Promise.all([app.inject({ method: 'GET', url: '/health/ready' }), create(false)]);
    await keyed;
    clearInterval(sampler);
    expect(poolQueue).toBeLessThanOrEqual(2);
    expect(ready.statusCode, ready.body).toBe(200);
    expect(plain.statusCode, plain.body).toBe(201);
    expect(Object.keys(statuses).filter((s) => s !== '201' && s !== '503')).toEqual([]);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM agents WHERE agent_type = 'keyed'`);
    expect(rows[0]!.n).toBe(statuses[201]);
  }, 60_000);
});
