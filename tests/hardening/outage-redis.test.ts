/**
 * Redis outages, on a private redis-server (the faults scenario: API + relay worker + the
 * stream checker): frozen (SIGSTOP, the worst case — connections stay open and nothing
 * answers) and then killed and restarted. Throughout, the write API keeps committing
 * (Postgres is the source of truth, the outbox holds the events; no request waits on
 * Redis), readiness reports redis unhealthy and the database healthy, the relay resumes
 * by itself when Redis answers again, and the checker finds every committed event in the
 * stream exactly once.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startScenario, type Scenario } from '../faults/support/scenario.js';
import { agentBody, summary, timed, until, type Timed } from './support/timed.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const OUTAGE_MS = 3000;

/** Sequential writes for `ms`, each timed: what a client sees during the outage. */
async function writesFor(baseUrl: string, ms: number): Promise<Timed[]> {
  const out: Timed[] = [];
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) out.push(await timed(baseUrl, 'POST', '/api/agents', agentBody(`redis-outage ${i}`)));
  return out;
}

async function readiness(baseUrl: string) {
  const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, string> }).checks };
}

it('Redis frozen, then down: writes go on, readiness names redis, the relay resumes, nothing lost or duplicated', async () => {
  s = await startScenario({ name: 'hardening: Redis SIGSTOP then SIGKILL', workers: 1 });
  const db = new pg.Client({ connectionString: s.db.url });
  await db.connect();
  const outbox = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
  const probe = s.redis.client();
  try {
    const load = s.load({ rate: 60, concurrency: 3, maxWrites: 100_000, timeoutMs: 10_000 });
    await load.acknowledged(30);
    const pid = Number(/process_id:(\d+)/.exec(await probe.info('server'))![1]);

    // Frozen: the server's sockets stay open and never answer.
    process.kill(pid, 'SIGSTOP');
    let frozen: Timed[];
    let frozenReady;
    try {
      [frozen, frozenReady] = await Promise.all([writesFor(s.api.baseUrl, OUTAGE_MS), readiness(s.api.baseUrl)]);
      expect(await outbox(), 'the outbox holds what Redis cannot take').toBeGreaterThan(0);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const resumedAfterFreeze = await until(async () => (await outbox()) === 0, 30_000, 'outbox drained after SIGCONT');

    // Down: connection refused until it is started again (its AOF replayed).
    await s.redis.kill('SIGKILL');
    const [down, downReady] = await Promise.all([writesFor(s.api.baseUrl, OUTAGE_MS), readiness(s.api.baseUrl)]);
    expect(await outbox()).toBeGreaterThan(0);
    await s.redis.start();
    const resumedAfterRestart = await until(async () => (await outbox()) === 0, 30_000, 'outbox drained after restart');

    const stats = await load.stop();
    for (const [label, rs, ready] of [['frozen', frozen, frozenReady], ['down', down, downReady]] as const) {
      expect(rs.length, `${label}: writes were made`).toBeGreaterThan(5);
      for (const r of rs) {
        expect(r.status, `${label}: ${r.body}`).toBe(201);
        expect(r.ms, `${label}: a write does not wait on Redis`).toBeLessThan(2000);
      }
      expect(ready, label).toEqual({ status: 503, checks: { database: 'healthy', redis: 'unhealthy' } });
    }
    expect(Object.keys(stats.byStatus).sort(), 'the load saw only successes').toEqual(['200', '201']);
    expect(s.workers[0]!.alive && s.api.alive, 'nothing was restarted').toBe(true);
    console.log(`[outage] redis frozen ${OUTAGE_MS} ms: writes ${JSON.stringify(summary(frozen))}; relay drained the outbox ${Math.round(resumedAfterFreeze)} ms after SIGCONT`);
    console.log(`[outage] redis down ${OUTAGE_MS} ms: writes ${JSON.stringify(summary(down))}; relay drained the outbox ${Math.round(resumedAfterRestart)} ms after restart`);

    const report = await s.finish();
    expect(report.dead_letters, 'an outage is not an event fault').toBe(0);
  } finally {
    probe.disconnect();
    await db.end();
  }
}, 150_000);
