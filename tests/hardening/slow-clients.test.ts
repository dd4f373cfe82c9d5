/**
 * Slow and idle clients against the API as deployed, with its default timeouts:
 *
 * 1. 100 connections sending a body one byte every 10 s, and 100 sending their headers one
 *    byte every 2 s (slowloris). Before, 200 of 200 were still open after 125 s. Now the
 *    server closes them itself: headers within L01_HEADERS_TIMEOUT_MS (10 s), whole
 *    requests within L01_REQUEST_TIMEOUT_MS (30 s), with a 408 where it can still answer;
 *    50 connections idle after one request go after L01_KEEP_ALIVE_TIMEOUT_MS (5 s); other
 *    clients are served all along.
 * 2. Idle keep-alive connections filling the connection limit. Before, they held the
 *    descriptors and new clients were refused for ~90 s. Now, from 90% of
 *    L01_MAX_CONNECTIONS on, idle connections are closed for new ones: with a limit of 200
 *    and a keep-alive timeout of 10 minutes (so that only the reclaiming can free them),
 *    200 clients that each make a request and stay connected, then 100 new clients one
 *    after another: every one is served, and the idle ones were closed to make room.
 */
import { Agent } from 'node:http';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { sharedRedisPrefix } from '../faults/support/processes.js';
import { sharedDatabase, sleep, stopAll, type Database } from '../faults/support/servers.js';
import { startDeployedApi, type DeployedApi } from './support/deployed-api.js';
import { rawClient, send, tally, type Outcome, type RawClient } from './support/raw-http.js';
import { TOKEN } from './support/timed.js';

const JSON_HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const redisKeys = sharedRedisPrefix('hardening_slow');
let db: Database | undefined;
const apis: DeployedApi[] = [];

beforeAll(async () => {
  db = await sharedDatabase('l01_hardening_slow');
}, 60_000);

afterAll(async () => {
  await Promise.all(apis.map((a) => a.stop()));
  await db?.drop();
  await stopAll();
  await redisKeys.cleanup(inject('redisUrl'));
});

const start = async (env: Record<string, string> = {}) => {
  const api = await startDeployedApi({ DATABASE_URL: db!.url, REDIS_URL: inject('redisUrl'), ...redisKeys.env, ...env });
  apis.push(api);
  return api;
};

const probe = (api: DeployedApi, agent?: Agent) =>
  send(agent, api.port, 'POST', '/api/agents', JSON.stringify({ name: 'probe', agent_type: 'hardening' }), JSON_HEADERS, { timeoutMs: 5000 });

/** Writes `text` one byte every `everyMs` until the connection closes. */
function trickle(c: RawClient, text: string, everyMs: number): void {
  let i = 0;
  const tick = () => {
    if (c.isClosed || i >= text.length) return;
    c.socket.write(text[i++]!);
    setTimeout(tick, everyMs).unref();
  };
  tick();
}

