/**
 * The real API and worker processes, spawned exactly as `npm run start:api` /
 * `start:worker` run them (`node --import tsx src/…`), each with its own environment and
 * its logs captured (pino JSON lines, parsed) so a test can wait for a line such as
 * "became relay leader" and a failed run can show what each process said.
 *
 * Signals go to the process itself: SIGKILL (crash), SIGSTOP/SIGCONT (freeze: a GC pause,
 * a VM migration, a debugger), SIGTERM (graceful stop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deleteKeys } from '../../helpers/redis-keys.js';
import { freePort, onCleanup, sleep } from './servers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface LogLine {
  /** When the test process read it (ms since epoch). */
  at: number;
  /** pino's own timestamp, when the line is JSON. */
  time?: number;
  level?: number;
  msg?: string;
  raw: string;
  fields: Record<string, unknown>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

let logRoot: string | null = null;
/** Where every process of this test file writes its log, kept after the run. */
export function logDir(): string {
  if (!logRoot) {
    logRoot = join(tmpdir(), `l01-faults-${process.pid}-${Date.now().toString(36)}`);
    mkdirSync(logRoot, { recursive: true });
  }
  return logRoot;
}

/** Deletes this test file's process logs (a passing run keeps none). */
export function removeLogs(): void {
  if (logRoot) rmSync(logRoot, { recursive: true, force: true });
  logRoot = null;
}

export class Service {
  readonly logs: LogLine[] = [];
  readonly startedAt = Date.now();
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;
  private readonly waiters = new Set<() => void>();
  /** Written synchronously: the test process may exit right after a failure. */
  private readonly file: string;

