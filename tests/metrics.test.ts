/**
 * The API's /metrics against the real PostgreSQL and Redis: who may read it, HTTP
 * durations by route pattern, process metrics, the pipeline gauges read at scrape time,
 * and what a scrape says while a dependency is down.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { claimBatch, deadLetter } from '../src/outbox/sql.js';
import { ZERO_ENTRY } from '../src/wire/entry-id.js';
import { entityStream } from '../src/wire/names.js';
import { publishEvents } from '../src/workers/publish.js';
import { createRedis } from '../src/redis.js';
import { useTestApp } from './helpers/app.js';
import { deleteKeys, parseMetrics, testPrefix, waitFor } from './metrics.support.js';

const userKey = 'metrics-test-user-key-0123456789abcdef';
const adminKey = 'metrics-test-admin-key-0123456789abcdef';
const metricsKey = 'metrics-test-scrape-only-0123456789abcdef';
const prefix = testPrefix('metrics');
const t = useTestApp({ L01_API_KEY: userKey, L01_ADMIN_API_KEY: adminKey, L01_METRICS_TOKEN: metricsKey, L01_REDIS_PREFIX: prefix });

afterAll(async () => {
  if (t.redis) await deleteKeys(t.redis, prefix);
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function scrape(token = metricsKey): Promise<Map<string, number>> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return parseMetrics(res.body);
}

/** The value of the series `name` whose labels include all of `labels`. */
function value(m: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const [series, v] of m) {
    const [n, rest = ''] = series.split('{');
    if (n !== name) continue;
    if (Object.entries(labels).every(([k, l]) => rest.includes(`${k}="${l}"`))) return v;
  }
  return undefined;
}

describe('protection', () => {
  it('refuses a missing or wrong token (401) and a user token (403), as problem details', async () => {
    for (const [headers, status] of [[{}, 401], [bearer('wrong'), 401], [bearer(userKey), 403]] as const) {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).not.toMatch(/http_request_duration_seconds/);
    }
  });

  it('answers the admin token and L01_METRICS_TOKEN, in the Prometheus text format', async () => {
    for (const token of [adminKey, metricsKey]) {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    }
  });

  it('L01_METRICS_TOKEN opens /metrics only', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/agents', headers: bearer(metricsKey) });
    expect(res.statusCode).toBe(401);
  });
});

