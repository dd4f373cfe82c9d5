/**
 * The launcher of every process: `npm start` runs the API and the relay worker,
 * `npm run start:api` / `start:worker` (and the containers) one of them:
 *
 *   node dist/supervisor.js [api] [worker]      (no argument: both)
 *
 * It migrates once, then runs each as a separate OS process with the Node flags of
 * runtime.ts, and keeps them running. A child that dies is restarted after 500 ms (a crash
 * loop backs off to 5 s); SIGTERM/SIGINT is passed to the children, and the supervisor
 * exits when they have stopped (or kills them after 15 s).
 *
 * `L01_API_PROCESSES=N` (N > 1) runs N API processes behind the one port with node:cluster
 * (this process holds the listening socket and hands connections round-robin to them);
 * one that dies is restarted like any child while the others keep serving. Rate limits are
 * then shared through Redis (config.ts L01_RATE_LIMIT_STORE).
 */
import { fork, type ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { startProcess } from './entry.js';
import { nodeArgs, processEnv } from './runtime.js';

// Beside this file: server.js/worker.js when running the build, .ts when run from sources.
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const CHILDREN = {
  api: fileURLToPath(new URL(`./server${ext}`, import.meta.url)),
  worker: fileURLToPath(new URL(`./worker${ext}`, import.meta.url)),
} as const;
type Name = keyof typeof CHILDREN;

const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(a in CHILDREN));
if (unknown.length > 0) {
  process.stderr.write(`l01: unknown process ${unknown.join(', ')}; run: supervisor.js [api] [worker]\n`);
  process.exit(1);
}
const names: Name[] = asked.length > 0 ? [...new Set(asked as Name[])] : ['api', 'worker'];

const { config, log } = await startProcess('l01-supervisor', { traced: false });
const apiProcesses = config.L01_API_PROCESSES;

/** One child: `api`, `worker`, or `api.<n>` with several API processes. */
interface Instance {
  name: Name;
  key: string;
}

let stopping = false;
const running = new Map<string, ChildProcess>();
const recentCrashes = new Map<string, number[]>();

function spawnChild(name: Name): ChildProcess {
  const file = CHILDREN[name];
  const env = { ...process.env, ...processEnv(file) };
  if (name === 'api' && apiProcesses > 1) {
    // A cluster worker shares the supervisor's process group, so a Ctrl-C reaches it too:
    // server.ts ignores SIGINT there and stops on the SIGTERM sent below.
    cluster.setupPrimary({ exec: file, execArgv: nodeArgs(file) });
    return cluster.fork(env).process;
  }
  // Own process group: a Ctrl-C or group signal reaches the supervisor only, which then
  // stops each child exactly once. A child whose supervisor vanishes stops itself (IPC disconnect).
  return fork(file, [], { execArgv: nodeArgs(file), env, detached: true });
}

function start({ name, key }: Instance): void {
  const child = spawnChild(name);
  running.set(key, child);
  log.info({ child: key, pid: child.pid }, 'started');
  child.on('exit', (code, signal) => {
    running.delete(key);
    if (stopping) {
      if (running.size === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    const crashes = [...(recentCrashes.get(key) ?? []).filter((t) => now - t < 30_000), now];
    recentCrashes.set(key, crashes);
    const delay = crashes.length > 5 ? 5000 : 500;
    log.warn({ child: key, code, signal, restartInMs: delay }, 'child exited; restarting');
    setTimeout(() => !stopping && start({ name, key }), delay);
  });
}

function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'stopping');
  if (running.size === 0) process.exit(0);
  for (const child of running.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of running.values()) child.kill('SIGKILL');
    process.exit(1);
  }, 15_000).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
// `npm start` runs us under `sh -c`; if that wrapper is killed without passing the signal
// on, we are re-parented: treat it as a stop rather than run on unsupervised.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop('SIGTERM'), 1000).unref();
process.on('SIGINT', () => stop('SIGINT'));
for (const name of names) {
  const count = name === 'api' ? apiProcesses : 1;
  for (let n = 1; n <= count; n++) start({ name, key: count > 1 ? `${name}.${n}` : name });
}
