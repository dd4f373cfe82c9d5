/**
 * Redis's own state that can lose or refuse events, read from INFO (which managed Redis
 * services allow, unlike CONFIG): an evicting maxmemory-policy (keys — whole streams, jobs
 * — silently dropped under memory pressure), and memory over `maxmemory` (with
 * noeviction: every write refused, "OOM command not allowed"). The API's readiness reads
 * it per request (api/routes/health.ts); every worker watches it continuously, logs each
 * change, exports it as metrics, and tells the relay when keys were evicted so it compares
 * the streams with the log at once.
 *
 * In a cluster every master is read and the worst of them counts: the first evicting
 * policy, the master nearest (or over) its maxmemory, evictions summed. A master that does
 * not answer fails the reading, as a standalone Redis that does not answer does.
 */
import { masters, type RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import { sleep } from '../lib/time.js';

export interface RedisCondition {
  /** `maxmemory_policy`; null when INFO does not say. */
  policy: string | null;
  usedBytes: number;
  /** `maxmemory`; 0 = no limit. */
  maxBytes: number;
  /** Memory Redis does not count against maxmemory (replication and AOF buffers). */
  notCountedBytes: number;
  /** Keys evicted since Redis started. */
  evictedKeys: number;
}

function fields(info: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

async function readNode(redis: RedisClient): Promise<RedisCondition> {
  const [memory, stats] = await Promise.all([redis.info('memory'), redis.info('stats')]);
  const m = fields(memory);
  const num = (v: string | undefined) => (v === undefined ? 0 : Number(v) || 0);
  return {
    policy: m.get('maxmemory_policy') ?? null,
    usedBytes: num(m.get('used_memory')),
    maxBytes: num(m.get('maxmemory')),
    notCountedBytes: num(m.get('mem_not_counted_for_evict')),
    evictedKeys: num(fields(stats).get('evicted_keys')),
  };
}

/** Fraction of maxmemory in use (counted memory); 0 without a limit. */
const fill = (c: RedisCondition) => (c.maxBytes > 0 ? (c.usedBytes - c.notCountedBytes) / c.maxBytes : 0);

/** The condition of Redis: of the one server, or of the worst-off master of a cluster. */
export async function readRedisCondition(redis: RedisClient): Promise<RedisCondition> {
  const nodes = masters(redis);
  if (nodes.length === 0) throw new Error('no Redis Cluster master known (not connected yet)');
  const all = await Promise.all(nodes.map(readNode));
  const worst = all.reduce((a, b) => (fill(b) > fill(a) ? b : a));
  return {
    ...worst,
    policy: all.find(evicting)?.policy ?? (all.some((c) => c.policy === null) ? null : worst.policy),
    evictedKeys: all.reduce((n, c) => n + c.evictedKeys, 0),
  };
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** Out of memory as Redis decides it (evict.c): counted memory over maxmemory. */
export const outOfMemory = (c: RedisCondition) => c.maxBytes > 0 && c.usedBytes - c.notCountedBytes > c.maxBytes;
export const evicting = (c: RedisCondition) => c.policy !== null && c.policy !== 'noeviction';

/** Why this Redis cannot be trusted with events right now, or null. */
export function redisProblem(c: RedisCondition): string | null {
  if (evicting(c)) return `maxmemory-policy is ${c.policy}: Redis may evict stream entries and jobs (needs noeviction)`;
  if (outOfMemory(c)) return `out of memory: ${mb(c.usedBytes - c.notCountedBytes)} used of maxmemory ${mb(c.maxBytes)}; Redis refuses writes`;
  return null;
}

export interface RedisWatchOptions {
  redis: RedisClient;
  log: Logger;
  intervalMs: number;
  /** Every reading (metrics). */
  onCondition?: (c: RedisCondition) => void;
  /** Keys were evicted since the previous reading: streams may have lost entries. */
  onEviction?: (keys: number) => void;
}

/** Reads the condition every `intervalMs` until `signal` aborts; logs each change of problem. */
export async function watchRedis(o: RedisWatchOptions, signal: AbortSignal): Promise<void> {
  let problem: string | null = null;
  let evicted: number | null = null;
  while (!signal.aborted) {
    try {
      const c = await readRedisCondition(o.redis);
      o.onCondition?.(c);
      if (evicted !== null && c.evictedKeys > evicted) {
        o.log.error({ evictedKeys: c.evictedKeys - evicted, policy: c.policy }, 'Redis evicted keys: stream entries may be lost; the relay compares the streams with the event log');
        o.onEviction?.(c.evictedKeys - evicted);
      }
      evicted = c.evictedKeys;
      // Logged once per change (memory figures move while the problem stays the same).
      const kind = evicting(c) ? `evicting (${c.policy})` : outOfMemory(c) ? 'out of memory' : null;
      const state = { policy: c.policy, usedBytes: c.usedBytes, maxBytes: c.maxBytes };
      if (kind !== null && kind !== problem) o.log.error(state, `Redis: ${redisProblem(c)}`);
      if (kind === null && problem !== null) o.log.info(state, 'Redis accepts writes and evicts nothing again');
      problem = kind;
    } catch {
      // Redis away: the publisher and the relay report it; a restarted Redis counts evictions afresh.
      evicted = null;
    }
    await sleep(o.intervalMs, signal);
  }
}
