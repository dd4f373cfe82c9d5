/**
 * The service on a Redis Cluster (REDIS_CLUSTER_NODES): a private cluster of 3 masters and
 * 3 replicas, the real API and worker processes, a fresh database. Writes over HTTP reach
 * every stream exactly once and in order (the fault checker), the consumer helper's
 * pub/sub listener and consumer group read them, `l01 tail` prints them, readiness and
 * /metrics read the cluster, and retention trims the streams. Every key is under the
 * hash-tagged prefix `{l01}:`, in the slot of `l01`. The worker waits for a replica's
 * acknowledgement of each batch (L01_REDIS_WAIT_REPLICAS=1).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeStream } from '../src/consumer/consume-stream.js';
import { subscribeEvents } from '../src/consumer/subscribe.js';
import type { L01Event } from '../src/wire/message.js';
import { entityStream, globalStream } from '../src/wire/names.js';
import { publishBatch, ReplicaAckError, type OutgoingEvent } from '../src/workers/publish.js';
import { waitFor } from './consumer.support.js';
import { Checker, expectClean } from './faults/support/checker.js';
import { request, WriteLoad } from './faults/support/load.js';
import { removeLogs, startApi, startWorker, type Api, type Env } from './faults/support/processes.js';
import { sharedDatabase, startRedisCluster, stopAll, type Database, type RedisCluster } from './faults/support/servers.js';

const names = { prefix: '{l01}:', channelPrefix: '' };
const MAX_LEN = 100;
let cluster: RedisCluster;
let db: Database;
let api: Api;
let env: Env;
let redis: Cluster;

beforeAll(async () => {
  [cluster, db] = await Promise.all([startRedisCluster(), sharedDatabase('l01_cluster')]);
  // The trimmer runs every second; the first phase stays below MAX_LEN, so the checker sees every entry.
  // Every batch waits for its replica (WAIT).
  env = { DATABASE_URL: db.url, ...cluster.env, L01_STREAM_MAX_LEN: String(MAX_LEN), L01_STREAM_TRIM_INTERVAL_MS: '1000', L01_REDIS_WAIT_REPLICAS: '1' };
  [api] = await Promise.all([startApi(env), startWorker(env)]);
  redis = cluster.client();
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await stopAll();
  removeLogs();
});

const createAgent = async (name: string) => {
  const res = await request(api.baseUrl, 'POST', '/api/agents', { name, agent_type: 'cluster-test', capabilities: [], configuration: {} });
  expect(res.status).toBe(201);
  return res.body as { id: string };
};

describe('on a Redis Cluster', () => {
  it('puts every key the service writes in the slot of its hash tag, on one master', async () => {
    await createAgent('first');
    await waitFor(async () => (await redis.xlen(globalStream(names))) > 0, 20_000, 'the first event in the stream');
    const slot = Number(await redis.cluster('KEYSLOT', 'l01'));
    const keys: string[] = [];
    for (const node of redis.nodes('master')) {
      let cursor = '0';
      do {
        const [next, page] = await node.scan(cursor, 'COUNT', 500);
        cursor = next;
        keys.push(...page);
      } while (cursor !== '0');
    }
    expect(keys).toContain('{l01}:stream:events');
    expect(keys).toContain('{l01}:stream:events:agent');
    expect(keys.some((k) => k.startsWith('{l01}:bull:publish:')), 'BullMQ keys under the prefix').toBe(true);
    for (const key of keys) expect(Number(await redis.cluster('KEYSLOT', key)), key).toBe(slot);
  });

  it('delivers every write over HTTP to the streams exactly once, in order', async () => {
    const checker = await new Checker({ databaseUrl: db.url, redisUrl: cluster.target, names }).start();
    try {
      const load = new WriteLoad({ baseUrl: api.baseUrl, rate: 30, concurrency: 3, maxWrites: 45 }).start();
      checker.record(load.acks);
      const stats = await load.done();
      expect(Object.keys(stats.byStatus).sort()).toEqual(['200', '201']);
      const report = await checker.report();
      expectClean('Redis Cluster', report);
      expect(report.events, 'the first phase stays below the retention limit').toBeLessThan(MAX_LEN);
    } finally {
      await checker.stop();
    }
  }, 120_000);

  it('reaches a pub/sub listener of the consumer helper, which catches up from the stream after a lost connection', async () => {
    const received: L01Event[] = [];
    const sub = subscribeEvents({
      nodes: cluster.target.REDIS_CLUSTER_NODES, patterns: ['agent_created'], catchUp: true,
      onMessage: (e) => void received.push(e),
    });
    try {
      await sub.ready;
      const agent = await createAgent('listened');
      await waitFor(() => received.some((e) => e.entity_id === agent.id), 20_000, 'the pub/sub message');
      expect(received.find((e) => e.entity_id === agent.id)).toMatchObject({ event_type: 'agent_created', entity_type: 'agent', replayed: false });

      // It listens on the master of the global stream (slot-owner.ts): cut it off there, and
      // what is published meanwhile comes from the stream, once.
      const master = (await cluster.masterOf('l01')).client();
      try {
        expect(Number(await master.client('KILL', 'TYPE', 'pubsub')), 'the subscriber was on the master').toBeGreaterThanOrEqual(1);
      } finally {
        master.disconnect();
      }
      const missed = await Promise.all([createAgent('while away 1'), createAgent('while away 2')]);
      await waitFor(() => missed.every((a) => received.some((e) => e.entity_id === a.id)), 20_000, 'the events published while away');
      expect(sub.reconnects).toBeGreaterThanOrEqual(1);
      for (const a of [agent, ...missed]) expect(received.filter((e) => e.entity_id === a.id), a.id).toHaveLength(1);
    } finally {
      await sub.close();
    }
  });

  it('is read by a consumer group of the consumer helper, in stream order', async () => {
    const length = await redis.xlen(entityStream(names, 'agent'));
    const ids: string[] = [];
    const stop = new AbortController();
    const reader = cluster.client();
    const done = consumeStream({
      redis: reader, stream: 'agent', group: 'cluster-test', consumer: 'c1', blockMs: 200, signal: stop.signal,
      handler: (_e, ctx) => void ids.push(ctx.id),
    });
    try {
      await waitFor(() => ids.length >= length, 20_000, `${length} entries through the group`);
    } finally {
      stop.abort();
      await done;
      reader.disconnect();
    }
    const inStream = (await redis.xrange(entityStream(names, 'agent'), '-', '+')).map(([id]) => id);
    expect(ids.slice(0, inStream.length)).toEqual(inStream);
    const group = (await redis.xinfo('GROUPS', entityStream(names, 'agent')) as unknown[][])[0]!;
    expect(group[group.indexOf('pending') + 1], 'every entry acknowledged').toBe(0);
  });

  it.each([['pub/sub', []], ['--stream', ['--stream']]] as const)('prints new events with `l01 tail` (%s)', async (_label, extra) => {
    const tail = spawn(process.execPath, ['bin/l01.js', 'tail', '--type', 'agent_created', ...extra], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', ...env },
    });
    let stdout = '';
    let stderr = '';
    tail.stdout.on('data', (d) => (stdout += d));
    tail.stderr.on('data', (d) => (stderr += d));
    try {
      await waitFor(() => /listening on|tailing stream/.test(stderr), 20_000, `tail to start: ${stderr}`);
      // Events keep coming until one is printed: the stream reader's first XREAD may not be in place yet.
      let agent: { id: string } | undefined;
      await waitFor(async () => {
        if (agent && stdout.includes(agent.id)) return true;
        agent ??= await createAgent('tailed');
        if (!stdout.includes(agent.id)) await new Promise((r) => setTimeout(r, 500));
        return stdout.includes(agent.id);
      }, 20_000, 'the tailed line');
      expect(stdout).toMatch(new RegExp(`#\\d+  agent_created  agent ${agent!.id} v1  name="tailed"`));
    } finally {
      tail.kill('SIGINT');
      const [code] = await once(tail, 'exit');
      expect(code, stderr).toBe(0);
    }
  });

  it('shows the publish queue on the dashboard (Bull Board)', async () => {
    const res = await request(api.baseUrl, 'GET', '/admin/queues/api/queues?activeQueue=publish&status=completed');
    expect(res.status).toBe(200);
    const queue = (res.body as { queues: Array<{ name: string; counts: Record<string, number> }> }).queues.find((q) => q.name === 'publish');
    expect(queue?.counts.completed, 'the relay\'s completed batches').toBeGreaterThan(0);
  });

  it('answers readiness and /metrics from the cluster', async () => {
    const ready = await request(api.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'healthy', checks: { database: 'healthy', redis: 'healthy' } });
    const metrics = await request(api.baseUrl, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    const text = String(metrics.body);
    expect(text).toContain('l01_metrics_source_up{source="redis"} 1');
    const length = Number(/^l01_stream_length\{stream="\{l01\}:stream:events"\} (\d+)$/m.exec(text)?.[1]);
    expect(length).toBe(await redis.xlen(globalStream(names)));
    expect(text).toMatch(/^l01_stream_consumer_group_pending\{stream="\{l01\}:stream:events:agent",group="cluster-test"\} 0$/m);
  });

  it('with a replica acknowledgement (WAIT), counts a batch as published only once a replica holds it', async () => {
    const waitNames = { prefix: '{l01wait}:', channelPrefix: 'wait:' };
    let n = 0;
    const event = (): OutgoingEvent => {
      n++;
      const message = JSON.stringify({ event_type: 'agent_created', event_id: `e${n}`, entity_type: 'agent', entity_id: `a${n}`, entity_version: 1, position: n, payload: {}, metadata: {}, timestamp: new Date().toISOString(), replayed: false });
      return { id: `1-${n}`, entityType: 'agent', eventType: 'agent_created', message };
    };
    const ack = { replicas: 1, timeoutMs: 5000 };
    expect(await publishBatch(redis, waitNames, [event()], {}, { ack })).toEqual({ statuses: [1] });

    // Its master's replica cut off (a wrong masterauth, then its link killed: it cannot resync).
    const master = await cluster.masterOf('l01wait');
    const replicaNode = await (async () => {
      for (const x of cluster.nodes.filter((y) => y.alive && y !== master)) {
        const c = x.client();
        const info = await c.info('replication').finally(() => c.disconnect());
        if (info.includes(`master_port:${master.port}`)) return x;
      }
      throw new Error('no replica');
    })();
    const replica = replicaNode.client();
    try {
      await replica.config('SET', 'masterauth', 'not-the-password');
      await replica.client('KILL', 'TYPE', 'master');
      const unreplicated = event();
      await expect(publishBatch(redis, waitNames, [unreplicated], {}, { ack: { replicas: 1, timeoutMs: 300 } })).rejects.toBeInstanceOf(ReplicaAckError);
      expect(await redis.xlen(globalStream(waitNames)), 'appended on the master all the same').toBe(2);
      await replica.config('SET', 'masterauth', '');
      // The retry appends nothing (the entry is there) and returns once the replica has it.
      expect(await publishBatch(redis, waitNames, [unreplicated], {}, { ack })).toEqual({ statuses: [0] });
    } finally {
      await replica.config('SET', 'masterauth', '').catch(() => {});
      replica.disconnect();
    }

    // The cost, per batch of 1 and of 100 events, with and without waiting (printed, not asserted).
    const figures: string[] = [];
    for (const size of [1, 100]) {
      for (const wait of [undefined, ack]) {
        const rounds = 100;
        const started = process.hrtime.bigint();
        for (let i = 0; i < rounds; i++) await publishBatch(redis, waitNames, Array.from({ length: size }, event), {}, { ack: wait });
        figures.push(`${size} event(s) ${wait ? 'with WAIT 1' : 'no WAIT'}: ${(Number(process.hrtime.bigint() - started) / 1e6 / rounds).toFixed(2)} ms`);
      }
    }
    console.log(`[Redis Cluster] publish batch latency, mean of 100: ${figures.join('; ')}`);
  }, 60_000);

  it('trims the streams to L01_STREAM_MAX_LEN', async () => {
    // Consumer groups hold back what they have not read: these have read everything they will.
    for (const key of [globalStream(names), entityStream(names, 'agent')]) {
      for (const group of await redis.xinfo('GROUPS', key) as unknown[][]) await redis.xgroup('DESTROY', key, String(group[1]));
    }
    const more = MAX_LEN + 10 - (await redis.xlen(globalStream(names)));
    for (let i = 0; i < more; i++) await createAgent(`retained ${i}`);
    const newest = async (key: string) => JSON.parse((await redis.xrevrange(key, '+', '-', 'COUNT', 1))[0]![1][3]!) as L01Event;
    await waitFor(async () => {
      for (const key of [globalStream(names), entityStream(names, 'agent')]) {
        if ((await redis.xlen(key)) !== MAX_LEN || (await newest(key)).payload.name !== `retained ${more - 1}`) return false;
      }
      return true;
    }, 30_000, `both streams trimmed to ${MAX_LEN} entries after the last write`);
  }, 60_000);
});
