/**
 * The compatibility harness: the original service's callers (ORIGINAL-L01-API.md section 5),
 * replayed as executable cases against a server that claims the original wire contract.
 *
 * A case performs its call(s) exactly as its caller does (path spelling, query, body keys and
 * value types, headers) and asserts what that caller reads from the answer and how it treats
 * the status. The transport is neutral: `injectSend` (Fastify `inject`, used by vitest) and
 * `fetchSend` (a running server, used by `bench/compat-callers.ts`) answer the same `Send`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

// ---------------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------------

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
export type QueryValue = string | number | boolean | undefined;

export interface SendRequest {
  method: Method;
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface SendResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON; throws (with the status and a snippet) when it is not JSON. */
  json(): any;
}

export type Send = (req: SendRequest) => Promise<SendResponse>;

/**
 * The query string as httpx builds it from `params=`: booleans as `true`/`false` (lower case),
 * numbers as their text, undefined values left out. Callers that send Python floats such as
 * `70.0` pass the string themselves (`str(70.0)` keeps the `.0`).
 */
export function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.append(name, typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** `METHOD /path?query`, for messages. */
export function describeRequest(req: SendRequest): string {
  return `${req.method} ${req.path}${encodeQuery(req.query)}`;
}

/** A short, single-line excerpt of a body, for messages. */
export function snippet(text: string, max = 240): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function response(status: number, headers: Record<string, string>, text: string): SendResponse {
  return {
    status,
    headers,
    text,
    json() {
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(`response body is not JSON (status ${status}, content-type ${headers['content-type'] ?? 'none'}): ${snippet(text) || '<empty>'}`);
      }
    },
  };
}

function requestHeaders(req: SendRequest): { headers: Record<string, string>; payload: string | undefined } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
  if (req.body === undefined) return { headers, payload: undefined };
  if (headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  return { headers, payload: JSON.stringify(req.body) };
}

