/**
 * The dashboard's overview (/admin/overview and its JSON) against a real relay: the worker
 * process relays this file's database into its own Redis prefix, and every figure is
 * checked against what Postgres and Redis hold: the lock holder, the backlog, the events
 * published in the last minute, each stream's length (streams found by SCAN included),
 * and a consumer group's lag, pending entries and consumers. Then the relay stops and the
 * overview says nobody leads and the backlog grows. The Chromium test is
 * dashboard.browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Overview } from '../src/outbox/overview.js';
import { entityStream, globalStream } from '../src/wire/names.js';
import { useTestApp } from './helpers/app.js';
import { deleteKeys, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

const userKey = 'overview-test-user-key-0123456789abcdef';
const adminKey = 'overview-test-admin-key-0123456789abcdef';
const prefix = testPrefix('overview');
const t = useTestApp({ L01_API_KEY: userKey, L01_ADMIN_API_KEY: adminKey, L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix });
const names = { prefix, channelPrefix: prefix };
const global = globalStream(names);
const agents = entityStream(names, 'agent');
const appended = entityStream(names, 'domain:l12_session');

const overview = async (query = ''): Promise<Overview> => {
  const res = await t.app.inject({ method: 'GET', url: `/admin/overview.json${query}`, headers: { authorization: `Bearer ${adminKey}` } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.json() as Overview;
};
async function write(url: string, payload: Record<string, unknown>): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${userKey}` }, payload });
  expect(res.statusCode, res.body).toBe(201);
}
async function writeAgents(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await write('/api/agents', { name: `overview-${i}`, agent_type: 'overview' });
}
const outboxRows = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
/** The worker's leader connection, found by its name (not by the lock, which is what the overview reads). */
const leaderSession = async () =>
  (await t.db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'l01-relay-leader%'`)).rows;

afterAll(async () => {
  if (t.redis) await deleteKeys(t.redis, prefix);
});

describe('with the relay running', () => {
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    worker = await startWorker({
      DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix, L01_WORKER_METRICS_PORT: '0',
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('partition 0: the lock holder leads, the backlog is empty, the published events are counted', async () => {
    await writeAgents(3);
    await write('/events', { event_type: 'l12.service_invoked', aggregate_type: 'l12_session', aggregate_id: '00000000-0000-4000-8000-000000000001', payload: { ok: true } });
    await waitFor(async () => (await outboxRows()) === 0, 30_000, 'the relay to publish the 4 events');

    const o = await overview();
    const [leader] = await leaderSession();
    expect(o.unavailable).toEqual([]);
    expect(o.partitions).toHaveLength(1);
    const [p] = o.partitions;
    expect(p).toMatchObject({
      partition: 0, backlog: 0, oldest_age_ms: null, dead_letters: 0,
      published_last_minute: 4, publish_rate_per_s: 0.07, published_total: 4,
      leader: { pid: leader!.pid, application_name: 'l01-relay-leader', note: null, client_addr: '127.0.0.1', client_port: expect.any(Number) },
    });
    const { rows } = await t.db.query<{ checkpoint: string }>(`SELECT transaction_id::text || '-' || position AS checkpoint FROM relay_checkpoint`);
    expect(p!.checkpoint).toBe(rows[0]!.checkpoint);
    expect(Date.parse(o.generated_at)).not.toBeNaN();
  });

  it('streams: the global one first, entity streams, appended types found by SCAN; consumer helper dead-letter streams left out', async () => {
    await t.redis.xadd(`${global}:dlq:g1`, '*', 'data', '{}');
    const o = await overview();
    expect(o.streams_complete).toBe(true);
    expect(o.streams.map((s) => s.key)).toEqual([global, agents, appended]);
    for (const s of o.streams) expect(s.length, s.key).toBe(await t.redis.xlen(s.key));
    expect(o.streams.map((s) => s.length)).toEqual([4, 3, 1]);
    expect(o.streams.every((s) => s.groups.length === 0)).toBe(true);
  });

  it("a consumer group's lag, pending entries, entries read and consumers are Redis's", async () => {
    await t.redis.xgroup('CREATE', global, 'billing', '0');
    const read = (await t.redis.xreadgroup('GROUP', 'billing', 'c1', 'COUNT', 3, 'STREAMS', global, '>')) as Array<[string, Array<[string, string[]]>]>;
    const ids = read[0]![1].map(([id]) => id);
    expect(ids).toHaveLength(3);
    await t.redis.xack(global, 'billing', ids[0]!);
    await t.redis.xgroup('CREATECONSUMER', global, 'billing', 'c2');

    const o = await overview();
    const group = o.streams.find((s) => s.key === global)!.groups;
    expect(group).toEqual([{
      name: 'billing', lag: 1, pending: 2, entries_read: 3, last_delivered_id: ids[2],
      consumers: [{ name: 'c1', pending: 2, idle_ms: expect.any(Number) }, { name: 'c2', pending: 0, idle_ms: expect.any(Number) }],
      idle_consumers: 0,
    }]);
    expect(o.idle_after_ms).toBe(60_000);
    // Idle counts the consumers that have not read for idle_after_ms.
    expect((await overview('?idle_after_ms=0')).streams[0]!.groups[0]!.idle_consumers).toBe(2);
  });
});

describe('with the relay stopped', () => {
  it('no leader; new events wait in the backlog; the streams keep what they had', async () => {
    await waitFor(async () => (await leaderSession()).length === 0, 20_000, 'the leader session to end');
    await writeAgents(2);
    const o = await overview();
    expect(o.partitions[0]).toMatchObject({ partition: 0, leader: null, backlog: 2, published_last_minute: 4, dead_letters: 0 });
    expect(o.partitions[0]!.oldest_age_ms).toBeGreaterThanOrEqual(0);
    expect(o.streams.find((s) => s.key === global)).toMatchObject({ length: 4, groups: [{ name: 'billing', lag: 1, pending: 2 }] });
  });

  it('the page renders the same figures, loads only its own script, and serves the live fragment', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/overview', headers: { authorization: `Bearer ${adminKey}` } });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline\'; script');
    expect(res.body).toContain('<script src="/admin/overview.js" defer></script>');
    expect(res.body).not.toMatch(/<script>/);
    expect(res.body).toContain('<a href="/admin/overview">Overview</a>');
    expect(res.body).toMatch(/<tr data-partition="0"><td>0<\/td><td data-field="leader"><span class="warn">none<\/span>/);
    expect(res.body).toContain('<td class="num" data-field="backlog">2</td>');
    expect(res.body).toContain(`<tr class="group-first" data-stream="${global}" data-group="billing">`);
    expect(res.body).toContain('<td class="num" data-field="lag">1</td>');

    const live = await t.app.inject({ method: 'GET', url: '/admin/overview/live', headers: { authorization: `Bearer ${adminKey}` } });
    expect(live.statusCode).toBe(200);
    expect(live.body).toContain('<td class="num" data-field="backlog">2</td>');
    expect(live.body).not.toContain('<html');
    const script = await t.app.inject({ method: 'GET', url: '/admin/overview.js', headers: { authorization: `Bearer ${adminKey}` } });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain("fetch('/admin/overview/live'");
  });
});

describe('access', () => {
  it('is the landing page: /admin and a login without `next` go to it', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/admin' })).headers.location).toBe('/admin/overview');
    const login = await t.app.inject({
      method: 'POST', url: '/admin/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ token: adminKey }).toString(),
    });
    expect(login.headers.location).toBe('/admin/overview');
  });

  it('needs the admin token or session: a browser is sent to log in, a script gets 401, a user key 403', async () => {
    const html = await t.app.inject({ method: 'GET', url: '/admin/overview', headers: { accept: 'text/html' } });
    expect(html.statusCode).toBe(303);
    expect(html.headers.location).toBe('/admin/login?next=%2Fadmin%2Foverview');
    for (const url of ['/admin/overview.json', '/admin/overview/live', '/admin/overview.js']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
      expect((await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${userKey}` } })).statusCode, url).toBe(403);
    }
  });

  it('refuses a bad idle_after_ms', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/overview.json?idle_after_ms=soon', headers: { authorization: `Bearer ${adminKey}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400, detail: expect.stringContaining('idle_after_ms') });
  });
});
