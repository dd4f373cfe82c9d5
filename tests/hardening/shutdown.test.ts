/**
 * Graceful shutdown of the real processes.
 *
 * API: SIGTERM while 200 keep-alive connections keep writing. Every request ends one of
 * three ways: 201 (committed), 503 (refused while closing: `return503OnClosing`), or a
 * connection-level error (refused, or a keep-alive socket closed before the request was
 * read). The database is the judge: each request carries its own entity id, so a request
 * that failed but whose row exists would be an in-flight request the server processed and
 * dropped — there must be none — and every 201 must have its row. Exit code 0 within 10 s.
 *
 * Relay worker: SIGTERM right after it resumes with a backlog (small batches, so it is in
 * the middle of them): it exits 0 within 10 s, a new worker takes over, and the stream
 * checker finds every committed event exactly once.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { sharedRedisPrefix, startApi } from '../faults/support/processes.js';
import { startScenario, type Scenario } from '../faults/support/scenario.js';
import { sharedDatabase, sleep, stopAll, type Database } from '../faults/support/servers.js';
import { TOKEN } from './support/timed.js';

const LANES = 200;
let db: Database | undefined;
let scenario: Scenario | undefined;
// The API test points at the shared Redis: its own key prefix there, removed afterwards.
const redisKeys = sharedRedisPrefix('hardening_shutdown');

afterAll(async () => {
  await scenario?.close();
  await db?.drop();
  await stopAll();
  await redisKeys.cleanup(inject('redisUrl'));
});

interface Outcome {
  id: string;
  endedAt: number;
  status?: number;
  error?: string;
}

/** One POST over the keep-alive agent; never throws. */
function post(agent: Agent, port: number, id: string): Promise<Outcome> {
  const body = JSON.stringify({ id, name: `shutdown ${id.slice(0, 8)}`, agent_type: 'hardening' });
  return new Promise((resolve) => {
    const done = (o: Omit<Outcome, 'id' | 'endedAt'>) => resolve({ id, endedAt: Date.now(), ...o });
    const req = request({
      agent, host: '127.0.0.1', port, method: 'POST', path: '/api/agents', timeout: 15_000,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode }));
      res.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('hung')));
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.end(body);
  });
}

it(`API: SIGTERM under ${LANES} keep-alive connections of writes — in-flight requests complete, none is lost, exit 0 within 10 s`, async () => {
  db = await sharedDatabase('l01_hardening_shutdown');
  const api = await startApi({ DATABASE_URL: db.url, REDIS_URL: inject('redisUrl'), ...redisKeys.env });
  const port = Number(new URL(api.baseUrl).port);
  const agent = new Agent({ keepAlive: true, maxSockets: LANES });
  const outcomes: Outcome[] = [];
  let stop = false;
  const lanes = Array.from({ length: LANES }, async () => {
    while (!stop) {
      const o = await post(agent, port, randomUUID());
      outcomes.push(o);
      if (o.error === 'ECONNREFUSED') return; // the listener is gone
    }
  });

  await sleep(1500);
  const before = outcomes.filter((o) => o.status === 201).length;
  const sigtermAt = Date.now();
  api.signal('SIGTERM');
  const exit = await api.exited;
  const exitMs = Date.now() - sigtermAt;
  await sleep(200);
  stop = true;
  await Promise.all(lanes);
  agent.destroy();

  const pool = new pg.Client({ connectionString: db.url });
  await pool.connect();
  const committed = new Set((await pool.query<{ id: string }>('SELECT id::text FROM agents WHERE id = ANY($1::uuid[])', [outcomes.map((o) => o.id)])).rows.map((r) => r.id));
  await pool.end();

  const by: Record<string, number> = {};
  for (const o of outcomes) by[o.status ?? o.error!] = (by[o.status ?? o.error!] ?? 0) + 1;
  const completedAfterSignal = outcomes.filter((o) => o.status === 201 && o.endedAt >= sigtermAt).length;
  const droppedInFlight = outcomes.filter((o) => o.status !== 201 && committed.has(o.id));
  const ackedMissing = outcomes.filter((o) => o.status === 201 && !committed.has(o.id));
  console.log(`[shutdown] API: ${outcomes.length} requests (${before} acknowledged before SIGTERM), outcomes ${JSON.stringify(by)}; ` +
    `${completedAfterSignal} in-flight writes completed after SIGTERM; exit code ${exit.code} after ${exitMs} ms`);

  expect(droppedInFlight, 'requests the server committed but whose answer was lost').toEqual([]);
  expect(ackedMissing, 'acknowledged writes missing from the database').toEqual([]);
  expect(Object.keys(by).filter((k) => !['201', '503', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'socket hang up'].includes(k)), JSON.stringify(by)).toEqual([]);
  expect(completedAfterSignal, 'requests in flight at SIGTERM were completed').toBeGreaterThan(0);
  expect(exit.code).toBe(0);
  expect(exitMs).toBeLessThan(10_000);
}, 90_000);

it('relay worker: SIGTERM in the middle of a backlog, twice — exit 0 within 10 s, no event lost or duplicated', async () => {
  scenario = await startScenario({ name: 'hardening: worker SIGTERM mid-batch', workers: 1, workerEnv: { L01_RELAY_BATCH_SIZE: '25' } });
  const s = scenario;
  const load = s.load({ rate: 150, concurrency: 4, maxWrites: 100_000 });
  await load.acknowledged(50);
  const outbox = async () => s.checker.outboxSize();
  const rounds: string[] = [];
  for (let round = 0; round < 2; round++) {
    const worker = s.workers.filter((w) => w.alive).at(-1)!;
    worker.signal('SIGSTOP'); // a backlog builds up…
    await sleep(1500);
    worker.signal('SIGCONT'); // …it starts relaying it in batches of 25…
    await sleep(60);
    const backlog = await outbox();
    const t0 = Date.now();
    worker.signal('SIGTERM'); // …and is told to stop in the middle.
    const exit = await worker.exited;
    rounds.push(`round ${round + 1}: backlog ${backlog} at SIGTERM, exit code ${exit.code} after ${Date.now() - t0} ms`);
    expect(exit.code, worker.tail()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await s.addWorker({ L01_RELAY_BATCH_SIZE: '25' });
    await load.acknowledged(50);
  }
  const stats = await load.stop();
  console.log(`[shutdown] worker: ${rounds.join('; ')}`);
  expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '201']);
  const report = await s.finish();
  expect(report.duplicated).toBe(0);
  expect(report.lost).toBe(0);
}, 150_000);
