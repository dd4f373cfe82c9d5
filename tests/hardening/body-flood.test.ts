/**
 * Big bodies in parallel, against the API as deployed (compiled, 112 MB old-space cap):
 *
 * 1. 8 clients POSTing ~1 MiB bodies (below the 1 MiB limit), back to back. Before the
 *    body budget this killed the API 13 times in 45 s (95% of requests failed). Now every
 *    request is answered 201, or 503 problem details with Retry-After after waiting for
 *    room with its body unread; the process never dies (same pid throughout) and stays
 *    under 200 MB RSS.
 * 2. The same with the costliest shapes a body can take (350,000 empty objects, 520,000
 *    numbers, 120,000 keys in 1 MiB: 5 to 20 times their size once parsed): the budget
 *    counts what parsing them costs, so they go one at a time, the process never dies and
 *    stays under 200 MB RSS.
 * 3. 300 connections each sending the headers of a 1 MiB body and half of it, then
 *    nothing. Before, the API grew to 425 MB RSS. Now what does not fit is refused (503,
 *    nothing buffered: at once, or after waiting for room unread), another client is
 *    served all along, and every stalled connection is closed by the server (keep-alive
 *    and request timeouts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject, it } from 'vitest';
import { sharedRedisPrefix } from '../faults/support/processes.js';
import { sharedDatabase, sleep, stopAll, type Database } from '../faults/support/servers.js';
import { startDeployedApi, type DeployedApi } from './support/deployed-api.js';
import { lanes, rawClient, send, tally, type Outcome } from './support/raw-http.js';
import { TOKEN } from './support/timed.js';

const MiB = 1024 * 1024;
const RSS_LIMIT_MB = 200;
const JSON_HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const redisKeys = sharedRedisPrefix('hardening_flood');
let db: Database | undefined;
let api: DeployedApi | undefined;

beforeAll(async () => {
  db = await sharedDatabase('l01_hardening_flood');
}, 60_000);

// A fresh process per test: each one's peak is its own.
beforeEach(async () => {
  api = await startDeployedApi({ DATABASE_URL: db!.url, REDIS_URL: inject('redisUrl'), ...redisKeys.env });
}, 60_000);

afterEach(async () => {
  await api?.stop();
});

afterAll(async () => {
  await db?.drop();
  await stopAll();
  await redisKeys.cleanup(inject('redisUrl'));
});

/** An agent whose `configuration` makes the body `size` bytes long: `item` repeated, or one long string. */
function body(size: number, item?: string): Buffer {
  const head = '{"name":"flood","agent_type":"hardening","configuration":';
  const room = size - head.length - 1;
  if (!item) {
    const wrap = '{"blob":""}';
    return Buffer.from(`${head}{"blob":"${randomBytes(room).toString('base64').slice(0, room - wrap.length)}"}}`);
  }
  const n = Math.floor((room - 2) / (item.length + 1));
  return Buffer.from(`${head}[${Array(n).fill(item).join(',')}]}`);
}

const keysBody = (size: number) => {
  const head = '{"name":"flood","agent_type":"hardening","configuration":{';
  const parts: string[] = [];
  for (let i = 0, len = head.length + 2; ; i++) {
    const p = `"${i.toString(36)}":0`;
    if (len + p.length + 1 > size) break;
    parts.push(p);
    len += p.length + 1;
  }
  return Buffer.from(`${head}${parts.join(',')}}}`);
};

/** The API's answers are all 201, or the budget's 503 with Retry-After and problem details. */
function expectShedOrCreated(outcomes: Outcome[], label: string) {
  const by = tally(outcomes);
  expect(Object.keys(by).filter((k) => k !== '201' && k !== '503'), `${label}: ${JSON.stringify(by)}`).toEqual([]);
  expect(by['201'] ?? 0, `${label}: some bodies were written`).toBeGreaterThan(0);
  for (const o of outcomes.filter((x) => x.status === 503)) {
    expect(o.retryAfter, `${label}: 503 without Retry-After`).toMatch(/^\d+$/);
    expect(o.contentType).toMatch(/^application\/problem\+json/);
  }
  return by;
}

function expectSameProcess(pid: number) {
  expect(api!.alive, `the API died\n${api!.tail()}`).toBe(true);
  expect(api!.pid).toBe(pid);
  const crashes = api!.logs.filter((l) => /heap out of memory|FATAL ERROR|Allocation failed/i.test(l.raw));
  expect(crashes.map((l) => l.raw)).toEqual([]);
}

