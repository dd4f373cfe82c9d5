/**
 * A small keep-alive HTTP client timing each request with a monotonic clock (µs
 * resolution; autocannon's histogram counts whole milliseconds, too coarse for reads
 * that take a fraction of one). Used for paced writes and for latency of reads.
 */
import http from 'node:http';
import { AUTH_HEADER } from './options.js';

export interface Timed {
  status: number;
  body: string;
  /** performance.now() when the request was started, and the round trip in ms. */
  startedAt: number;
  ms: number;
}

export class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly baseUrl: string) {}

  request(method: string, path: string, body?: unknown): Promise<Timed> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const startedAt = performance.now();
      const req = http.request(url, {
        method,
        agent: this.agent,
        headers: {
          authorization: AUTH_HEADER,
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), startedAt, ms: performance.now() - startedAt }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface ClosedLoopResult {
  latenciesMs: number[];
  seconds: number;
  errors: number;
  firstError?: string;
}

/**
 * `concurrency` loops each send the next request as soon as the previous one answered,
 * for `seconds`. Non-2xx answers count as errors and are left out of the latencies.
 */
export async function closedLoop(client: Client, opts: { seconds: number; concurrency: number; next: () => string; onTick?: (done: number) => void }): Promise<ClosedLoopResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const path = opts.next();
      try {
        const r = await client.request('GET', path);
        if (r.status >= 200 && r.status < 300) latenciesMs.push(r.ms);
        else {
          errors++;
          firstError ??= `${r.status} ${path}: ${r.body.slice(0, 200)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
      if (latenciesMs.length % 500 === 0) opts.onTick?.(latenciesMs.length);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  return { latenciesMs, seconds: (performance.now() - start) / 1000, errors, ...(firstError ? { firstError } : {}) };
}
