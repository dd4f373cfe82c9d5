/**
 * One fault scenario's world, wired in plain sight: a private Redis, a private Postgres
 * cluster, the API process, N worker processes, the checker observing the streams and
 * pub/sub, and the write load. `close()` stops all of it; a failed test prints where the
 * logs are.
 *
 * Why a private cluster even where Postgres is not restarted: the relay's horizon
 * (`pg_snapshot_xmin(pg_current_snapshot())`) is cluster-wide, so a long transaction in ANY
 * database of the shared server holds the relay back. Measured: another session's 22 s
 * transaction on the shared server stalled a scenario's relay for 22 s. `postgres: 'shared'`
 * (a fresh database on the shared server) stays available for a quick local run.
 */
import { expect, onTestFailed } from 'vitest';
import { Checker, expectClean, type Report } from './checker.js';
import { WriteLoad, type LoadOptions } from './load.js';
import { logDir, removeLogs, startApi, startWorker, type Api, type Env, type Service } from './processes.js';
import { sharedDatabase, startPostgres, startRedis, stopAll, type Database, type PostgresCluster, type RedisServer } from './servers.js';

export interface ScenarioOptions {
  name: string;
  /** 'shared': a fresh database on the shared test server instead of an own cluster. */
  postgres?: 'shared' | 'private';
  workers?: number;
  /** Extra environment for every worker (e.g. a short L01_RELAY_LOCK_MS). */
  workerEnv?: Env;
  apiEnv?: Env;
  /** L01_RELAY_PARTITIONS for every process, and what the checker reads (default 1). */
  partitions?: number;
}

export interface Scenario {
  name: string;
  redis: RedisServer;
  db: Database;
  /** Unset when `postgres: 'shared'`. */
  cluster?: PostgresCluster;
  api: Api;
  workers: Service[];
  checker: Checker;
  /** DATABASE_URL and REDIS_URL, for extra processes. */
  env: Env;
  addWorker(extra?: Env): Promise<Service>;
  /** Starts a paced write load against the API; its acknowledged writes go to the checker. */
  load(o: Omit<LoadOptions, 'baseUrl'>): WriteLoad;
  /** Waits for quiet, computes the figures, prints them and asserts them. */
  /**
   * `pubsubDuplicates: 'allowed'` where Redis itself loses what it was sent (eviction): a batch
   * whose reply was lost with its job is sent again, and with the streams' record of it gone
   * too, its PUBLISH goes again (pub/sub is at least once; the streams still hold each event once).
   */
  finish(opts?: { deadLetters?: string[]; timeoutMs?: number; pubsubDuplicates?: 'allowed' }): Promise<Report>;
  close(): Promise<void>;
}

export async function startScenario(o: ScenarioOptions): Promise<Scenario> {
  const [redis, db] = await Promise.all([startRedis(), o.postgres === 'shared' ? sharedDatabase() : startPostgres()]);
  const env: Env = { DATABASE_URL: db.url, REDIS_URL: redis.url, ...(o.partitions ? { L01_RELAY_PARTITIONS: String(o.partitions) } : {}) };
  const workerEnv = { ...env, ...o.workerEnv };
  const [api, ...workers] = await Promise.all([
    startApi({ ...env, ...o.apiEnv }),
    ...Array.from({ length: o.workers ?? 1 }, () => startWorker(workerEnv)),
  ]);
  const checker = await new Checker({ databaseUrl: db.url, redisUrl: redis.url, partitions: o.partitions }).start();
  const all: Service[] = [api!, ...workers];
  let failed = false;
  onTestFailed(() => {
    failed = true;
    console.log(`[${o.name}] FAILED; process logs in ${logDir()}\n${all.map((s) => s.tail(15)).join('\n')}`);
  });
  const s: Scenario = {
    name: o.name,
    redis, db, api: api as Api, workers, checker, env,
    cluster: o.postgres === 'shared' ? undefined : (db as PostgresCluster),
    async addWorker(extra = {}) {
      const w = await startWorker({ ...workerEnv, ...extra });
      workers.push(w);
      all.push(w);
      return w;
    },
    load(lo) {
      const load = new WriteLoad({ ...lo, baseUrl: s.api.baseUrl }).start();
      checker.record(load.acks);
      return load;
    },
    async finish(opts = {}) {
      const report = await checker.report({ deadLetters: opts.deadLetters, timeoutMs: opts.timeoutMs });
      expectClean(o.name, report, { deadLetters: opts.deadLetters?.length ?? 0, pubsubDuplicates: opts.pubsubDuplicates });
      // Structured logs only: a line that is not pino JSON is a runtime warning (a listener
      // leak), an unhandled-error stack trace or a crash report.
      const stray = all.flatMap((p) => p.unstructured().map((line) => `[${p.name}] ${line}`));
      expect(stray, 'processes wrote unstructured output').toEqual([]);
      return report;
    },
    async close() {
      await checker.stop().catch(() => {});
      await Promise.allSettled(all.map((p) => p.stop(5000)));
      await stopAll();
      if (!failed) removeLogs();
    },
  };
  return s;
}