describe('HTTP request durations', () => {
  it('are labelled by route pattern and status, never by the raw URL', async () => {
    const id = randomUUID();
    await t.app.inject({ method: 'GET', url: `/api/agents/${id}`, headers: bearer(userKey) });
    await t.app.inject({ method: 'GET', url: '/api/agents?limit=1', headers: bearer(userKey) });
    await t.app.inject({ method: 'GET', url: `/no-such-route/${id}` });
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(metricsKey) });
    expect(res.body).not.toContain(id);
    const m = parseMetrics(res.body);
    expect(value(m, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/agents/:id', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'http_request_duration_seconds_count', { route: '/api/agents', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'http_request_duration_seconds_bucket', { route: '/api/agents', le: '+Inf' })).toBeGreaterThanOrEqual(1);
  });

  it('come with the Node process metrics', async () => {
    const m = await scrape();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(value(m, name), name).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('pipeline gauges, read at scrape time', () => {
  it('outbox backlog, oldest unpublished age, checkpoint lag and dead letters by status', async () => {
    const before = await scrape();
    expect(value(before, 'l01_outbox_backlog')).toBe(0);
    expect(value(before, 'l01_relay_checkpoint_lag_seconds')).toBe(0);
    expect(value(before, 'l01_metrics_source_up', { source: 'postgres' })).toBe(1);

    for (const name of ['Scraped', 'Poisoned']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/agents', headers: bearer(userKey), payload: { name, agent_type: 'metrics' } });
      expect(res.statusCode).toBe(201);
    }
    await new Promise((r) => setTimeout(r, 1100));
    const waiting = await scrape();
    expect(value(waiting, 'l01_outbox_backlog')).toBe(2);
    expect(value(waiting, 'l01_outbox_oldest_unpublished_age_seconds')).toBeGreaterThanOrEqual(1);
    expect(value(waiting, 'l01_relay_checkpoint_lag_seconds')).toBeGreaterThanOrEqual(1);

    // Dead-letter the second, as the relay does after the last attempt.
    // Claimable once every older transaction on the server has ended (other test files run too).
    const batch = await waitFor(async () => {
      const b = await claimBatch(t.db, 10, ZERO_ENTRY);
      return b.length === 2 && b;
    }, 20_000, 'both outbox rows to be claimable');
    await deadLetter(t.db, batch[1]!, 8, 'message of 9000 bytes exceeds L01_MAX_MESSAGE_BYTES (4096)');
    const after = await scrape();
    expect(value(after, 'l01_outbox_backlog')).toBe(1);
    expect(value(after, 'l01_dead_letters', { status: 'dead' })).toBe(1);
    expect(value(after, 'l01_dead_letters', { status: 'retrying' })).toBe(0);
    expect(value(after, 'l01_relay_checkpoint_published')).toBe(0);
  });

  it('the age of a long-open transaction (the relay cannot pass it)', async () => {
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
      await new Promise((r) => setTimeout(r, 1100));
      expect(value(await scrape(), 'l01_oldest_open_transaction_seconds')).toBeGreaterThanOrEqual(1);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  it('stream length, and lag and pending per consumer group (XINFO GROUPS)', async () => {
    const names = { prefix, channelPrefix: prefix };
    const stream = entityStream(names, 'agent');
    const events = [1, 2, 3].map((n) => ({ id: `${900 + n}-${n}`, entityType: 'agent', eventType: 'agent_created', message: JSON.stringify({ n }) }));
    await publishEvents(t.redis, names, events);
    await t.redis.xgroup('CREATE', stream, 'projector', '0');
    await t.redis.xgroup('CREATE', stream, 'auditor', '0');
    await t.redis.xreadgroup('GROUP', 'projector', 'c1', 'COUNT', 1, 'STREAMS', stream, '>');

    const m = await scrape();
    expect(value(m, 'l01_stream_length', { stream })).toBe(3);
    expect(value(m, 'l01_stream_consumer_group_lag', { stream, group: 'projector' })).toBe(2);
    expect(value(m, 'l01_stream_consumer_group_pending', { stream, group: 'projector' })).toBe(1);
    expect(value(m, 'l01_stream_consumer_group_lag', { stream, group: 'auditor' })).toBe(3);
    expect(value(m, 'l01_metrics_source_up', { source: 'redis' })).toBe(1);
    // Streams that do not exist are not reported.
    expect(value(m, 'l01_stream_length', { stream: entityStream(names, 'saga_step') })).toBeUndefined();
  });
});

describe('with Postgres and Redis hanging (a socket that accepts and never answers)', () => {
  const logger = pino({ level: 'silent' });
  const sockets = new Set<Socket>();
  const blackHole = createServer((s) => sockets.add(s));
  let app: Awaited<ReturnType<typeof buildApp>>;
  let db: pg.Pool;
  let redis: ReturnType<typeof createRedis>;
  beforeAll(async () => {
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
    const { port } = blackHole.address() as AddressInfo;
    db = createPool({ url: `postgres://nobody@127.0.0.1:${port}/none`, size: 1, timeoutMs: 10_000, name: 'l01-test-hang' }, logger);
    redis = createRedis(`redis://127.0.0.1:${port}`, logger, 'l01-test-hang', { enableOfflineQueue: true, commandTimeout: 10_000, connectTimeout: 10_000 });
    app = await buildApp({ config: loadConfig({ NODE_ENV: 'test', L01_ADMIN_API_KEY: adminKey }), db, redis, logger });
  });
  afterAll(async () => {
    await app.close();
    redis.disconnect();
    for (const s of sockets) s.destroy();
    blackHole.close();
    await db.end().catch(() => {});
  });

  it('a scrape answers after the per-source timeout (1 s), not the dependency timeouts', async () => {
    const started = Date.now();
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(adminKey) });
    const took = Date.now() - started;
    expect(res.statusCode).toBe(200);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3000);
    const m = parseMetrics(res.body);
    expect(value(m, 'l01_metrics_source_up', { source: 'postgres' })).toBe(0);
    expect(value(m, 'l01_metrics_source_up', { source: 'redis' })).toBe(0);
  });
});

describe('with Postgres and Redis unreachable', () => {
  const logger = pino({ level: 'silent' });
  const db = createPool({ url: 'postgres://nobody@127.0.0.1:1/none', size: 1, timeoutMs: 5000, name: 'l01-test-down' }, logger);
  const redis = createRedis('redis://127.0.0.1:1', logger, 'l01-test-down', { lazyConnect: true, retryStrategy: () => null });
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    app = await buildApp({ config: loadConfig({ NODE_ENV: 'test', L01_ADMIN_API_KEY: adminKey }), db, redis, logger });
  });
  afterAll(async () => {
    await app.close();
    await db.end();
    redis.disconnect();
  });

  it('a scrape still answers, fast, saying which source is down; no stale numbers', async () => {
    const started = Date.now();
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(adminKey) });
    expect(res.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(2500);
    const m = parseMetrics(res.body);
    expect(value(m, 'l01_metrics_source_up', { source: 'postgres' })).toBe(0);
    expect(value(m, 'l01_metrics_source_up', { source: 'redis' })).toBe(0);
    expect(value(m, 'l01_outbox_backlog')).toBeNaN();
    expect(value(m, 'l01_stream_length')).toBeUndefined();
    expect(value(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
