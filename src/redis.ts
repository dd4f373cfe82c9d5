/**
 * Redis connections, standalone or cluster, made in one place. With REDIS_CLUSTER_NODES
 * set, every connection is an ioredis `Cluster` seeded from those nodes (credentials and
 * TLS of REDIS_URL apply to each node); otherwise a `Redis` on REDIS_URL. The rest of the
 * code holds a `RedisClient` and sends the same commands either way: every key the
 * service writes carries the hash tag of L01_REDIS_PREFIX in cluster mode (config.ts
 * insists, wire/names.ts `hashTag`), so every Lua script, MULTI and pipeline names keys
 * of one slot. What must see every node (INFO, SCAN) goes through `masters`.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** A connection to a standalone Redis or to a cluster: the commands the service sends work on both. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: the two settings of config.ts (a Config will do). */
export interface RedisTarget {
  REDIS_URL: string;
  /** Seed nodes `host:port`; empty or absent: standalone on REDIS_URL. */
  REDIS_CLUSTER_NODES?: readonly string[];
}

const target = (t: string | RedisTarget): RedisTarget => (typeof t === 'string' ? { REDIS_URL: t } : t);

export const isCluster = (t: string | RedisTarget): boolean => (target(t).REDIS_CLUSTER_NODES?.length ?? 0) > 0;

/** `host:port` → ioredis's node address. */
export function parseNode(node: string): { host: string; port: number } {
  const i = node.lastIndexOf(':');
  return { host: node.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(node.slice(i + 1)) };
}

/** REDIS_URL's credentials and TLS, which a cluster's nodes share (a cluster has no databases but 0). */
function urlOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A connection with these options. In cluster mode the per-node options go to
 * `redisOptions`, except what ioredis takes at the cluster level: `enableOfflineQueue`
 * (commands while no node is reachable), and the reconnect strategy, which becomes
 * `clusterRetryStrategy` (every node lost). A single node's connection is never retried
 * (ioredis's default): a lost node is dropped and the slots are read again, so commands
 * go to the replica promoted in its place; a node that reconnected forever would hold
 * them in its queue instead (measured: the relay stalled for good after a failover).
 * Reads go to masters (`scaleReads: 'master'`): a replica may lack an entry its master
 * acknowledged.
 */
export function openRedis(url: string, options?: RedisOptions): Redis;
export function openRedis(t: string | RedisTarget, options?: RedisOptions, cluster?: Partial<ClusterOptions>): RedisClient;
export function openRedis(t: string | RedisTarget, options: RedisOptions = {}, cluster: Partial<ClusterOptions> = {}): RedisClient {
  const { REDIS_URL, REDIS_CLUSTER_NODES } = target(t);
  if (!isCluster(t)) return new Redis(REDIS_URL, options);
  const { retryStrategy, enableOfflineQueue, lazyConnect, host: _h, port: _p, path: _path, sentinels: _s, readOnly: _r, ...node } = options;
  return new Cluster(REDIS_CLUSTER_NODES!.map(parseNode), {
    redisOptions: { ...urlOptions(REDIS_URL), ...node },
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(retryStrategy ? { clusterRetryStrategy: (n: number) => retryStrategy(n) } : {}),
    scaleReads: 'master',
    // A promoted replica is found within a second of a failover, not only when a command is redirected.
    slotsRefreshInterval: 1000,
    ...cluster,
  });
}

/**
 * An ioredis client that never blocks a caller on a dead server: no offline queue (a
 * command fails at once while disconnected), one retry per command, keepalive and a
 * connect timeout for half-open sockets, and reconnection forever with capped backoff.
 */
export function createRedis(url: string, log: Logger, name: string, extra?: RedisOptions): Redis;
export function createRedis(t: string | RedisTarget, log: Logger, name: string, extra?: RedisOptions): RedisClient;
export function createRedis(t: string | RedisTarget, log: Logger, name: string, extra: RedisOptions = {}): RedisClient {
  const redis = openRedis(t, {
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    keepAlive: 5000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    ...extra,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message, redis: name }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ redis: name }, 'redis reconnected');
    down = false;
  });
  return redis;
}

/**
 * The servers that hold data: the master nodes of a cluster (as ioredis last saw the
 * slots), or the one server. For what must be asked of every one of them: INFO, SCAN.
 */
export function masters(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}
