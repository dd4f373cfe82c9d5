import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { sleep } from '../lib/time.js';

/**
 * BullMQ and the streams must never be evicted: with any other maxmemory-policy Redis
 * may silently drop jobs or stream entries under memory pressure. Refuse to run on such
 * a server. Servers that forbid CONFIG (managed Redis) get a warning instead.
 */
export async function checkRedisPolicy(redis: Redis, log: Logger): Promise<void> {
  for (;;) {
    try {
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
      const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
      const policy = reply[1];
      if (policy && policy !== 'noeviction') {
        log.fatal({ policy }, `Redis maxmemory-policy is ${policy}; set it to noeviction (events could be evicted)`);
        process.exit(1);
      }
      return;
    } catch (err) {
      const message = (err as Error).message;
      if (/unknown command|NOPERM|not allowed/i.test(message)) {
        log.warn({ err: message }, 'cannot read maxmemory-policy; make sure it is noeviction');
        return;
      }
      log.warn({ err: message }, 'waiting for Redis');
      await sleep(1000);
    }
  }
}
