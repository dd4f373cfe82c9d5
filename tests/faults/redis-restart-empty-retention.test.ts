/**
 * Fault: Redis restarts empty while stream retention is on (L01_STREAM_MAX_LEN). Two
 * things are checked. First, trimming is not loss: while the trimmer removes old entries
 * every second, the leader's audits (every second too) find nothing to heal — trimming
 * moves a stream's first entry and leaves its last generated id alone, and only a last
 * generated id below what the relay published counts as loss. Second, a stream lost whole
 * gets back only what retention keeps: the newest L01_STREAM_MAX_LEN events of the log, not
 * the whole history, and no more than that after the trim pass that follows the heal.
 *
 * The checker is not used for the figures here: it counts a trimmed entry as missing.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { metric, restartFrom, workerMetrics } from './support/redis-faults.js';
import { startScenario, type Scenario } from './support/scenario.js';
import { freePort, sleep } from './support/servers.js';

let s: Scenario | undefined;
afterAll(async () => s?.close());

const MAX_LEN = 100;
const GLOBAL = 'l01:stream:events';

it('does not heal what retention trimmed, and heals a lost stream only as far back as retention keeps', async () => {
  s = await startScenario({
    name: 'Redis restarted empty, with retention', workers: 1,
    workerEnv: {
      L01_STREAM_MAX_LEN: String(MAX_LEN), L01_STREAM_TRIM_INTERVAL_MS: '1000', L01_STREAM_AUDIT_INTERVAL_MS: '1000',
      L01_WORKER_METRICS_PORT: String(await freePort()),
    },
  });
  const worker = s.workers[0]!;
  const redis = s.redis.client();
  const db = new pg.Client({ connectionString: s.db.url });
  await db.connect();
  try {
    const load = s.load({ rate: 80, concurrency: 2, maxWrites: 400 });
    await load.done();
    await s.checker.settle(500, 15_000);
    await worker.waitForLog('streams trimmed', 10_000);
    await sleep(3000); // three more audits and trims
    const trimmed = await workerMetrics(worker);
    const events = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n;
    const lengthBefore = await redis.xlen(GLOBAL);
    expect(metric(trimmed, 'l01_stream_trimmed_entries_total', `stream="${GLOBAL}"`), 'retention trimmed the global stream').toBeGreaterThan(0);
    expect(metric(trimmed, 'l01_stream_audits_total'), 'the leader audited meanwhile').toBeGreaterThanOrEqual(3);
    expect(metric(trimmed, 'l01_stream_heals_total'), 'trimmed entries are not healed back').toBe(0);
    expect(worker.hasLogged('Redis lost stream entries; re-publishing them from the event log')).toBe(false);

    const from = worker.logs.length;
    await restartFrom(s.redis, null);
    const healed = await worker.waitForLog('streams healed from the event log', 20_000, from);
    await sleep(1500); // the trim pass after the heal, and one more audit
    const entries = (await redis.xrange(GLOBAL, '-', '+')) as Array<[string, string[]]>;
    const { rows: newest } = await db.query<{ id: string }>(
      `SELECT transaction_id::text || '-' || position AS id FROM events ORDER BY transaction_id DESC, position DESC LIMIT $1`, [MAX_LEN]);
    const after = await workerMetrics(worker);
    console.log(`[Redis restarted empty, with retention] ${events} events, L01_STREAM_MAX_LEN=${MAX_LEN}: global stream ${lengthBefore} entries before (trimmed ` +
      `${metric(trimmed, 'l01_stream_trimmed_entries_total', `stream="${GLOBAL}"`)}, heals 0 over ${metric(trimmed, 'l01_stream_audits_total')} audits); ` +
      `after the empty restart healed ${JSON.stringify(healed.fields.streams)} in ${healed.fields.ms} ms, global stream ${entries.length} entries, streams healed ${metric(after, 'l01_stream_heals_total')}`);
    expect((healed.fields.streams as Record<string, number>)[GLOBAL], 'only what retention keeps came back').toBeLessThanOrEqual(MAX_LEN);
    expect(entries.map(([id]) => id), 'exactly the newest events of the log, in order').toEqual(newest.map((r) => r.id).reverse());
    expect(worker.alive).toBe(true);
  } finally {
    await db.end();
    redis.disconnect();
  }
}, 120_000);