it('100 bodies trickling a byte per 10 s, 100 headers a byte per 2 s, 50 idle connections: all closed by the server, others served meanwhile', async () => {
  const api = await start();
  const pid = api.pid;
  const body = JSON.stringify({ name: 'trickled', agent_type: 'hardening' });
  const slowBodies = Array.from({ length: 100 }, () => {
    const c = rawClient(api.port);
    c.socket.write(`POST /api/agents HTTP/1.1\r\nHost: l01\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    trickle(c, body, 10_000);
    return c;
  });
  const slowHeaders = Array.from({ length: 100 }, () => {
    const c = rawClient(api.port);
    trickle(c, `GET /api/agents HTTP/1.1\r\nHost: l01\r\nAuthorization: Bearer ${TOKEN}\r\nX-Padding: ${'p'.repeat(200)}\r\n\r\n`, 2000);
    return c;
  });
  // And 50 that make one request and then say nothing: keep-alive (5 s) closes them.
  const idle = Array.from({ length: 50 }, () => {
    const c = rawClient(api.port);
    c.socket.write('GET /health/live HTTP/1.1\r\nHost: l01\r\n\r\n');
    return c;
  });
  const probes: Outcome[] = [];
  const t0 = Date.now();
  while ([...slowBodies, ...slowHeaders].some((c) => !c.isClosed) && Date.now() - t0 < 50_000) {
    probes.push(await probe(api));
    await sleep(1000);
  }
  const bodyMs = await Promise.all(slowBodies.map((c) => c.closed));
  const headerMs = await Promise.all(slowHeaders.map((c) => c.closed));
  const idleMs = await Promise.all(idle.map((c) => c.closed));
  const s = (ms: number[]) => `${Math.round(Math.min(...ms) / 1000)}–${Math.round(Math.max(...ms) / 1000)} s`;
  const answers = (cs: RawClient[]) => tally(cs.map((c) => (c.status() ? { status: c.status() } : { error: 'closed' })));
  console.log(`[slow-clients] 100 trickled bodies closed by the server after ${s(bodyMs)} (${JSON.stringify(answers(slowBodies))}); ` +
    `100 trickled headers after ${s(headerMs)} (${JSON.stringify(answers(slowHeaders))}); 50 idle keep-alive connections after ${s(idleMs)} ` +
    `(${JSON.stringify(answers(idle))}); ${probes.length} probes meanwhile: ${JSON.stringify(tally(probes))}`);
  expect(api.alive && api.pid === pid, api.tail()).toBe(true);
  // Each closed by the server (never by this test) within its deadline, plus Node's check interval and a margin.
  expect(Math.max(...headerMs), 'headers timeout (10 s)').toBeLessThan(15_000);
  expect(Math.max(...idleMs), 'keep-alive timeout (5 s)').toBeLessThan(10_000);
  expect(answers(idle)).toEqual({ 200: 50 });
  expect(Math.max(...bodyMs), 'request timeout (30 s)').toBeLessThan(36_000);
  expect(Math.min(...bodyMs), 'a trickling body is not idle: the request timeout ends it, not the socket timeout').toBeGreaterThanOrEqual(29_000);
  expect(answers(slowBodies)).toEqual({ 408: 100 });
  expect(tally(probes)).toEqual({ 201: probes.length });
}, 90_000);

it('idle keep-alive connections at the connection limit are closed for new clients: 200 idle (limit 200), then 100 new clients, all served', async () => {
  const api = await start({ L01_MAX_CONNECTIONS: '200', L01_KEEP_ALIVE_TIMEOUT_MS: '600000', L01_SOCKET_TIMEOUT_MS: '600000' });
  // 200 connections, each answered once and then left open and silent, as a keep-alive pool leaves them.
  const idle = Array.from({ length: 200 }, () => {
    const c = rawClient(api.port);
    c.socket.write('GET /health/live HTTP/1.1\r\nHost: l01\r\n\r\n');
    return c;
  });
  const t0 = Date.now();
  while (idle.some((c) => c.status() === undefined && !c.isClosed) && Date.now() - t0 < 10_000) await sleep(50);
  const answered = tally(idle.map((c) => (c.status() ? { status: c.status() } : { error: 'no answer' })));
  const openBefore = idle.filter((c) => !c.isClosed).length;
  const fresh: Outcome[] = [];
  for (let i = 0; i < 100; i++) fresh.push(await probe(api, new Agent({ keepAlive: false })));
  await sleep(200);
  const reclaimed = idle.filter((c) => c.isClosed).length;
  console.log(`[slow-clients] 200 keep-alive clients answered once then idle (${JSON.stringify(answered)}), with L01_MAX_CONNECTIONS=200 and a ` +
    `10-minute keep-alive: ${openBefore} of them still open once all were answered; then 100 new clients one after another ` +
    `${JSON.stringify(tally(fresh))}; ${reclaimed} of the 200 idle connections were closed by the server to make room`);
  for (const c of idle) c.socket.destroy();
  // Every idle client was served too: the ones that came while 180 were open made the first ones give way.
  expect(answered).toEqual({ 200: 200 });
  expect(tally(fresh)).toEqual({ 201: 100 });
  expect(reclaimed, 'idle connections reclaimed').toBeGreaterThan(0);
  expect(api.hasLogged('connections near the limit: idle keep-alive connections closed for new ones')).toBe(true);
}, 60_000);
