/**
 * Private servers for the fault tests: a `redis-server` and, where a scenario restarts
 * Postgres, a PostgreSQL 15 cluster, each on a free port in its own temp dir. Faults are
 * injected into these only; the machine's shared servers on 5432/6379 are never stopped,
 * flushed or reconfigured (a scenario that does not restart Postgres gets a fresh database
 * on the shared server, which it drops at the end).
 *
 * Everything started here is registered for `stopAll()`, and killed synchronously when
 * the test process exits however it exits, so a crashed run leaves no server behind.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { inject } from 'vitest';
import { migrateDatabase } from '../../../src/db/database.js';
import type { RedisTarget } from '../../../src/redis.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';

type Cleanup = { async: () => Promise<void>; sync: () => void };
const cleanups: Cleanup[] = [];
let exitHookInstalled = false;

function register(c: Cleanup): () => void {
  cleanups.push(c);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const x of cleanups.splice(0)) {
        try {
          x.sync();
        } catch {
          // best effort: the process is going away
        }
      }
    });
  }
  return () => {
    const i = cleanups.indexOf(c);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Stops every server (and process) registered here, newest first. */
export async function stopAll(): Promise<void> {
  while (cleanups.length > 0) {
    const c = cleanups.pop()!;
    await c.async().catch(() => {});
  }
}

/** Registers a process-lifetime cleanup (used by processes.ts for child processes). */
export const onCleanup = register;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Polls `probe` every 50 ms until it returns a value (not undefined); throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(50);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}

// ───────────────────────────── Redis ─────────────────────────────

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** Sends `signal` (default SIGKILL) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and dir (the AOF is replayed). */
  start(): Promise<void>;
  /** A fresh client on it (caller disconnects). */
  client(): Redis;
  stop(): Promise<void>;
}

/** Answers PING with PONG (not LOADING): the AOF has been replayed. */
async function redisReady(url: string): Promise<true | undefined> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG' ? true : undefined;
  } finally {
    r.disconnect();
  }
}

/**
 * A private redis-server: AOF with `appendfsync always` (an acknowledged write survives
 * SIGKILL), no RDB snapshots, `noeviction` like production must have.
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'l01-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', 'always', '--save', '',
    '--maxmemory-policy', 'noeviction', '--protected-mode', 'no', '--loglevel', 'warning',
  ];
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const p = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    proc = p;
    exited = new Promise((resolve) => p.once('exit', () => resolve()));
    await until(`redis-server on ${port}`, () => redisReady(url), 20_000);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill(signal);
    await exited;
    proc = null;
  };
  const stop = async () => {
    await kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  await start();
  const unregister = register({ async: stop, sync: () => proc?.kill('SIGKILL') });
  return {
    port, url, dir, kill, start,
    client: () => {
      const r = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
      r.on('error', () => {});
      return r;
    },
    stop: async () => {
      unregister();
      await stop();
    },
  };
}

// ───────────────────────────── Redis Cluster ─────────────────────────────

export interface ClusterNode {
  port: number;
  /** `127.0.0.1:<port>`, as REDIS_CLUSTER_NODES names it. */
  address: string;
  alive: boolean;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** A plain connection to this node alone (caller disconnects). */
  client(): Redis;
}