function normaliseHeaders(raw: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** `Send` over Fastify's `inject` (no socket; same routing, hooks and serialisation). */
export function injectSend(app: FastifyInstance | (() => FastifyInstance)): Send {
  const get = typeof app === 'function' ? app : () => app;
  return async (req) => {
    const { headers, payload } = requestHeaders(req);
    const res = await get().inject({
      method: req.method,
      url: `${req.path}${encodeQuery(req.query)}`,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    return response(res.statusCode, normaliseHeaders(res.headers), res.body);
  };
}

/**
 * `Send` over `fetch` against a running server. Redirects are not followed: httpx (every
 * Python caller) does not follow them either, and `raise_for_status()` raises on a 3xx.
 */
export function fetchSend(baseUrl: string, timeoutMs = 15_000): Send {
  const base = baseUrl.replace(/\/+$/, '');
  return async (req) => {
    const { headers, payload } = requestHeaders(req);
    const res = await fetch(`${base}${req.path}${encodeQuery(req.query)}`, {
      method: req.method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      ...(payload === undefined ? {} : { body: payload }),
    });
    const out: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      out[name.toLowerCase()] = value;
    });
    return response(res.status, out, await res.text());
  };
}

// ---------------------------------------------------------------------------------------------
// Authentication as each caller sends it
// ---------------------------------------------------------------------------------------------

/** What the caller itself sends: `X-API-Key`, `Authorization: Bearer`, or no key at all. */
export type Auth = 'x-api-key' | 'bearer' | 'none';

/**
 * The key headers a case's requests carry.
 *
 * Callers that send no key at all (the shared client built without `api_key`, L12's own
 * client, curl probes, the e2e suites) would get 401 from the original whenever its auth was on
 * (ORIGINAL-L01-API.md C17); the product owner's measurement added a bearer token to them, so
 * the cases do the same and measure the call itself, not the missing key.
 */
export function authHeaders(auth: Auth, key: string): Record<string, string> {
  if (auth === 'x-api-key') return { 'x-api-key': key };
  // 'bearer', and 'none' with the bearer token the measurement added (see above).
  return { authorization: `Bearer ${key}` };
}

/** A `Send` whose requests carry `extra` headers first; the request's own headers win. */
export function withHeaders(send: Send, extra: Record<string, string>): Send {
  return (req) => send({ ...req, headers: { ...extra, ...(req.headers ?? {}) } });
}

// ---------------------------------------------------------------------------------------------
// Cases and their context
// ---------------------------------------------------------------------------------------------

export type Section = '5.1' | '5.1-alt' | '5.2' | '5.3';

export interface CallerCase {
  /** e.g. `shared.create_agent`, `L05.record_goal`, `tests.e2e_l03`. */
  id: string;
  /** file:line in the original platform (`platform/...`). */
  source: string;
  section: Section;
  /** What the caller itself sends (see `authHeaders`). */
  auth: Auth;
  /**
   * True when the document says the original answered this call successfully, or when the
   * call hits one of the original's broken-but-intended routes (6.2 R1–R5, R9). False when it
   * failed for the caller's own reasons (6.3: no such route, wrong base path, ImportError,
   * missing client method, wrong body, timestamps the original refused ...).
   */
  originalWorked: boolean;
  /**
   * Set when the caller never sends a request (it fails before it reaches any server): why.
   * Such a case is reported apart, never run: no server can make it pass or fail.
   */
  unreachable?: string;
  run(ctx: CaseContext): Promise<void>;
}

export interface CaseContext {
  /** The transport as this case's caller uses it: its key headers (`authHeaders`) are added. */
  send: Send;
  /** The transport with nothing added (CORS preflights, which browsers send without a key). */
  raw: Send;
  /** The API key of this run. */
  key: string;
  /** Unique per run: put it in names and business ids so runs against one server never collide. */
  suffix: string;
  /**
   * An agent created through the original route (`POST /agents/` with `X-API-Key`), memoised
   * for the whole run; its id. Fails the case (not the run) when the route does not answer.
   */
  agent(): Promise<string>;
  /** The `did` of `agent()`. */
  agentDid(): Promise<string>;
  /** A new agent every call (for deletes, which the original refuses once anything refers to the agent). */
  freshAgent(name: string): Promise<{ id: string; did: string }>;
  /** Runs `make` once per run for `name` and memoises its result (a failure is retried by the next case). */
  prereq<T>(name: string, make: () => Promise<T>): Promise<T>;
  /** Keeps something a later case needs (cases run in file order). */
  remember(key: string, value: unknown): void;
  /** What an earlier case remembered; a missing value fails this case clearly. */
  recall<T>(key: string): T;
  /** `send` with the original's X-API-Key auth, for prerequisites. */
  admin: Send;
}

/** A prerequisite could not be created, or an earlier case did not leave what this one needs. */
export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}

/** Checks a prerequisite answer: status in `statuses` and a JSON body, else a PrerequisiteError. */
export function prerequisiteJson(what: string, req: SendRequest, res: SendResponse, statuses: number[]): any {
  if (!statuses.includes(res.status)) {
    throw new PrerequisiteError(`prerequisite ${what}: ${describeRequest(req)} answered ${res.status} ${snippet(res.text)}`);
  }
  try {
    return JSON.parse(res.text);
  } catch {
    throw new PrerequisiteError(`prerequisite ${what}: ${describeRequest(req)} answered ${res.status} with a non-JSON body ${snippet(res.text)}`);
  }
}

export interface CompatOptions {
  send: Send;
  key: string;
  suffix?: string;
}

/** The state one run of the cases shares: transport, key, memoised prerequisites, remembered values. */
export class CompatContext {
  readonly send: Send;
  readonly key: string;
  readonly suffix: string;
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly store = new Map<string, unknown>();

  constructor(opts: CompatOptions) {
    this.send = opts.send;
    this.key = opts.key;
    this.suffix = opts.suffix ?? randomBytes(4).toString('hex');
  }

