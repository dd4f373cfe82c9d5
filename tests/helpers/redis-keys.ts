import { masters, type RedisClient } from '../../src/redis.js';

/**
 * Deletes every key under a test's own prefix on the shared Redis (never FLUSH: other
 * test files and other users share the server). SCAN, not KEYS, so a big server is not
 * blocked; on every master of a cluster, each deleting what it holds.
 */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      // A DEL per key (pipelined): keys of different slots cannot go in one DEL on a cluster node.
      if (keys.length) await node.pipeline(keys.map((key) => ['del', key])).exec();
    } while (cursor !== '0');
  }
}