export interface RedisCluster {
  nodes: ClusterNode[];
  /** REDIS_CLUSTER_NODES (every node) and a REDIS_URL to lend credentials (none here). */
  env: { REDIS_CLUSTER_NODES: string; REDIS_URL: string };
  /** The same, as src/redis.ts takes it. */
  target: RedisTarget;
  /** A cluster client (caller disconnects). */
  client(): Cluster;
  /** The node that is master of `key`'s slot now, by asking the live nodes. */
  masterOf(key: string): Promise<ClusterNode>;
  /** Waits until every live node says cluster_state:ok and agrees on `key`'s master. */
  waitHealthy(key?: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const oneShot = (port: number) => {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  return r;
};
async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = oneShot(port);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** The port of the master of `key`'s slot, as the node on `port` sees the cluster. */
const masterPortSeenBy = (port: number, key: string) => ask(port, async (r) => {
  const slot = Number(await r.cluster('KEYSLOT', key));
  const range = (await r.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
  return range?.[2] ? Number(range[2][1]) : undefined;
});

/**
 * A private Redis Cluster of 3 masters and 3 replicas (`redis-cli --cluster create …
 * --cluster-replicas 1`), each node a `redis-server` on free ports (its cluster bus on
 * another, `--cluster-port`) in its own dir: no persistence, `noeviction`, and a short
 * `cluster-node-timeout` so a killed master's replica takes over within seconds.
 */
export async function startRedisCluster(o: { nodeTimeoutMs?: number } = {}): Promise<RedisCluster> {
  const root = mkdtempSync(join(tmpdir(), 'l01-redis-cluster-'));
  const procs: ChildProcess[] = [];
  const nodes: ClusterNode[] = [];
  const kill = async (p: ChildProcess) => {
    if (p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await gone;
  };
  const destroy = async () => {
    await Promise.all(procs.map(kill));
    rmSync(root, { recursive: true, force: true });
  };
  const unregister = register({ async: destroy, sync: () => procs.forEach((p) => p.kill('SIGKILL')) });
  /**
   * One node on two free ports. A port free when freePort() saw it can be taken before
   * redis-server binds it (by another listener, or as an outgoing connection's ephemeral
   * port): once in 15 runs of the failover test a node was gone at start ("cluster node …
   * not ready after 20000 ms: Connection is closed"). A node that exits before it answers
   * is started again on other ports, its log's last line printed.
   */
  const spawnNode = async (): Promise<{ port: number; p: ChildProcess }> => {
    for (let attempt = 1; ; attempt++) {
      const [port, bus] = [await freePort(), await freePort()];
      const dir = join(root, String(port));
      mkdirSync(dir);
      const p = spawn('redis-server', [
        '--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(o.nodeTimeoutMs ?? 2000),
        '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--protected-mode', 'no', '--loglevel', 'warning',
        '--logfile', join(dir, 'redis.log'),
      ], { stdio: ['ignore', 'ignore', 'inherit'] });
      procs.push(p);
      const exited = new Promise<undefined>((resolve) => p.once('exit', () => resolve(undefined)));
      const ready = await until(`cluster node ${port}`, () => Promise.race([redisReady(`redis://127.0.0.1:${port}`), exited.then(() => false as const)]), 20_000);
      if (ready === true) return { port, p };
      let why = 'no log';
      try {
        why = readFileSync(join(dir, 'redis.log'), 'utf8').trim().split('\n').at(-1) ?? why;
      } catch {
        // it exited before opening its log
      }
      console.warn(`[redis cluster] node on ${port} (bus ${bus}) exited at start: ${why}`);
      if (attempt === 5) throw new Error(`cluster node on ${port} (bus ${bus}) exited at start, ${attempt} times`);
    }
  };
  for (let i = 0; i < 6; i++) {
    const { port, p } = await spawnNode();
    nodes.push({
      port, address: `127.0.0.1:${port}`,
      get alive() {
        return p.exitCode === null && p.signalCode === null;
      },
      kill: () => kill(p),
      client: () => {
        const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 100 });
        r.on('error', () => {});
        return r;
      },
    });
  }
  const live = () => nodes.filter((n) => n.alive);
  const cluster: RedisCluster = {
    nodes,
    env: { REDIS_CLUSTER_NODES: nodes.map((n) => n.address).join(','), REDIS_URL: 'redis://127.0.0.1:6379' },
    target: { REDIS_CLUSTER_NODES: nodes.map((n) => n.address), REDIS_URL: 'redis://127.0.0.1:6379' },
    client: () => {
      const c = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), { slotsRefreshInterval: 500, redisOptions: { maxRetriesPerRequest: 3 } });
      c.on('error', () => {});
      return c;
    },
    async masterOf(key) {
      for (const n of live()) {
        try {
          const port = await masterPortSeenBy(n.port, key);
          const master = nodes.find((x) => x.port === port && x.alive);
          if (master) return master;
        } catch {
          // this node does not answer: ask the next
        }
      }
      throw new Error(`no live node names the master of ${key}`);
    },
    async waitHealthy(key = 'l01', timeoutMs = 60_000) {
      await until('redis cluster healthy', async () => {
        const masters = new Set<number>();
        for (const n of live()) {
          const info = await ask(n.port, (r) => r.cluster('INFO')) as string;
          if (!info.includes('cluster_state:ok')) return undefined;
          const port = await masterPortSeenBy(n.port, key);
          if (port === undefined) return undefined;
          masters.add(port);
        }
        const [master] = [...masters];
        return masters.size === 1 && live().some((n) => n.port === master) ? true : undefined;
      }, timeoutMs);
    },
    stop: async () => {
      unregister();
      await destroy();
    },
  };
  try {
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', '1', '--cluster-yes'], 60_000);
    await cluster.waitHealthy();
    // Every replica has synced with its master (a failover then loses nothing it acknowledged).
    await until('replicas in sync', async () => {
      for (const n of nodes) {
        const info = await ask(n.port, (r) => r.info('replication'));
        if (info.includes('role:slave') && !info.includes('master_link_status:up')) return undefined;
      }
      return true;
    }, 60_000);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

// ───────────────────────────── Postgres ─────────────────────────────

export interface Database {
  url: string;
  /** Drops it (shared server) or stops the whole cluster (private one). */
  drop(): Promise<void>;
}

export interface PostgresCluster extends Database {
  port: number;
  dir: string;
  /** `pg_ctl restart -m fast`: sessions are terminated, the cluster comes back on the same port. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast` … `pg_ctl start`: a longer outage, for observing 503s. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;
/** initdb and postgres refuse to run as root: run them as the `postgres` user. */
const asPostgres = (bin: string, args: string[]): [string, string[]] =>
  isRoot() ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
const pgCtl = (args: string[]) => {
  const [cmd, full] = asPostgres('pg_ctl', args);
  return run(cmd, full);
};

/** A started cluster in `dir`: its teardown (immediate stop, directory removed), registered for stopAll and exit. */
function registerCluster(dir: string, data: string): { destroy: () => Promise<void>; unregister: () => void } {
  const destroy = async () => {
    await pgCtl(['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = register({
    async: destroy,
    sync: () => {
      const [cmd, args] = asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      execFileSync(cmd, args, { stdio: 'ignore' });
    },
  });
  return { destroy, unregister };
}

/**
 * A private PostgreSQL 15 cluster (initdb into a temp dir, trust auth, socket in the same
 * dir, fsync off: a fast restart is a clean shutdown, so nothing depends on fsync), with
 * database `l01` created and migrated.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'l01-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (isRoot()) execFileSync('chown', ['postgres:postgres', dir]);
  const [initCmd, initArgs] = asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  await run(initCmd, initArgs);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const startServer = async () => {
    await pgCtl(['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
  };
  const stopServer = async () => {
    await pgCtl(['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  await startServer();
  const { destroy, unregister } = registerCluster(dir, data);
  const url = `postgres://postgres@127.0.0.1:${port}/l01`;
  await migrateDatabase(url);
  return {
    url, port, dir,
    restart: async () => {
      await pgCtl(['-D', data, '-l', log, '-m', 'fast', '-w', '-t', '60', '-o', options, 'restart']);
    },
    stopServer,
    startServer,
    drop: async () => {
      unregister();
      await destroy();
    },
  };
}

export interface ReplicaCluster {
  url: string;
  port: number;
  /** pg_ctl restart (fast shutdown): its sessions are cut, it streams again after. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  drop(): Promise<void>;
}

/**
 * A hot standby of `primary`, streaming from it: `pg_basebackup -R` (which writes
 * primary_conninfo and standby.signal) into a temp dir, started on a free port. Returns when
 * it accepts read-only connections.
 */
export async function startReplica(primary: PostgresCluster): Promise<ReplicaCluster> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'l01-pg-replica-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (isRoot()) execFileSync('chown', ['postgres:postgres', dir]);
  const [cmd, args] = asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
  await run(cmd, args);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c hot_standby=on -c max_connections=200`;
  await pgCtl(['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
  const { destroy, unregister } = registerCluster(dir, data);
  const url = `postgres://postgres@127.0.0.1:${port}/l01`;
  await until('replica', async () => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    await c.connect();
    try {
      const { rows } = await c.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      return rows[0]!.standby ? true : undefined;
    } finally {
      await c.end();
    }
  }, 60_000);
  return {
    url, port,
    restart: async () => {
      await pgCtl(['-D', data, '-l', log, '-w', '-t', '60', '-m', 'fast', '-o', options, 'restart']);
    },
    drop: async () => {
      unregister();
      await destroy();
    },
  };
}

/** A fresh, migrated database on the shared test server (only ever created and dropped). */
export async function sharedDatabase(prefix = 'l01_faults'): Promise<Database> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const server = new URL(inject('postgresUrl'));
  const url = new URL(server);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  const drop = async () => {
    const c = new pg.Client({ connectionString: server.toString(), connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  const unregister = register({ async: drop, sync: () => {} });
  return {
    url: url.toString(),
    drop: async () => {
      unregister();
      await drop();
    },
  };
}
