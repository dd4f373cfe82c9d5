import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * An ioredis client that never blocks a caller on a dead server: no offline queue (a
 * command fails at once while disconnected), one retry per command, keepalive and a
 * connect timeout for half-open sockets, and reconnection forever with capped backoff.
 */
export function createRedis(url: string, log: Logger, name: string, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
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
  redis.on('error', (err) => {
    if (!down) log.warn({ err: err.message, redis: name }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ redis: name }, 'redis reconnected');
    down = false;
  });
  return redis;
}
