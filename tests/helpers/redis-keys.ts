import type { Redis } from 'ioredis';

/**
 * Deletes every key under a test's own prefix on the shared Redis (never FLUSH: other
 * test files and other users share the server). SCAN, not KEYS, so a big server is not blocked.
 */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
