/**
 * One HTTP request with the client's policy: bearer token, JSON, a timeout, and retries of
 * what is worth retrying, namely a 503 (the API's dependency is down: it says so, with
 * Retry-After) and a connection that could not be made or was reset. Everything else is
 * answered at once.
 *
 * The retries are undici's RetryAgent (exponential backoff from `backoffMs`, capped at
 * `maxBackoffMs`, Retry-After honoured), for every method. Every write (POST, PUT, PATCH,
 * DELETE) carries an `Idempotency-Key` drawn once per call and sent again with each retry,
 * so a write whose answer was lost is answered from the stored first answer, never applied
 * twice (api/idempotency; for `L01_IDEMPOTENCY_TTL_MS`, 24 h by default). A retry that finds
 * its first attempt still running (409 on the key: the connection broke, the server did not)
 * waits its Retry-After and asks again with the same key, within the same attempts: throwing
 * there would make the caller retry with a new key, and apply the write twice.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, RetryAgent } from 'undici';
import { sleep } from '../lib/time.js';
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
  /** Connecting, and waiting for each answer, ms. Default 10000. */
  timeoutMs?: number;
  /** Headers sent with every request (e.g. `x-correlation-id`). */
  headers?: Record<string, string>;
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
}

/** Connection failures worth another attempt (the server restarting, a proxy resetting). */
const RETRYABLE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN'];

/** The code of a socket error (an AggregateError of both address families, for a refused localhost). */
function connectionCode(err: unknown): string | undefined {
  const e = err as { code?: string; errors?: Array<{ code?: string }> };
  return e?.code ?? e?.errors?.[0]?.code;
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  return headers;
}

export function createTransport(o: TransportOptions) {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const base = o.baseUrl.replace(/\/+$/, '');
  const dispatcher = new RetryAgent(new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }), {
    maxRetries: (o.attempts ?? 5) - 1,
    minTimeout: o.backoffMs ?? 100,
    maxTimeout: o.maxBackoffMs ?? 2000,
    timeoutFactor: 2,
    retryAfter: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    statusCodes: [503],
    errorCodes: RETRYABLE_CODES,
    // The last 503 is answered like any other error (an L01ProblemError), not thrown as undici's own.
    throwOnError: false,
  });

  const url = (path: string, query?: Record<string, unknown>) => {
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    return u;
  };
  // undici's request(), not fetch: fetch turns a body into a stream that a retry cannot send again.

  return async function send<T>(req: Request): Promise<Response<T>> {
    const headers: Record<string, string> = {
      accept: 'application/json', authorization: `Bearer ${o.token}`,
      ...(req.method === 'GET' ? {} : { 'idempotency-key': randomUUID() }), ...o.headers, ...req.headers,
    };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const target = url(req.path, req.query);
    let status: number;
    let resHeaders: Headers;
    let text: string;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await dispatcher.request({ origin: target.origin, path: target.pathname + target.search, method: req.method, headers, body, signal: req.signal });
        status = res.statusCode;
        resHeaders = toHeaders(res.headers);
        text = await res.body.text();
      } catch (err) {
        if (req.signal?.aborted) throw err;
        throw new L01ConnectionError(`${req.method} ${req.path}: ${connectionCode(err) ?? (err as Error).message}`, { cause: err });
      }
      if (!(status === 409 && attempt < (o.attempts ?? 5) && keyInFlight(text))) break;
      await sleep(Math.min(1000 * Number(resHeaders.get('retry-after') ?? 1), o.maxBackoffMs ?? 2000), req.signal);
    }
    const parsed = text ? safeJson(text) : undefined;
    if (status >= 200 && status < 300) return { status, body: parsed as T, headers: resHeaders };
    const problem = parsed && typeof parsed === 'object' && 'status' in parsed ? (parsed as ConstructorParameters<typeof L01ProblemError>[0])
      : { status, title: 'Error', detail: text.slice(0, 500) || undefined };
    throw new L01ProblemError(problem, resHeaders);
  };
}

/** A 409 about the request's own Idempotency-Key: its first attempt is still being answered. */
function keyInFlight(text: string): boolean {
  const p = safeJson(text) as { errors?: Array<{ field?: string }> } | undefined;
  return Array.isArray(p?.errors) && p.errors.some((e) => e.field === 'headers.idempotency-key');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export type Send = ReturnType<typeof createTransport>;
