/** autocannon, driven from code: closed-loop HTTP load at a fixed number of connections. */
import autocannon from 'autocannon';
import { deferCleanup } from './cleanup.js';
import { AUTH_HEADER } from './options.js';

export interface LoadResult {
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
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
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
