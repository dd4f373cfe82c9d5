/**
 * Postgres outages, on a private cluster (initdb, its own port): the API process with the
 * default timeouts answers writes and reads with 503 problem details within 2 s while
 * Postgres is stopped, readiness names the database, the process survives, and it recovers
 * by itself within 5 s of Postgres accepting connections again. Same when its sessions
 * are killed under load (pg_terminate_backend). And a half-open path (a proxy that stops
 * forwarding, no FIN, no RST) is cut by the timeouts instead of being waited on forever.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { sharedRedisPrefix, startApi, type Api } from '../faults/support/processes.js';
import { startPostgres, stopAll, type PostgresCluster } from '../faults/support/servers.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { agentBody, mixed, summary, timed, until, type Timed } from './support/timed.js';

let cluster: PostgresCluster;
// The API points at the shared Redis: its own key prefix there, removed afterwards.
const redisKeys = sharedRedisPrefix('hardening_pg');
let api: Api;
let agentId = '';

beforeAll(async () => {
  cluster = await startPostgres();
  api = await startApi({ DATABASE_URL: cluster.url, REDIS_URL: inject('redisUrl'), ...redisKeys.env });
  const created = await timed(api.baseUrl, 'POST', '/api/agents', agentBody('seed'));
  expect(created.status, created.body).toBe(201);
  agentId = (JSON.parse(created.body) as { id: string }).id;
}, 120_000);

afterAll(async () => {
  await api?.stop(5000);
  await stopAll();
  await redisKeys.cleanup(inject('redisUrl'));
});

/** Every answer a 503 problem with Retry-After, within 2 s. */
function expectUnavailable(rs: Timed[]) {
  for (const r of rs) {
    expect(r.status, r.body).toBe(503);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.retryAfter).not.toBeNull();
    expect(r.body).not.toMatch(/ECONNREFUSED|terminat|SELECT|\bat /);
    expect(r.ms, 'answered within 2 s').toBeLessThan(2000);
  }
}

const ready = async (baseUrl: string) => {
  const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
};

it('Postgres stopped: 503 within 2 s for writes and reads, readiness names the database, recovery within 5 s', async () => {
  await cluster.stopServer();
  const first = await mixed(api.baseUrl, agentId);
  await new Promise((r) => setTimeout(r, 1000));
  const later = await mixed(api.baseUrl, agentId);
  expectUnavailable([...first, ...later]);
  const r = await ready(api.baseUrl);
  expect(r.status).toBe(503);
  expect(r.body.checks).toEqual({ database: 'unhealthy', redis: 'healthy' });
  expect((await timed(api.baseUrl, 'GET', '/health/live')).status).toBe(200);
  expect(api.alive).toBe(true);

  await cluster.startServer();
  const recoveryMs = await until(async () => (await timed(api.baseUrl, 'POST', '/api/agents', agentBody('back'))).status === 201, 10_000, 'first write after Postgres returned');
  expect((await ready(api.baseUrl)).status).toBe(200);
  console.log(`[outage] postgres stopped: ${JSON.stringify(summary([...first, ...later]))}; recovered ${Math.round(recoveryMs)} ms after Postgres accepted connections`);
  expect(recoveryMs, 'recovers within 5 s').toBeLessThan(5000);
}, 60_000);

it('its sessions killed under load (pg_terminate_backend, twice): no 500, no hang, recovery within 5 s', async () => {
  const admin = new pg.Client({ connectionString: cluster.url, application_name: 'hardening-admin' });
  await admin.connect();
  const results: Timed[] = [];
  let stop = false;
  const lanes = Array.from({ length: 6 }, async (_, lane) => {
    for (let i = 0; !stop; i++) {
      results.push(await (i % 2 ? timed(api.baseUrl, 'GET', `/api/agents/${agentId}`) : timed(api.baseUrl, 'POST', '/api/agents', agentBody(`${lane}-${i}`))));
    }
  });
  try {
    const recoveries: number[] = [];
    for (let round = 0; round < 2; round++) {
      await new Promise((r) => setTimeout(r, 700));
      const { rows } = await admin.query<{ n: string }>(
        `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'l01-api'`,
      );
      expect(Number(rows[0]!.n), 'the API had sessions to kill').toBeGreaterThan(0);
      const killedAt = Date.now();
      const ok = await until(async () => results.some((r) => r.at > killedAt && r.status >= 200 && r.status < 300), 10_000, 'a success after the kill');
      recoveries.push(ok);
    }
    stop = true;
    await Promise.all(lanes);
    const s = summary(results);
    console.log(`[outage] pg_terminate_backend x2 under load: ${JSON.stringify(s)}; first success ${recoveries.map(Math.round).join(' ms, ')} ms after each kill`);
    expect(Object.keys(s.byStatus).filter((k) => !['200', '201', '503'].includes(k)), 'only successes and 503s').toEqual([]);
    for (const ms of recoveries) expect(ms).toBeLessThan(5000);
    expect(api.alive).toBe(true);
  } finally {
    stop = true;
    await Promise.all(lanes);
    await admin.end();
  }
}, 60_000);

it('a half-open path to Postgres (proxy stops forwarding): 503 within 2 s, not a hang; recovers when the path heals', async () => {
  let proxy: TcpProxy | undefined;
  let viaProxy: Api | undefined;
  try {
    proxy = await startTcpProxy(cluster.port);
    // Statement timeout 600 ms: a silent pooled connection is given up at 1.6 s, a silent
    // new one at the 1.5 s connect timeout (the default).
    viaProxy = await startApi({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/l01`, REDIS_URL: inject('redisUrl'), ...redisKeys.env, L01_PG_TIMEOUT_MS: '600',
    });
    const warm = await mixed(viaProxy.baseUrl, agentId, 6);
    expect(warm.every((r) => r.status < 300), JSON.stringify(summary(warm))).toBe(true);

    proxy.freeze();
    // More requests at once than the pool has connections: every pooled one is tried.
    const during = [...await mixed(viaProxy.baseUrl, agentId, 8), ...await mixed(viaProxy.baseUrl, agentId, 4)];
    expectUnavailable(during);
    const r = await ready(viaProxy.baseUrl);
    expect(r.status).toBe(503);
    expect(r.body.checks.database).toBe('unhealthy');

    proxy.heal();
    const recoveryMs = await until(async () => (await timed(viaProxy!.baseUrl, 'POST', '/api/agents', agentBody('healed'))).status === 201, 20_000, 'first write after the path healed');
    console.log(`[outage] half-open path: ${JSON.stringify(summary(during))}; recovered ${Math.round(recoveryMs)} ms after the path healed`);
    expect(viaProxy.alive).toBe(true);
  } finally {
    // Its frozen sockets never finish closing: no graceful stop to wait for.
    await viaProxy?.kill();
    await proxy?.close();
  }
}, 90_000);
