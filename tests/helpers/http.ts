/** Calling the app as a client does, and checking what every client relies on in an error. */
import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

export const DEV_TOKEN = 'test_token_123';
export const AUTH = { authorization: `Bearer ${DEV_TOKEN}` } as const;
/** The non-secret caller id the auth plugin records in event metadata for a token. */
export const callerId = (token: string) => `key:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;

type Headers = Record<string, string>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Client {
  request(method: Method, url: string, body?: unknown, headers?: Headers): Promise<LightMyRequestResponse>;
  get(url: string, headers?: Headers): Promise<LightMyRequestResponse>;
  post(url: string, body: unknown, headers?: Headers): Promise<LightMyRequestResponse>;
  put(url: string, body: unknown, headers?: Headers): Promise<LightMyRequestResponse>;
  patch(url: string, body: unknown, headers?: Headers): Promise<LightMyRequestResponse>;
  delete(url: string, headers?: Headers): Promise<LightMyRequestResponse>;
}

/** An authenticated JSON client over `app.inject` (no socket, same routing and hooks). */
export function client(getApp: () => FastifyInstance, auth: Headers = AUTH): Client {
  const request = (method: Method, url: string, body?: unknown, headers: Headers = {}) =>
    getApp().inject({
      method,
      url,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return {
    request,
    get: (url, headers) => request('GET', url, undefined, headers),
    post: (url, body, headers) => request('POST', url, body, headers),
    put: (url, body, headers) => request('PUT', url, body, headers),
    patch: (url, body, headers) => request('PATCH', url, body, headers),
    delete: (url, headers) => request('DELETE', url, undefined, headers),
  };
}

export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** What must never reach a client: stack frames, SQL, constraint or internal error names. */
const LEAKS = [
  /\n\s+at /,
  /\bat .*\.(ts|js):\d+/,
  /\b(SELECT|INSERT INTO|UPDATE .* SET|DELETE FROM|jsonb_populate_record)\b/,
  /_(fkey|pkey|check|range|idx|unique)\b/,
  /\bFST_[A-Z_]+/,
  /ZodError|TypeError|ReferenceError/,
];

export function expectNoLeak(text: string): void {
  for (const pattern of LEAKS) expect(text, `response leaks ${pattern}`).not.toMatch(pattern);
}

/**
 * Asserts a problem-details response with `status`; when `field` is given, one of its
 * `errors` names that field (e.g. `body.name`, `querystring.limit`, `params.id`) or an
 * element of it.
 */
export function expectProblem(res: LightMyRequestResponse, status: number, field?: string): ProblemJson {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expectNoLeak(res.body);
  const body = res.json<ProblemJson>();
  expect(body).toMatchObject({ status, title: expect.any(String), type: expect.any(String) });
  if (field !== undefined) {
    // An error inside a list or object names the element: `body.tags.0` is about `body.tags`.
    const fields = (body.errors ?? []).map((e) => (e.field.startsWith(`${field}.`) ? field : e.field));
    expect(fields, `errors[].field of ${res.body}`).toContain(field);
    for (const e of body.errors ?? []) expect(e.message).toEqual(expect.any(String));
  }
  return body;
}
