/**
 * The worker's own /metrics, from the real worker process (`src/worker.ts`) relaying this
 * file's database into this file's Redis prefix: published events, batches, duplicates,
 * retries, dead letters, leadership, durations, and the retention it runs as leader.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startMetricsServer } from '../src/workers/metrics-server.js';
import { globalStream } from '../src/wire/names.js';
import { useTestApp } from './helpers/app.js';
import { deleteKeys, freePort, parseMetrics, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

const prefix = testPrefix('worker_metrics');
const t = useTestApp({ L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix });
const auth = { authorization: 'Bearer test_token_123' };
let worker: WorkerProcess | undefined;
let port: number;

afterAll(async () => {
  await worker?.stop();
  if (t.redis) await deleteKeys(t.redis, prefix);
});

async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseMetrics(await res.text());
}
const get = (m: Map<string, number>, series: string) => m.get(series);

const agent = (name: string, configuration: Record<string, unknown> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/agents', headers: auth, payload: { name, agent_type: 'metrics', configuration } });
const outboxCount = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);

describe('the worker /metrics endpoint', () => {
  beforeAll(async () => {
    for (const n of ['a', 'b', 'c']) expect((await agent(n)).statusCode).toBe(201);
    // The first event is already in the stream (as after a relay crash): it must count as a duplicate.
    const { rows } = await t.db.query<{ id: string }>(
      `SELECT transaction_id::text || '-' || position AS id FROM outbox ORDER BY transaction_id, position LIMIT 1`);
    await t.redis.xadd(globalStream({ prefix, channelPrefix: prefix }), rows[0]!.id, 'event_type', 'agent_created', 'data', '{}');

    port = await freePort();
    worker = await startWorker({
      DATABASE_URL: t.database.url,
      REDIS_URL: inject('redisUrl'),
      L01_REDIS_PREFIX: prefix,
      L01_CHANNEL_PREFIX: prefix,
      L01_WORKER_METRICS_PORT: String(port),
      L01_MAX_MESSAGE_BYTES: '2048',
      L01_RELAY_MAX_ATTEMPTS: '2',
      L01_RELAY_BACKOFF_MS: '10',
      L01_STREAM_MAX_LEN: '2',
      L01_STREAM_TRIM_INTERVAL_MS: '1000',
    });
    await waitFor(async () => (await outboxCount()) === 0, 20_000, 'the first three events to be relayed');
    expect((await agent('too big', { blob: 'x'.repeat(4000) })).statusCode).toBe(201);
    await waitFor(async () => (await t.db.query(`SELECT 1 FROM dead_letters WHERE status = 'dead'`)).rowCount === 1, 20_000, 'the dead letter');
  });

  it('counts events published, duplicates skipped and batches, with batch sizes', async () => {
    const m = await scrape();
    expect(get(m, 'l01_relay_events_published_total')).toBe(2);
    expect(get(m, 'l01_relay_duplicates_skipped_total')).toBe(1);
    expect(get(m, 'l01_relay_batches_total')).toBeGreaterThanOrEqual(1);
    expect(get(m, 'l01_relay_batch_size_sum')).toBe(3);
    expect(get(m, 'l01_relay_batch_size_bucket{le="5"}')).toBeGreaterThanOrEqual(1);
  });

  it('counts publish retries and dead letters by event type', async () => {
    const m = await scrape();
    // An event failing on its own fails for good at its first attempt (a retry could only
    // fail the same way): no attempt is retried, whatever L01_RELAY_MAX_ATTEMPTS allows.
    expect(get(m, 'l01_relay_publish_retries_total{kind="attempt"}')).toBe(0);
    expect(get(m, 'l01_relay_publish_retries_total{kind="batch"}')).toBe(0);
    expect(get(m, 'l01_relay_dead_lettered_total{event_type="agent_created"}')).toBe(1);
  });

  it('shows leadership and the claim and publish durations', async () => {
    const m = await scrape();
    expect(get(m, 'l01_relay_leader')).toBe(1);
    expect(get(m, 'l01_relay_claim_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(get(m, 'l01_relay_publish_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(get(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('runs the stream retention as leader and counts what it trimmed', async () => {
    const stream = globalStream({ prefix, channelPrefix: prefix });
    await waitFor(async () => (await t.redis.xlen(stream)) === 2, 10_000, 'the global stream to be trimmed to L01_STREAM_MAX_LEN');
    const m = await scrape();
    expect(get(m, `l01_stream_trimmed_entries_total{stream="${stream}"}`)).toBe(1);
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
  });
});

describe('startMetricsServer', () => {
  it('a port already taken leaves the worker without metrics instead of stopping it', async () => {
    const log = pino({ level: 'silent' });
    const first = await startMetricsServer({ registry: new Registry(), host: '127.0.0.1', port: 0, log });
    const taken = first!.address()!.port;
    expect(await startMetricsServer({ registry: new Registry(), host: '127.0.0.1', port: taken, log })).toBeNull();
    await first!.close();
  });
});
