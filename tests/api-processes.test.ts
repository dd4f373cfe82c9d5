/**
 * Several API processes behind one address (`L01_API_PROCESSES`, node:cluster under the real
 * supervisor): connections are spread over them, a caller's rate limit is one budget shared
 * through Redis whichever process answers, and a process that is killed is restarted while
 * the others keep answering.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiProcesses, removeLogs, sharedRedisPrefix, type Api } from './faults/support/processes.js';
import { sharedDatabase, stopAll, type Database } from './faults/support/servers.js';
import { DEV_TOKEN } from './helpers/http.js';

const LIMIT = 10;
let db: Database;
let api: Api;
const redisKeys = sharedRedisPrefix('processes');

/** One request on a connection of its own (the cluster hands out connections, not requests). */
function get(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.baseUrl}${path}`, { agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  db = await sharedDatabase('l01_processes');
  api = await startApiProcesses({
    ...redisKeys.env, DATABASE_URL: db.url, REDIS_URL: inject('redisUrl'),
    // A request line per request, with the pid of the process that answered it.
    LOG_LEVEL: 'debug', L01_RATE_LIMIT_MAX: String(LIMIT), L01_RATE_LIMIT_WINDOW_MS: '600000',
    // The count must be exact: a slow Redis answer on a loaded machine must not fail open here.
    L01_RATE_LIMIT_REDIS_TIMEOUT_MS: '5000',
  }, 2);
}, 90_000);

afterAll(async () => {
  await api?.stop();
  await redisKeys.cleanup(inject('redisUrl'));
  await db?.drop();
  await stopAll();
  removeLogs();
});

const startedPids = (key: string) =>
  api.logs.filter((l) => l.msg === 'started' && l.fields.child === key).map((l) => l.fields.pid as number);

describe('two API processes on one port', () => {
  it('spreads connections over both, with one rate-limit budget per caller between them', async () => {
    const from = api.logs.length;
    const statuses: number[] = [];
    for (let i = 0; i < 3 * LIMIT; i++) statuses.push(await get('/api/agents', { authorization: `Bearer ${DEV_TOKEN}` }));
    // Per-process counters would let up to 2 × LIMIT through.
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * LIMIT);
    const answeredBy = new Set(api.logs.slice(from).filter((l) => l.msg === 'request' && l.fields.url === '/api/agents').map((l) => l.fields.pid));
    expect(answeredBy.size).toBe(2);
  });

  it('keeps answering while one is killed, and restarts it', async () => {
    const [victim] = startedPids('api.1');
    const from = api.logs.length;
    process.kill(victim!, 'SIGKILL');
    await api.waitForLog((l) => l.msg === 'child exited; restarting' && l.fields.child === 'api.1', 10_000, from);
    for (let i = 0; i < 20; i++) expect(await get('/health/live')).toBe(200);
    await api.waitForLog((l) => l.msg === 'started' && l.fields.child === 'api.1', 10_000, from);
    await api.waitForLog((l) => l.msg?.startsWith('Server listening') === true, 30_000, from);
    expect(startedPids('api.1')).toHaveLength(2);
    expect(startedPids('api.1')[1]).not.toBe(victim);
  });
});