  constructor(readonly name: string, private readonly proc: ChildProcess) {
    this.file = join(logDir(), `${name}.log`);
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        appendFileSync(this.file, `--- exited code=${code} signal=${signal}\n`);
        this.notify();
        resolve(this.exit);
      });
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (raw) => this.read(raw));
    }
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  private read(raw: string): void {
    appendFileSync(this.file, `${raw}\n`);
    let fields: Record<string, unknown> = {};
    try {
      fields = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // not JSON: tsx or node writing to stderr
    }
    this.logs.push({
      at: Date.now(), raw, fields,
      time: typeof fields.time === 'number' ? fields.time : undefined,
      level: typeof fields.level === 'number' ? fields.level : undefined,
      msg: typeof fields.msg === 'string' ? fields.msg : undefined,
    });
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  /** The first line from index `from` on that matches; rejects on timeout or exit. */
  waitForLog(match: string | RegExp | ((l: LogLine) => boolean), timeoutMs = 30_000, from = 0): Promise<LogLine> {
    const test = typeof match === 'function' ? match
      : typeof match === 'string' ? (l: LogLine) => l.msg === match
        : (l: LogLine) => match.test(l.raw);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        const found = this.logs.slice(from).find(test);
        if (found || this.exit) {
          clearTimeout(timer);
          this.waiters.delete(check);
          if (found) resolve(found);
          else reject(new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before logging ${String(match)}\n${this.tail()}`));
        }
      };
      timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.name} did not log ${String(match)} within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Lines that are not pino JSON (warnings, stack traces), at most `max`. */
  unstructured(max = 10): string[] {
    return this.logs.filter((l) => l.level === undefined).slice(0, max).map((l) => l.raw.slice(0, 300));
  }

  hasLogged(msg: string, from = 0): boolean {
    return this.logs.slice(from).some((l) => l.msg === msg);
  }

  /** The last lines of its output, for a failure message. */
  tail(n = 20): string {
    return this.logs.slice(-n).map((l) => `  [${this.name}] ${l.raw.slice(0, 400)}`).join('\n');
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(sig);
  }

  /** SIGKILL, then wait until it is gone. */
  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.alive) return this.exited;
    this.signal('SIGCONT'); // a frozen process cannot handle SIGTERM
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

export type Env = Record<string, string>;

const BASE_ENV: Env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  NODE_ENV: 'test',
  L01_HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
};

let serial = 0;
function spawnService(kind: 'api' | 'worker' | 'supervisor', entry: string, env: Env, args: string[] = []): Service {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: { ...BASE_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service = new Service(`${kind}-${++serial}`, proc);
  const unregister = onCleanup({
    async: async () => void (await service.kill()),
    sync: () => proc.kill('SIGKILL'),
  });
  void service.exited.then(unregister);
  return service;
}

export interface Api extends Service {
  baseUrl: string;
}

/** The API process on a free port; resolves once `/health/live` answers. */
export async function startApi(env: Env): Promise<Api> {
  const port = await freePort();
  const service = spawnService('api', 'src/server.ts', { ...env, L01_PORT: String(port) }) as Api;
  service.baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!service.alive) throw new Error(`API exited during start\n${service.tail()}`);
    try {
      const res = await fetch(`${service.baseUrl}/health/live`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return service;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`API did not start within 30 s\n${service.tail()}`);
    await sleep(100);
  }
}

/**
 * `L01_API_PROCESSES=n` API processes behind one free port, under the real supervisor
 * (`node --import tsx src/supervisor.ts api`); its output includes theirs. Resolves once
 * all n listen.
 */
export async function startApiProcesses(env: Env, n: number): Promise<Api> {
  const port = await freePort();
  const service = spawnService('supervisor', 'src/supervisor.ts', { LOG_LEVEL: 'info', ...env, L01_API_PROCESSES: String(n), L01_PORT: String(port) }, ['api']) as Api;
  service.baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (service.logs.filter((l) => l.msg?.startsWith('Server listening')).length < n) {
    if (!service.alive) throw new Error(`supervisor exited during start\n${service.tail()}`);
    if (Date.now() > deadline) throw new Error(`${n} API processes did not start within 60 s\n${service.tail()}`);
    await sleep(100);
  }
  return service;
}

/**
 * A worker process (publisher, and relay when it wins the advisory lock), logging at
 * info so its leadership lines can be observed. Resolves once it logged "worker started".
 */
export async function startWorker(env: Env): Promise<Service> {
  // Metrics on a port of the OS's choosing: many workers share this machine (and its 9465).
  const service = spawnService('worker', 'src/worker.ts', { LOG_LEVEL: 'info', L01_WORKER_METRICS_PORT: '0', ...env });
  await service.waitForLog('worker started', 30_000);
  return service;
}

/** The worker whose latest leadership line says it leads, among those alive. */
export function currentLeader(workers: Service[]): Service | undefined {
  let best: { w: Service; at: number } | undefined;
  for (const w of workers) {
    if (!w.alive) continue;
    const lines = w.logs.filter((l) => l.msg === 'became relay leader' || l.msg === 'relay leadership ended');
    const last = lines.at(-1);
    if (last?.msg === 'became relay leader' && (!best || last.at > best.at)) best = { w, at: last.at };
  }
  return best?.w;
}

/** The relay partitions a worker leads now, by its own log lines (each names its partition). */
export function ledPartitions(w: Service): Set<number> {
  const led = new Set<number>();
  for (const l of w.logs) {
    const p = l.fields.partition;
    if (typeof p !== 'number') continue;
    if (l.msg === 'became relay leader') led.add(p);
    else if (l.msg === 'relay leadership ended') led.delete(p);
  }
  return led;
}

/** Waits until one of `workers` leads, and returns it. */
export async function waitForLeader(workers: Service[], timeoutMs = 15_000): Promise<Service> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leader = currentLeader(workers);
    if (leader) return leader;
    if (Date.now() > deadline) throw new Error(`no relay leader within ${timeoutMs} ms\n${workers.map((w) => w.tail(10)).join('\n')}`);
    await sleep(50);
  }
}

/**
 * For a process pointed at the SHARED Redis (not a private redis-server): its own key
 * prefix, and the removal of whatever it wrote there under it, for afterAll.
 */
export function sharedRedisPrefix(label: string): { env: Env; cleanup(url: string): Promise<void> } {
  const prefix = `l01_${label}_${Math.random().toString(16).slice(2, 10)}:`;
  return {
    env: { L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix },
    async cleanup(url) {
      const { Redis } = await import('ioredis');
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        await deleteKeys(redis, prefix);
      } finally {
        redis.disconnect();
      }
    },
  };
}
