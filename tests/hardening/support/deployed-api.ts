/**
 * The API process as it is deployed, for the tests whose fault is about its memory and
 * connections: `src/` compiled to JavaScript into a temporary tree (TypeScript's
 * transpiler, file by file, no type check: about a second) and run as the supervisor runs
 * `dist/server.js`, with the Node flags of `src/runtime.ts` (the 112 MB old-space cap).
 * Not through tsx: its loader alone costs ~45 MB of RSS, which would make a memory bound
 * meaningless. Logs are captured like every fault-test process (`Service`), and the
 * process is killed at the end of the test file whatever happens.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { nodeArgs, processEnv } from '../../../src/runtime.js';
import { Service } from '../../faults/support/processes.js';
import { freePort, onCleanup, sleep } from '../../faults/support/servers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let tree: string | null = null;

/** src/ compiled into a temporary tree beside links to node_modules and drizzle (once per test file). */
export function compiledTree(): string {
  if (tree) return tree;
  const dir = join(tmpdir(), `l01-deployed-${process.pid}-${Date.now().toString(36)}`);
  const src = join(ROOT, 'src');
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const file of walk(src)) {
    const out = join(dir, 'dist', relative(src, file));
    mkdirSync(dirname(out), { recursive: true });
    if (file.endsWith('.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, esModuleInterop: true },
      });
      writeFileSync(out.replace(/\.ts$/, '.js'), outputText);
    } else {
      cpSync(file, out);
    }
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'drizzle'), join(dir, 'drizzle'));
  onCleanup({ async: async () => rmSync(dir, { recursive: true, force: true }), sync: () => rmSync(dir, { recursive: true, force: true }) });
  tree = dir;
  return dir;
}

export interface DeployedApi extends Service {
  baseUrl: string;
  port: number;
  /** The process's resident memory now and at its peak (VmRSS, VmHWM), MB. */
  memory(): { rssMb: number; peakMb: number };
}

let serial = 0;

/**
 * The compiled API on a free port with only `env` (plus PATH, HOME, NODE_ENV=test,
 * LOG_LEVEL=warn, and L01_HOST=127.0.0.1 unless `env` sets it or `noHost` leaves it to the
 * default); resolves once `/health/live` answers.
 */
export async function startDeployedApi(env: Record<string, string>, o: { noHost?: boolean } = {}): Promise<DeployedApi> {
  const port = await freePort();
  const entry = join(compiledTree(), 'dist', 'server.js');
  const proc = spawn(process.execPath, [...nodeArgs(entry), entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', LOG_LEVEL: 'warn',
      ...(o.noHost ? {} : { L01_HOST: '127.0.0.1' }), ...processEnv(entry), ...env, L01_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const api = new Service(`deployed-api-${++serial}`, proc) as DeployedApi;
  const unregister = onCleanup({ async: async () => void (await api.kill()), sync: () => proc.kill('SIGKILL') });
  void api.exited.then(unregister);
  api.port = port;
  api.baseUrl = `http://127.0.0.1:${port}`;
  api.memory = () => {
    const status = readFileSync(`/proc/${api.pid}/status`, 'utf8');
    const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
    return { rssMb: mb('VmRSS'), peakMb: mb('VmHWM') };
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!api.alive) throw new Error(`API exited during start\n${api.tail()}`);
    try {
      const res = await fetch(`${api.baseUrl}/health/live`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return api;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`API did not start within 30 s\n${api.tail()}`);
    await sleep(100);
  }
}
