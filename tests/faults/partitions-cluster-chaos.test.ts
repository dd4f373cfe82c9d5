/**
 * Chaos across partitions (issue 14 item 6): 4 relay partitions shared by 2 workers, their
 * streams spread over a 6-node Redis Cluster (3 masters, 3 replicas: each partition's keys
 * carry their own hash tag, `{l01.p<i>}`), the API reading GETs from a streaming Postgres
 * replica; under write load, one after the other:
 *   1. a worker that leads partitions is SIGKILLed (its partitions are taken over), a new one starts;
 *   2. the master of BullMQ's slot (`{l01}`: every publish queue) is SIGKILLed, its replica
 *      promoted — with it the streams of the partitions it holds, if any;
 *   3. the Postgres replica is restarted.
 * The checker reads every partition's streams through the cluster: nothing lost, nothing
 * doubled, per-entity order kept in every stream, every entry in its entity's partition.
 */
import { afterAll, expect, it } from 'vitest';
import { Checker, expectClean } from './support/checker.js';
import { WriteLoad } from './support/load.js';
import { ledPartitions, logDir, removeLogs, startApi, startWorker, type Service } from './support/processes.js';
import { startPostgres, startRedisCluster, startReplica, stopAll, until } from './support/servers.js';

const PARTITIONS = 4;
const names = { prefix: '{l01}:', channelPrefix: '' };
const tags = Array.from({ length: PARTITIONS }, (_, i) => `l01.p${i}`);
let failed = true;
const services: Service[] = [];

afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.stop(5000)));
  await stopAll();
  if (failed) console.log(`[partitions chaos] process logs in ${logDir()}`);
  else removeLogs();
});

it(`${PARTITIONS} partitions on a Redis Cluster: a worker, a master and the Postgres replica die under load; nothing lost or doubled`, async () => {
  const [cluster, primary] = await Promise.all([startRedisCluster({ nodeTimeoutMs: 2000 }), startPostgres()]);
  const replica = await startReplica(primary);
  const env = { DATABASE_URL: primary.url, ...cluster.env, L01_RELAY_PARTITIONS: String(PARTITIONS) };
  const workerEnv = { ...env, L01_STREAM_AUDIT_INTERVAL_MS: '1000' };
  const [api, ...workers] = await Promise.all([
    startApi({ ...env, DATABASE_READ_URL: replica.url }),
    startWorker(workerEnv), startWorker(workerEnv),
  ]);
  services.push(api!, ...workers);
  const checker = await new Checker({ databaseUrl: primary.url, redisUrl: cluster.target, names, partitions: PARTITIONS }).start();
  try {
    const load = new WriteLoad({ baseUrl: api!.baseUrl, rate: 50, concurrency: 4, maxWrites: 100_000 }).start();
    checker.record(load.acks);
    await load.acknowledged(100);
    const figures: string[] = [];

    // 1. A worker that leads partitions dies.
    await until('two partitions per worker', () => (workers.every((w) => ledPartitions(w).size === 2) ? true : undefined), 30_000);
    const [victim, survivor] = workers as [Service, Service];
    const killedAt = Date.now();
    await victim.kill();
    await until('the survivor leads every partition', () => (ledPartitions(survivor).size === PARTITIONS ? true : undefined), 30_000);
    figures.push(`worker SIGKILLed: its partitions taken over in ${Date.now() - killedAt} ms`);
    const fresh = await startWorker(workerEnv);
    services.push(fresh);
    await until('shares of two again', () => (ledPartitions(fresh).size === 2 && ledPartitions(survivor).size === 2 ? true : undefined), 30_000);
    await load.acknowledged(100);

    // 2. The master of the publish queues dies; its replica takes over.
    const owners = await Promise.all(tags.map((t) => cluster.masterOf(t)));
    const master = await cluster.masterOf('l01');
    const held = owners.filter((o) => o === master).length;
    const masterKilledAt = Date.now();
    await master.kill();
    for (const t of ['l01', ...tags]) await cluster.waitHealthy(t, 30_000);
    figures.push(`master ${master.port} of the queues and ${held} of ${PARTITIONS} partitions (${new Set(owners).size} masters hold partitions) SIGKILLed: cluster healthy again after ${Date.now() - masterKilledAt} ms`);
    await load.acknowledged(150);

    // 3. The Postgres replica restarts (GETs fail meanwhile; writes and the relay do not use it).
    const restartAt = Date.now();
    await replica.restart();
    figures.push(`Postgres replica restarted in ${Date.now() - restartAt} ms`);
    await load.acknowledged(100);

    const stats = await load.stop();
    console.log(`[partitions chaos] ${figures.join('; ')}`);
    expect(Object.keys(stats.byStatus).sort(), 'writes depend on neither the workers, Redis nor the replica').toEqual(['200', '201']);
    const report = await checker.report({ timeoutMs: 90_000 });
    expectClean('partitions chaos', report);
    expect(report.misplaced).toBe(0);
    failed = false;
  } finally {
    await checker.stop();
  }
}, 300_000);