it('8 clients POSTing ~1 MiB bodies back to back for 10 s: 201 or 503 + Retry-After, the same process, under 200 MB RSS', async () => {
  const pid = api!.pid;
  const big = body(MiB - 4096);
  const outcomes = await lanes(8, 10_000, (agent) => send(agent, api!.port, 'POST', '/api/agents', big, JSON_HEADERS));
  const by = expectShedOrCreated(outcomes, '1 MiB strings');
  const { peakMb } = api!.memory();
  console.log(`[body-flood] 8 clients × ${big.length} B bodies for 10 s: ${JSON.stringify(by)}; API pid ${pid} alive, peak RSS (VmHWM) ${peakMb.toFixed(0)} MB`);
  expectSameProcess(pid);
  expect(peakMb).toBeLessThanOrEqual(RSS_LIMIT_MB);
}, 60_000);

it('8 clients POSTing the costliest 1 MiB shapes (empty objects, numbers, keys): parsed cost counted, never dies, under 200 MB RSS', async () => {
  const pid = api!.pid;
  const shapes = { objects: body(MiB - 4096, '{}'), numbers: body(MiB - 4096, '0'), keys: keysBody(MiB - 4096) };
  const figures: string[] = [];
  for (const [name, b] of Object.entries(shapes)) {
    const outcomes = await lanes(8, 6000, (agent) => send(agent, api!.port, 'POST', '/api/agents', b, JSON_HEADERS));
    figures.push(`${name} ${JSON.stringify(expectShedOrCreated(outcomes, name))}`);
    expectSameProcess(pid);
  }
  const { peakMb } = api!.memory();
  console.log(`[body-flood] costliest shapes, 8 clients × 6 s each: ${figures.join('; ')}; API pid ${pid} alive, peak RSS (VmHWM) ${peakMb.toFixed(0)} MB`);
  expect(peakMb).toBeLessThanOrEqual(RSS_LIMIT_MB);
}, 90_000);

it('300 connections sending half of a 1 MiB body, then stalling: refused at once or timed out, nothing piles up, others served', async () => {
  const pid = api!.pid;
  const length = MiB - 4096;
  const half = Buffer.alloc(length / 2, 'a');
  const clients = Array.from({ length: 300 }, () => {
    const c = rawClient(api!.port);
    c.socket.write(`POST /api/agents HTTP/1.1\r\nHost: l01\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${length}\r\n\r\n{"name":"stalled","agent_type":"hardening","configuration":{"s":"`);
    c.socket.write(half);
    return c;
  });
  const probes: Outcome[] = [];
  const t0 = Date.now();
  let rssMb = 0;
  // Until every stalled connection is closed (the request timeout is 30 s), a client with
  // a small write keeps being served.
  while (clients.some((c) => !c.isClosed) && Date.now() - t0 < 45_000) {
    probes.push(await send(undefined, api!.port, 'POST', '/api/agents', JSON.stringify({ name: 'probe', agent_type: 'hardening' }), JSON_HEADERS, { timeoutMs: 5000 }));
    rssMb = Math.max(rssMb, api!.memory().rssMb);
    await sleep(500);
  }
  const statuses = tally(clients.map((c) => (c.status() !== undefined ? { status: c.status() } : { error: 'closed without an answer' })));
  const closedMs = await Promise.all(clients.map((c) => Promise.race([c.closed, sleep(1000).then(() => Number.NaN)])));
  const { peakMb } = api!.memory();
  console.log(`[body-flood] 300 half-sent 1 MiB bodies: first answers ${JSON.stringify(statuses)}; ` +
    `${closedMs.filter(Number.isFinite).length}/300 closed by the server, the last after ${Math.round(Math.max(...closedMs.filter(Number.isFinite)) / 1000)} s; ` +
    `probes meanwhile ${JSON.stringify(tally(probes))}; RSS max ${rssMb.toFixed(0)} MB, peak (VmHWM) ${peakMb.toFixed(0)} MB`);
  expectSameProcess(pid);
  expect(clients.filter((c) => !c.isClosed).length, 'stalled connections still open').toBe(0);
  expect(statuses['503'] ?? 0, 'bodies beyond the budget refused before being read').toBeGreaterThan(250);
  expect(Object.keys(statuses).filter((k) => !['503', '408', 'closed without an answer'].includes(k))).toEqual([]);
  expect(tally(probes)).toEqual({ 201: probes.length });
  expect(peakMb).toBeLessThanOrEqual(RSS_LIMIT_MB);
}, 90_000);
