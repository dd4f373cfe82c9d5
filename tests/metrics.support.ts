/**
 * Shared by the metrics and dashboard tests: the real worker process (`npm run
 * start:worker`) with an environment of the test's own, a free port, polling, a private
 * Redis key prefix, and a parser for the Prometheus text format.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export function testPrefix(what: string): string {
  return `l01_test_${what}_${randomBytes(5).toString('hex')}:`;
}

export { deleteKeys } from './helpers/redis-keys.js';

export { freePort } from './faults/support/servers.js';

export async function waitFor<T>(check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface WorkerProcess {
  /** Every log line so far (pino JSON, unparsed). */
  readonly output: string[];
  /** null while it runs. */
  exitCode(): number | null;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `src/worker.ts` as `npm run start:worker` does. */
export async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const s of [proc.stdout!, proc.stderr!]) s.on('data', (b: Buffer) => output.push(...b.toString().split('\n').filter(Boolean)));
  const exited = once(proc, 'exit');
  await waitFor(() => output.some((l) => l.includes('worker started')) || proc.exitCode !== null, 30_000, 'the worker to start');
  if (proc.exitCode !== null) throw new Error(`worker exited at start:\n${output.join('\n')}`);
  return {
    output,
    exitCode: () => proc.exitCode,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Prometheus text → `name{labels}` → value (labels as written, sorted by the client). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Every pub/sub message on the channels under `prefix`, from the file's beforeAll to its afterAll. */
export function recordMessages(prefix: string): Array<{ channel: string; text: string }> {
  const received: Array<{ channel: string; text: string }> = [];
  let sub: Redis | undefined;
  beforeAll(async () => {
    sub = new Redis(inject('redisUrl'));
    sub.on('pmessage', (_p: string, channel: string, text: string) => received.push({ channel, text }));
    await sub.psubscribe(`${prefix}*`);
  });
  afterAll(() => sub?.disconnect());
  return received;
}
