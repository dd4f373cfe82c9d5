/**
 * Authentication, checked against the generated OpenAPI document: EVERY operation under
 * /api refuses a missing or wrong bearer token, so a route added later is covered without
 * touching this file. Health and docs stay open.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { entities } from '../src/db/entities/index.js';
import { createRedis } from '../src/redis.js';
import { buildTestApp, useTestApp, type TestApp } from './helpers/app.js';
import { expectProblem } from './helpers/http.js';

interface Operation {
  method: string;
  path: string;
  security?: unknown[];
  'x-required-scope'?: string;
}

/**
 * The OpenAPI document of the app, read at collection time so each operation becomes its
 * own test. Building the document needs no server: the pool and Redis client never connect.
 */
async function openApiOperations(): Promise<Operation[]> {
  const logger = pino({ level: 'silent' });
  const db = new pg.Pool({ connectionString: 'postgres://unused@127.0.0.1:1/unused' });
  const redis = createRedis(inject('redisUrl'), logger, 'l01-test-docs', { lazyConnect: true });
  const app = await buildApp({ config: loadConfig({ NODE_ENV: 'test' }), db, redis, logger });
  try {
    await app.ready();
    const doc = app.swagger() as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> };
    return Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
    );
  } finally {
    await app.close();
    await db.end();
    redis.disconnect();
  }
}

const operations = await openApiOperations();
const apiOperations = operations.filter((op) => op.path.startsWith('/api/'));

const t = useTestApp();

/** A concrete URL for a documented path: every path parameter gets a valid, unknown id. */
const urlOf = (path: string) => path.replace(/\{[^}]+\}/g, () => randomUUID());

function call(app: FastifyInstance, op: Operation, authorization?: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: op.method as 'GET',
    url: urlOf(op.path),
    headers: authorization === undefined ? {} : { authorization },
  });
}

function expectUnauthorized(res: LightMyRequestResponse): void {
  expectProblem(res, 401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
}

describe('the OpenAPI document', () => {
  it('lists every entity route, the nested routes and the events API', () => {
    const paths = new Set(apiOperations.map((op) => `${op.method} ${op.path}`));
    for (const e of entities) {
      for (const route of ['GET /api/<t>', 'POST /api/<t>', 'GET /api/<t>/{id}', 'PUT /api/<t>/{id}', 'PATCH /api/<t>/{id}', 'DELETE /api/<t>/{id}', 'GET /api/<t>/{id}/history']) {
        expect(paths).toContain(route.replace('<t>', e.table));
      }
      for (const [, parent] of Object.entries(e.references)) expect(paths).toContain(`GET /api/${parent}/{id}/${e.table}`);
    }
    expect(paths).toContain('GET /api/events');
    expect(paths).toContain('GET /api/events/{id}');
  });

  it.each(apiOperations)('$method $path declares bearer auth', (op) => {
    expect(op.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe.each(apiOperations)('$method $path', (op) => {
  it('refuses a missing token with 401', async () => {
    expectUnauthorized(await call(t.app, op));
    expectUnauthorized(await call(t.app, op, 'Bearer'));
    expectUnauthorized(await call(t.app, op, 'Basic dGVzdF90b2tlbl8xMjM6'));
  });

  it('refuses a wrong token with 401', async () => {
    expectUnauthorized(await call(t.app, op, 'Bearer wrong-token'));
    expectUnauthorized(await call(t.app, op, 'Bearer test_token_1234'));
    expectUnauthorized(await call(t.app, op, 'Bearer TEST_TOKEN_123'));
  });
});

describe('open routes', () => {
  it('GET /health/live answers without a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'healthy', timestamp: expect.any(String) });
  });

  it('GET /health/ready answers without a token, checking Postgres and Redis', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'healthy', checks: { database: 'healthy', redis: 'healthy' }, timestamp: expect.any(String) });
  });

  it('the docs page and the OpenAPI document answer without a token', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const doc = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json()).toMatchObject({ openapi: expect.stringMatching(/^3\./), components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } });
  });
});

describe('tokens', () => {
  it.each(['test_token_123', 'dev_key_local_ONLY'])('development token %s works outside production', async (token) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/agents', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('the scheme name is case-insensitive', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/agents', headers: { authorization: 'bearer test_token_123' } });
    expect(res.statusCode).toBe(200);
  });

  describe('in production', () => {
    const strong = 'k3y-for-production-0123456789abcdefXYZ';
    const second = 'another-production-key-9876543210zyxwvu';
    let prod: TestApp;
    beforeAll(async () => {
      prod = await buildTestApp(t.database.url, { NODE_ENV: 'production', L01_API_KEY: strong, L01_API_KEYS: ` ${second} ,` });
    });
    afterAll(async () => {
      await prod?.close();
    });

    it.each(['test_token_123', 'dev_key_local_ONLY'])('development token %s is refused', async (token) => {
      expectUnauthorized(await prod.app.inject({ method: 'GET', url: '/api/agents', headers: { authorization: `Bearer ${token}` } }));
    });

    it('the configured keys (L01_API_KEY and each of L01_API_KEYS) work', async () => {
      for (const key of [strong, second]) {
        const res = await prod.app.inject({ method: 'GET', url: '/api/agents', headers: { authorization: `Bearer ${key}` } });
        expect(res.statusCode, res.body).toBe(200);
      }
    });
  });
});

describe('scopes', () => {
  const userKey = 'a-user-scoped-key-for-the-scope-tests-0001';
  const adminOperations = apiOperations.filter((op) => op['x-required-scope'] === 'admin');
  let scoped: TestApp;
  beforeAll(async () => {
    scoped = await buildTestApp(t.database.url, { L01_API_KEY: userKey });
  });
  afterAll(async () => {
    await scoped?.close();
  });

  it('every /api operation documents the scope it needs', () => {
    for (const op of apiOperations) expect(['user', 'admin'], `${op.method} ${op.path}`).toContain(op['x-required-scope']);
  });

  it('a user token reads entities', async () => {
    const res = await scoped.app.inject({ method: 'GET', url: '/api/agents', headers: { authorization: `Bearer ${userKey}` } });
    expect(res.statusCode).toBe(200);
  });

  it.runIf(adminOperations.length > 0).each(adminOperations)('$method $path refuses a user token with 403', async (op) => {
    const res = await call(scoped.app, op, `Bearer ${userKey}`);
    expectProblem(res, 403);
  });
});
