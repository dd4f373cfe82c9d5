/**
 * One fault scenario's world, wired in plain sight: a private Redis, a database (a fresh
 * one on the shared server, or a private cluster when the scenario restarts Postgres), the
 * API process, N worker processes, the checker observing the streams and pub/sub, and the
 * write load. `close()` stops all of it; a failed test prints where the logs are.
 */
import { onTestFailed } from 'vitest';
import { Checker, expectClean, type Report } from './checker.js';
import { WriteLoad, type LoadOptions } from './load.js';
import { logDir, startApi, startWorker, type Api, type Env, type Service } from './processes.js';
import { sharedDatabase, startPostgres, startRedis, stopAll, type Database, type PostgresCluster, type RedisServer } from './servers.js';

export interface ScenarioOptions {
  name: string;
  /** 'private' starts an own cluster (needed to restart Postgres); default 'shared'. */
  postgres?: 'shared' | 'private';
  workers?: number;
  /** Extra environment for every worker (e.g. a short L01_RELAY_LOCK_MS). */
  workerEnv?: Env;
  apiEnv?: Env;
}

export interface Scenario {
  name: string;
  redis: RedisServer;
  db: Database;
  /** Set when `postgres: 'private'`. */
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
  finish(opts?: { deadLetters?: string[]; timeoutMs?: number }): Promise<Report>;
  close(): Promise<void>;
}

export async function startScenario(o: ScenarioOptions): Promise<Scenario> {
  const [redis, db] = await Promise.all([startRedis(), o.postgres === 'private' ? startPostgres() : sharedDatabase()]);
  const env: Env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
  const workerEnv = { ...env, ...o.workerEnv };
  const [api, ...workers] = await Promise.all([
    startApi({ ...env, ...o.apiEnv }),
    ...Array.from({ length: o.workers ?? 1 }, () => startWorker(workerEnv)),
  ]);
  const checker = await new Checker({ databaseUrl: db.url, redisUrl: redis.url }).start();
  const all: Service[] = [api!, ...workers];
  onTestFailed(() => {
    console.log(`[${o.name}] FAILED; process logs in ${logDir()}\n${all.map((s) => s.tail(15)).join('\n')}`);
  });
  const s: Scenario = {
    name: o.name,
    redis, db, api: api as Api, workers, checker, env,
    cluster: o.postgres === 'private' ? (db as PostgresCluster) : undefined,
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
      expectClean(o.name, report, { deadLetters: opts.deadLetters?.length ?? 0 });
      return report;
    },
    async close() {
      await checker.stop().catch(() => {});
      await Promise.allSettled(all.map((p) => p.stop(5000)));
      await stopAll();
    },
  };
  return s;
}
