import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import { sleep } from '../lib/time.js';
import { evicting, readRedisCondition } from './redis-watch.js';

/**
 * BullMQ and the streams must never be evicted: with any other maxmemory-policy Redis
 * may silently drop jobs or stream entries under memory pressure. Refuse to start on such
 * a server (a policy changed later is watched: redis-watch.ts). The policy is read from
 * INFO, which servers that forbid CONFIG (managed Redis) allow too; a server whose INFO
 * does not say gets a warning.
 */
export async function checkRedisPolicy(redis: RedisClient, log: Logger): Promise<void> {
  for (;;) {
    try {
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
      const c = await readRedisCondition(redis);
      if (c.policy === null) {
        log.warn('cannot read maxmemory-policy; make sure it is noeviction');
        return;
      }
      if (evicting(c)) {
        log.fatal({ policy: c.policy }, `Redis maxmemory-policy is ${c.policy}; set it to noeviction (events could be evicted)`);
        process.exit(1);
      }
      return;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'waiting for Redis');
      await sleep(1000);
    }
  }
}
