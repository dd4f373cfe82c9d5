/**
 * One HTTP request with the client's policy: bearer token, JSON, a timeout, and retries
 * with capped exponential backoff (full jitter) on what is worth retrying, namely a 503
 * (the API's dependency is down: it says so, with Retry-After) and a connection that
 * could not be made or was reset. Everything else is answered at once.
 */
import { L01ConnectionError, L01ProblemError } from './errors.js';

export interface TransportOptions {
  baseUrl: string;
  token: string;
  /** Attempts in all, the first included. Default 5. */
  attempts?: number;
  /** First backoff, ms; doubles per retry up to `maxBackoffMs`. Default 100. */
  backoffMs?: number;
  /** Default 2000. */
  maxBackoffMs?: number;
  /** Per attempt, ms. Default 10000. */
  timeoutMs?: number;
  /** Headers sent with every request (e.g. `x-correlation-id`). */
  headers?: Record<string, string>;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Response<T> {
  status: number;
  body: T;
  headers: Headers;
  /** Attempts made (1 = no retry). */
  attempts: number;
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);

/** fetch wraps the socket error: `TypeError('fetch failed', { cause: { code } })`. */
function connectionCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string; errors?: Array<{ code?: string }> } })?.cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => { signal?.removeEventListener('abort', abort); resolve(); }, ms);
    function abort() { clearTimeout(t); reject(signal!.reason); }
    signal?.addEventListener('abort', abort, { once: true });
  });

export function createTransport(o: TransportOptions) {
  const attempts = o.attempts ?? 5;
  const backoffMs = o.backoffMs ?? 100;
  const maxBackoffMs = o.maxBackoffMs ?? 2000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const doFetch = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/+$/, '');

  const url = (path: string, query?: Record<string, unknown>) => {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    return u;
  };
  const delay = (attempt: number, retryAfter: string | null) => {
    const capped = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
    const hinted = retryAfter && /^\d+$/.test(retryAfter) ? Math.min(Number(retryAfter) * 1000, maxBackoffMs) : 0;
    return Math.max(hinted, Math.random() * capped);
  };

  return async function send<T>(req: Request): Promise<Response<T>> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${o.token}`, ...o.headers, ...req.headers };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    for (let attempt = 1; ; attempt++) {
      const signal = req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
      let res: globalThis.Response;
      try {
        res = await doFetch(url(req.path, req.query), { method: req.method, headers, body, signal });
      } catch (err) {
        if (req.signal?.aborted) throw err;
        const code = connectionCode(err);
        if (attempt < attempts && code && RETRYABLE_CODES.has(code)) {
          await sleep(delay(attempt, null), req.signal);
          continue;
        }
        throw new L01ConnectionError(`${req.method} ${req.path}: ${code ?? (err as Error).message} after ${attempt} attempt(s)`, { cause: err });
      }
      if (res.status === 503 && attempt < attempts) {
        await res.body?.cancel();
        await sleep(delay(attempt, res.headers.get('retry-after')), req.signal);
        continue;
      }
      const text = await res.text();
      const parsed = text ? safeJson(text) : undefined;
      if (res.ok) return { status: res.status, body: parsed as T, headers: res.headers, attempts: attempt };
      const problem = parsed && typeof parsed === 'object' && 'status' in parsed ? (parsed as ConstructorParameters<typeof L01ProblemError>[0])
        : { status: res.status, title: res.statusText || 'Error', detail: text.slice(0, 500) || undefined };
      throw Object.assign(new L01ProblemError(problem, res.headers), { attempts: attempt });
    }
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export type Send = ReturnType<typeof createTransport>;
