/**
 * Closed-loop HTTP load at a fixed number of connections: wrk when the machine has it (a C
 * program: it leaves the 2 cores to the service), else autocannon, driven from code in
 * this process. A fixed number of requests (`amount`) always uses autocannon.
 */
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { deferCleanup } from './cleanup.js';
import { AUTH_HEADER } from './options.js';
import { runTool } from './tools.js';

export interface LoadResult {
  /** The load generator that ran: `wrk 4.1.0` or `autocannon`. */
  tool: string;
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  body?: unknown;
  connections: number;
  /** Either a duration or a number of requests. */
  seconds?: number;
  amount?: number;
  onProgress?: (requests: number) => void;
  /** Send every request with an `Idempotency-Key` of its own, as the typed client does. */
  keyed?: boolean;
}

/** `wrk <version>` when wrk is on the PATH, else null. */
export const wrkVersion: string | null = (() => {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return null;
  const m = /wrk (\S+)/.exec(`${r.stdout}${r.stderr}`);
  return m ? `wrk ${m[1]}` : 'wrk';
})();

export async function load(opts: LoadOptions): Promise<LoadResult> {
  return wrkVersion !== null && opts.amount === undefined ? loadWithWrk(opts, wrkVersion) : loadWithAutocannon(opts);
}

/** wrk's script: the request, and a `done` hook printing the figures as one JSON line. */
function wrkScript(opts: LoadOptions): string {
  const lines = [
    `wrk.method = "${opts.method}"`,
    `wrk.headers["authorization"] = "${AUTH_HEADER}"`,
  ];
  if (opts.body !== undefined) {
    lines.push('wrk.headers["content-type"] = "application/json"', `wrk.body = [==[${JSON.stringify(opts.body)}]==]`);
  }
  if (opts.keyed) {
    // A key no other request of this run sends: the run's start, this connection's table, a count.
    lines.push(
      `local run = "${Date.now().toString(36)}"`,
      'local sent = 0',
      'request = function()',
      '  sent = sent + 1',
      '  wrk.headers["idempotency-key"] = string.format("bench-%s-%s-%d", run, tostring({}):sub(8), sent)',
      '  return wrk.format()',
      'end',
    );
  }
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'WRK {"requests":%d,"us":%d,"non2xx":%d,"errors":%d,"p50":%.1f,"p99":%.1f,"max":%.1f}\\n\',',
    '    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,',
    '    latency:percentile(50), latency:percentile(99), latency.max))',
    'end',
  );
  return lines.join('\n');
}

async function loadWithWrk(opts: LoadOptions, tool: string): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'l01-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    writeFileSync(script, wrkScript(opts));
    const seconds = opts.seconds ?? 10;
    // One thread: enough for these rates, and the service keeps the other core.
    const out = await runTool('wrk', ['-t1', `-c${opts.connections}`, `-d${seconds}s`, '--timeout', '30s', '-s', script, opts.url]);
    const line = /^WRK (\{.*\})$/m.exec(out.stdout);
    if (out.code !== 0 || !line) throw new Error(`wrk failed (exit ${out.code}): ${out.stderr || out.stdout}`);
    const r = JSON.parse(line[1]!) as { requests: number; us: number; non2xx: number; errors: number; p50: number; p99: number; max: number };
    const duration = r.us / 1e6;
    return {
      tool,
      connections: opts.connections,
      seconds: duration,
      requests: r.requests,
      // 2xx only: an API answering errors fast must not look fast. (wrk counts statuses > 399.)
      rps: (r.requests - r.non2xx) / duration,
      p50: r.p50 / 1000,
      p99: r.p99 / 1000,
      max: r.max / 1000,
      non2xx: r.non2xx,
      errors: r.errors,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function loadWithAutocannon(opts: LoadOptions): Promise<LoadResult> {
  let requests = 0;
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({
      url: opts.url,
      method: opts.method,
      connections: opts.connections,
      ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.seconds ?? 10 }),
      headers: {
        authorization: AUTH_HEADER,
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.keyed ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...req.headers, 'idempotency-key': randomUUID() } }) }] } : {}),
      timeout: 30,
    }, (err, result) => (err ? reject(err) : resolve(result)));
  });
  instance.on('response', () => {
    if (++requests % 1000 === 0) opts.onProgress?.(requests);
  });
  let finished = false;
  const stop = deferCleanup('autocannon', async () => {
    if (!finished) instance.stop();
  });
  const r = await done.finally(() => {
    finished = true;
    return stop();
  });
  return {
    tool: 'autocannon',
    connections: opts.connections,
    seconds: r.duration,
    requests: r.requests.total,
    // 2xx only: an API answering errors fast must not look fast.
    rps: r['2xx'] / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}