  /** The context a case runs with: its caller's auth on `send`, everything else shared. */
  forCase(c: Pick<CallerCase, 'auth'>): CaseContext {
    const admin = withHeaders(this.send, { 'x-api-key': this.key });
    const prereq = <T>(name: string, make: () => Promise<T>): Promise<T> => {
      const known = this.memo.get(name) as Promise<T> | undefined;
      if (known) return known;
      const made = make();
      this.memo.set(name, made);
      // A failed prerequisite is not memoised: the next case that needs it tries again.
      made.catch(() => this.memo.delete(name));
      return made;
    };
    const createAgent = async (name: string) => {
      const req: SendRequest = {
        method: 'POST',
        path: '/agents/',
        body: { name, agent_type: 'general', configuration: {}, metadata: {} },
      };
      const body = prerequisiteJson('agent', req, await admin(req), [201]);
      if (typeof body?.id !== 'string' || typeof body?.did !== 'string') {
        throw new PrerequisiteError(`prerequisite agent: POST /agents/ answered without a string id and did: ${snippet(JSON.stringify(body))}`);
      }
      return { id: body.id as string, did: body.did as string };
    };
    const shared = () => prereq('agent', () => createAgent(`compat-agent-${this.suffix}`));
    return {
      send: withHeaders(this.send, authHeaders(c.auth, this.key)),
      raw: this.send,
      admin,
      key: this.key,
      suffix: this.suffix,
      agent: async () => (await shared()).id,
      agentDid: async () => (await shared()).did,
      freshAgent: (name) => createAgent(`${name}-${this.suffix}-${randomUUID().slice(0, 8)}`),
      prereq,
      remember: (key, value) => {
        this.store.set(key, value);
      },
      recall: <T>(key: string): T => {
        if (!this.store.has(key)) {
          throw new PrerequisiteError(`prerequisite missing: "${key}" was not left by the earlier case that makes it (that case failed before its write succeeded, or did not run)`);
        }
        return this.store.get(key) as T;
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

export interface CaseResult {
  id: string;
  section: Section;
  source: string;
  originalWorked: boolean;
  passed: boolean;
  /** One line: why the case failed. */
  error?: string;
  /** The error itself (vitest rethrows it to keep its diff). */
  cause?: unknown;
  ms: number;
}

/** The first lines of an error message, on one line (assertion diffs are left out). */
export function oneLine(err: unknown): string {
  let message = err instanceof Error ? `${err.name === 'Error' || err.name === 'AssertionError' ? '' : `${err.name}: `}${err.message}` : String(err);
  // fetch failures carry the reason (ECONNREFUSED, a timeout ...) in `cause`.
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause && typeof cause === 'object') message += ` (${cause.code ?? cause.message ?? 'no detail'})`;
  const head = message.split('\n').filter((l) => l.trim() !== '').slice(0, 2).join(' | ');
  return snippet(head, 400);
}

/** Runs one case; never throws (a failing case is a result, not a crashed runner). */
export async function runCase(c: CallerCase, ctx: CompatContext): Promise<CaseResult> {
  const started = performance.now();
  const base = { id: c.id, section: c.section, source: c.source, originalWorked: c.originalWorked };
  try {
    await c.run(ctx.forCase(c));
    return { ...base, passed: true, ms: performance.now() - started };
  } catch (err) {
    return { ...base, passed: false, error: oneLine(err), cause: err, ms: performance.now() - started };
  }
}

/** Runs the cases in order (they share state through the context). */
export async function runCases(cases: readonly CallerCase[], ctx: CompatContext): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, ctx));
  return results;
}

export function summaryLine(results: readonly CaseResult[], unreachable: readonly CallerCase[] = []): string {
  const passed = results.filter((r) => r.passed).length;
  const worked = results.filter((r) => r.originalWorked);
  const workedPassed = worked.filter((r) => r.passed).length;
  const apart = unreachable.length ? `; ${unreachable.length} more never reach a server: ${unreachable.map((c) => c.id).join(', ')}` : '';
  return `[compat] ${passed} of ${results.length} caller calls answered as the caller expects (original-worked subset: ${workedPassed} of ${worked.length})${apart}`;
}
