/**
 * redis-benchmark, Redis' own load generator, as a baseline of the relay: XADD of a
 * message the size of a real event, pipelined, into a key under the run's prefix (deleted
 * afterwards). This is Redis alone taking entries as fast as it can.
 */
import type { Redis } from 'ioredis';
import { runTool } from './tools.js';

export interface XaddResult {
  entriesPerSecond: number;
  entries: number;
  pipeline: number;
  messageBytes: number;
  command: string;
}

export async function xaddBaseline(redisUrl: string, redis: Redis, key: string, opts: { entries: number; pipeline: number; messageBytes: number }): Promise<XaddResult> {
  const url = new URL(redisUrl);
  const message = 'x'.repeat(opts.messageBytes);
  const args = ['-h', url.hostname, '-p', url.port || '6379', '-n', String(opts.entries), '-P', String(opts.pipeline), '-q'];
  if (url.password) args.push('-a', decodeURIComponent(url.password), '--no-auth-warning');
  try {
    const { code, stdout, stderr } = await runTool('redis-benchmark', [...args, 'XADD', key, '*', 'data', message]);
    const rates = [...stdout.matchAll(/([\d.]+) requests per second/g)].map((m) => Number(m[1]));
    if (code !== 0 || rates.length === 0) throw new Error(`redis-benchmark failed (${code}): ${(stderr || stdout).trim().slice(-300)}`);
    return {
      entriesPerSecond: rates.at(-1)!,
      entries: opts.entries,
      pipeline: opts.pipeline,
      messageBytes: opts.messageBytes,
      command: `redis-benchmark ${args.join(' ')} XADD ${key} '*' data <${opts.messageBytes} bytes>`,
    };
  } finally {
    await redis.del(key);
  }
}
