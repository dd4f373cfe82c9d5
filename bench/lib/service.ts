/**
 * The service under test, as real OS processes started exactly as `npm start`,
 * `npm run start:api` and `npm run start:worker` start them (the compiled dist/ entry, with
 * the flags of src/runtime.ts; `npm run bench` builds first), without the npm wrapper so that signals reach the process itself. Logs go to
 * bench/results/logs/<bench>-<kind>.log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deferCleanup, throwIfAborting } from './cleanup.js';
import { nodeArgs, processEnv } from '../../src/runtime.js';
import { LOG_DIR, REPO_ROOT } from './options.js';

export type Kind = 'all' | 'api' | 'worker';
export type Role = 'api' | 'worker';

const ENTRY: Record<Kind, string> = {
  all: 'dist/supervisor.js',
  api: 'dist/server.js',
  worker: 'dist/worker.js',
};

const STOP_TIMEOUT_MS = 20_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Children of `ppid`, from /proc (the supervisor forks the API and the worker). */
function childrenOf(ppid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name (field 2) may contain spaces, hence lastIndexOf.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === ppid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

function roleOf(pid: number): Role | null {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (/server\.[jt]s/.test(cmd)) return 'api';
    if (/worker\.[jt]s/.test(cmd)) return 'worker';
  } catch {
    // gone
  }
  return null;
}

export class Service {
  private exitCode: number | null = null;
  private readonly exited: Promise<void>;
  private knownPids = new Map<Role, number>();
  readonly stop: () => Promise<void>;

  private constructor(
    readonly kind: Kind,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exitCode = code ?? (signal ? 128 : 0);
      resolve();
    }));
    this.stop = deferCleanup(`${kind} process`, () => this.terminate());
  }

  /** Starts the process. Stop it with `stop()` (also done on Ctrl-C by the cleanup registry). */
  static start(kind: Kind, env: NodeJS.ProcessEnv, logName: string): Service {
    throwIfAborting(`the ${kind} process`);
    mkdirSync(LOG_DIR, { recursive: true });
    const logFile = join(LOG_DIR, `${logName}-${kind}.log`);
    const fd = openSync(logFile, 'w');
    try {
      const child = spawn(process.execPath, [...nodeArgs(ENTRY[kind]), ENTRY[kind]], { cwd: REPO_ROOT, env: { ...env, ...processEnv(ENTRY[kind]) }, stdio: ['ignore', fd, fd] });
      return new Service(kind, child, logFile);
    } finally {
      closeSync(fd);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  /** The pid of the API or worker process, or null while it is not (yet) running. */
  pidOf(role: Role): number | null {
    if (this.kind !== 'all') return this.kind === role && this.running ? this.pid : null;
    const known = this.knownPids.get(role);
    if (known !== undefined && alive(known)) return known;
    for (const pid of childrenOf(this.pid)) {
      if (roleOf(pid) === role) {
        this.knownPids.set(role, pid);
        return pid;
      }
    }
    return null;
  }

  /** Throws when the process has exited: a benchmark against a dead service measures nothing. */
  assertRunning(): void {
    if (!this.running) throw new Error(`the ${this.kind} process exited (code ${this.exitCode}); see ${this.logFile}`);
  }

  /** Waits until GET /health/ready answers 200 (the API is up with its database and Redis). */
  async waitReady(baseUrl: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertRunning();
      try {
        const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.kind} not ready after ${timeoutMs} ms; see ${this.logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until the supervisor's children are both running (their pids are needed for RSS). */
  async waitChildren(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.kind === 'all' && (this.pidOf('api') === null || this.pidOf('worker') === null)) {
      this.assertRunning();
      if (Date.now() > deadline) throw new Error(`supervisor children not found; see ${this.logFile}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM, as an operator would; SIGKILL after 20 s. Children of the supervisor too. */
  private async terminate(): Promise<void> {
    const children = this.kind === 'all' ? [this.pidOf('api'), this.pidOf('worker')].filter((p): p is number => p !== null) : [];
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    // The supervisor stops its children before it exits; make sure none outlives it.
    for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}
