/**
 * Fault: the Redis Cluster master holding the service's slot is SIGKILLed under write load,
 * and the cluster promotes its replica (automatic failover, cluster-node-timeout 2 s).
 * Replication is asynchronous: what the old master acknowledged but had not yet sent to
 * its replica is gone from the new master. The relay finds each stream below what it
 * published (publish.lua's floor check, the audit) and re-publishes the missing range from
 * the log (outbox/healing.ts); clients follow the promoted replica (slot refresh). The
 * checker then finds every committed event in the streams once, per-entity order kept.
 *
 * On loopback a replica is a millisecond behind, so the test makes the loss certain: it
 * cuts the replica's link first (a wrong `masterauth`, then CLIENT KILL TYPE master: it
 * cannot resync) and lets the master acknowledge entries the replica never gets.
 *
 * Under load this also caught the BullMQ side never fetching again after the failover (its
 * blocked-connection recovery awaited a `Cluster.connect()` that ioredis dropped when its
 * ready check failed): workers/queue.ts `bullConnection` has no ready check in a cluster.
 */
import { afterAll, expect, it } from 'vitest';
import { Checker, expectClean } from './support/checker.js';
import { WriteLoad } from './support/load.js';
import { logDir, removeLogs, startApi, startWorker, type Service } from './support/processes.js';
import { metric, workerMetrics } from './support/redis-faults.js';
import { freePort, sharedDatabase, sleep, startRedisCluster, stopAll, type ClusterNode, type RedisCluster } from './support/servers.js';

const names = { prefix: '{l01}:', channelPrefix: '' };
let failed = true;

/** The live replica of `master`, as the replicas' INFO says. */
async function replicaOf(cluster: RedisCluster, master: ClusterNode): Promise<ClusterNode> {
  for (const n of cluster.nodes.filter((x) => x.alive && x !== master)) {
    const r = n.client();
    try {
      if ((await r.info('replication')).includes(`master_port:${master.port}`)) return n;
    } finally {
      r.disconnect();
    }
  }
  throw new Error(`no replica of ${master.port}`);
}

const xlen = async (node: ClusterNode, key: string) => {
  const r = node.client();
  try {
    await r.call('READONLY'); // a replica answers reads of its master's slots
    return await r.xlen(key);
  } finally {
    r.disconnect();
  }
};
afterAll(async () => {
  await stopAll();
  if (failed) console.log(`[Redis Cluster failover] process logs in ${logDir()}`);
  else removeLogs();
});

it('loses and doubles nothing when the master of the service slot dies and its replica takes over', async () => {
  const [cluster, db] = await Promise.all([startRedisCluster({ nodeTimeoutMs: 2000 }), sharedDatabase('l01_cluster_failover')]);
  const env = { DATABASE_URL: db.url, ...cluster.env };
  const [api, worker] = await Promise.all([
    startApi(env),
    startWorker({ ...env, L01_STREAM_AUDIT_INTERVAL_MS: '1000', L01_WORKER_METRICS_PORT: String(await freePort()) }),
  ]) as [Awaited<ReturnType<typeof startApi>>, Service];
  const checker = await new Checker({ databaseUrl: db.url, redisUrl: cluster.target, names }).start();
  try {
    const load = new WriteLoad({ baseUrl: api.baseUrl, rate: 50, concurrency: 4, maxWrites: 100_000 }).start();
    checker.record(load.acks);
    await load.acknowledged(150);

    const master = await cluster.masterOf('l01');
    const replica = await replicaOf(cluster, master);
    const cut = replica.client();
    await cut.config('SET', 'masterauth', 'not-the-password');
    await cut.client('KILL', 'TYPE', 'master');
    const stream = `${names.prefix}stream:events`;
    const [onMaster0, onReplica] = [await xlen(master, stream), await xlen(replica, stream)];
    // The master goes on acknowledging entries its replica will never have.
    while ((await xlen(master, stream)) < onMaster0 + 30) await sleep(100);
    const unreplicated = (await xlen(master, stream)) - onReplica;
    const killedAt = Date.now();
    await master.kill();
    await cut.config('SET', 'masterauth', '');
    cut.disconnect();
    await cluster.waitHealthy('l01', 30_000);
    const promoted = await cluster.masterOf('l01');
    expect(promoted.port).not.toBe(master.port);
    const failoverMs = Date.now() - killedAt;
    // Writes never depended on Redis; events keep flowing through the new master.
    await load.acknowledged(150);
    const stats = await load.stop();
    expect(Object.keys(stats.byStatus).sort(), 'writes do not depend on Redis').toEqual(['200', '201']);

    const report = await checker.report({ timeoutMs: 60_000 });
    const text = await workerMetrics(worker);
    const healed = metric(text, 'l01_stream_healed_entries_total');
    const healedGlobal = metric(text, 'l01_stream_healed_entries_total', `stream="${stream}"`);
    console.log(`[Redis Cluster failover] master ${master.port} killed ${unreplicated} global-stream entries ahead of its replica; ` +
      `${promoted.port} promoted after ${failoverMs} ms; re-published from the log: ${healed} entries (${healedGlobal} of the global stream)`);
    expectClean('Redis Cluster failover', report);
    expect(healedGlobal, 'what the replica never had came back from the log').toBeGreaterThanOrEqual(unreplicated);
    failed = false;
  } finally {
    await checker.stop();
  }
}, 240_000);
