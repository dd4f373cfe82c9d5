/**
 * The UI (`platform/ui/src/api/client.ts`) calls L01 straight from the browser with axios and
 * `Authorization: Bearer <key>`. That header makes every call a non-simple CORS request, so the
 * browser first sends a preflight (`OPTIONS` with `Origin`, `Access-Control-Request-Method`,
 * `Access-Control-Request-Headers`, no key) and only sends the call when the preflight allows
 * it; it hands the answer to axios only when `Access-Control-Allow-Origin` admits the page's
 * origin. axios sends no credentials (`withCredentials` is false), so `*` is acceptable.
 */
import { expect } from 'vitest';
import { describeRequest, snippet, type CaseContext, type SendRequest, type SendResponse } from './harness.js';

/** The UI's dev server (`platform/ui/vite.config.ts`, port 3000). */
export const UI_ORIGIN = 'http://localhost:3000';
/** axios' default Accept header. */
const AXIOS_ACCEPT = 'application/json, text/plain, */*';

const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);

function allowsOrigin(value: string | undefined): boolean {
  return value === '*' || value === UI_ORIGIN;
}

function listed(header: string | undefined): string[] {
  return (header ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

/** The headers axios adds to `req` (Accept always; Content-Type when there is a body). */
function axiosHeaders(req: SendRequest): Record<string, string> {
  return { accept: AXIOS_ACCEPT, ...(req.body === undefined ? {} : { 'content-type': 'application/json' }), ...(req.headers ?? {}) };
}

/** The preflight the browser sends before `req`, checked as the browser checks it. */
export async function preflight(ctx: CaseContext, req: SendRequest): Promise<void> {
  // Authorization always; Content-Type application/json is not a safelisted value either.
  const requested = ['authorization', ...(req.body === undefined ? [] : ['content-type'])];
  const pre: SendRequest = {
    method: 'OPTIONS',
    path: req.path,
    ...(req.query ? { query: req.query } : {}),
    headers: { origin: UI_ORIGIN, 'access-control-request-method': req.method, 'access-control-request-headers': requested.join(',') },
  };
  const res = await ctx.raw(pre);
  const what = `CORS preflight for ${describeRequest(req)}`;
  expect(res.status >= 200 && res.status <= 299, `${what}: the browser needs a 2xx, got ${res.status} ${snippet(res.text)}`).toBe(true);
  expect(allowsOrigin(res.headers['access-control-allow-origin']), `${what}: Access-Control-Allow-Origin ${JSON.stringify(res.headers['access-control-allow-origin'])} does not admit ${UI_ORIGIN}`).toBe(true);
  const allowed = listed(res.headers['access-control-allow-headers']);
  for (const h of requested) {
    // A '*' does not cover Authorization (Fetch standard); it must be named.
    const ok = allowed.includes(h) || (h !== 'authorization' && allowed.includes('*'));
    expect(ok, `${what}: Access-Control-Allow-Headers ${JSON.stringify(res.headers['access-control-allow-headers'])} does not allow ${h}`).toBe(true);
  }
  if (!SIMPLE_METHODS.has(req.method)) {
    const methods = listed(res.headers['access-control-allow-methods']).map((m) => m.toUpperCase());
    expect(methods.includes(req.method) || methods.includes('*'), `${what}: Access-Control-Allow-Methods ${JSON.stringify(res.headers['access-control-allow-methods'])} does not allow ${req.method}`).toBe(true);
  }
}

/**
 * The call as the UI makes it: preflight, then the request with `Origin`, axios' headers and
 * the case's bearer token; the answer must carry an Access-Control-Allow-Origin the browser accepts.
 * axios rejects anything but 2xx (`validateStatus`), so callers check the status themselves.
 */
export async function browserCall(ctx: CaseContext, req: SendRequest, opts: { preflight?: boolean } = {}): Promise<SendResponse> {
  if (opts.preflight !== false) await preflight(ctx, req);
  const res = await ctx.send({ ...req, headers: { origin: UI_ORIGIN, ...axiosHeaders(req) } });
  expect(allowsOrigin(res.headers['access-control-allow-origin']), `${describeRequest(req)}: the answer (${res.status}) has Access-Control-Allow-Origin ${JSON.stringify(res.headers['access-control-allow-origin'])}; the browser hides it from the UI`).toBe(true);
  return res;
}

/** axios `const { data } = await axios.get(...)`: a 2xx answer (a 3xx would have been followed; the surface answers directly) and its JSON. */
export async function axiosData(ctx: CaseContext, req: SendRequest): Promise<any> {
  const res = await browserCall(ctx, req);
  expect(res.status >= 200 && res.status <= 299, `${describeRequest(req)}: axios rejects ${res.status} ${snippet(res.text)}`).toBe(true);
  return res.json();
}
