/**
 * What the Redis data-loss and memory fault tests share: snapshots of a private
 * redis-server's data (an RDB taken with SAVE, brought back as the AOF's base file, which
 * is what Redis 7 loads when AOF is on), the worker's own /metrics, readiness, and the
 * checker's consumer group recreated where Redis lost it (as any consumer would).
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Service } from './processes.js';
import type { RedisServer } from './servers.js';

/** SAVE, then a copy of the RDB in the server's dir (removed with it); returns its path. */
export async function snapshot(redis: RedisServer, client: Redis): Promise<string> {
  await client.call('SAVE');
  const path = join(redis.dir, 'older-snapshot.rdb');
  copyFileSync(join(redis.dir, 'dump.rdb'), path);
  return path;
}

/**
 * SIGKILL, then starts it again from `rdb` (an older snapshot), or with no data at all
 * (`null`: a restart without persistence, or from a lost volume).
 */
export async function restartFrom(redis: RedisServer, rdb: string | null): Promise<void> {
  await redis.kill('SIGKILL');
  const aof = join(redis.dir, 'appendonlydir');
  rmSync(aof, { recursive: true, force: true });
  rmSync(join(redis.dir, 'dump.rdb'), { force: true });
  if (rdb) {
    mkdirSync(aof);
    copyFileSync(rdb, join(aof, 'appendonly.aof.1.base.rdb'));
    writeFileSync(join(aof, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.rdb seq 1 type b\n');
  }
  await redis.start();
}

/** The checker reads the global stream through group `checker`: recreated from the start if Redis lost it. */
export async function ensureCheckerGroup(client: Redis, stream = 'l01:stream:events'): Promise<void> {
  try {
    await client.xgroup('CREATE', stream, 'checker', '0', 'MKSTREAM');
  } catch (err) {
    if (!/BUSYGROUP/.test((err as Error).message)) throw err;
  }
}

/** The worker's /metrics text (its port is the one it logged: start it with L01_WORKER_METRICS_PORT set, 0 is off). */
export async function workerMetrics(worker: Service): Promise<string> {
  const line = await worker.waitForLog('worker metrics at /metrics', 5000);
  const port = line.fields.port as number;
  return (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
}

/** Sum of a metric's samples whose labels contain `labels` (e.g. `stream="l01:stream:events"`). */
export function metric(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export interface Readiness {
  status: number;
  checks: Record<string, string>;
  problems?: Record<string, string>;
}

export async function readiness(baseUrl: string): Promise<Readiness> {
  const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as Omit<Readiness, 'status'>;
  return { status: res.status, checks: body.checks, ...(body.problems ? { problems: body.problems } : {}) };
}

/** Polls readiness until `accept` holds (returning that answer), or throws after `timeoutMs`. */
export async function readinessUntil(baseUrl: string, accept: (r: Readiness) => boolean, timeoutMs: number, what: string): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let last: Readiness | undefined;
  while (Date.now() < deadline) {
    last = await readiness(baseUrl).catch(() => undefined);
    if (last && accept(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`readiness never ${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}
