/**
 * A fuzz case: one HTTP request, generated valid from an operation's schemas and then
 * broken by zero or more hostile mutations. Each mutation says which part of the request
 * it broke (`body`, `querystring`, `params`, `headers`, or the request as a whole), so a
 * 400 can be checked for naming it.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { paramText, valueOf, type KnownIds, type Operation } from './openapi.js';

export type Target = 'body' | 'querystring' | 'params' | 'headers' | 'request';

export interface Case {
  op: Operation;
  /** Path parameter values as they go in the URL (already encoded). */
  params: Record<string, string>;
  /** Query pairs, already encoded. */
  query: Array<[string, string]>;
  headers: Record<string, string>;
  /** JSON body (serialised), or raw text/bytes when `raw` is set. */
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  mutations: Array<{ target: Target; what: string }>;
  /** The valid case the mutations started from. */
  base?: Case;
}

const enc = encodeURIComponent;

/**
 * Raw JSON text (1e309, a nesting 5000 levels deep, a `__proto__` key) that a JS value
 * cannot carry: a placeholder string in the body, replaced after serialisation.
 */
const raws: string[] = [];
export function RAW(text: string): string {
  let i = raws.indexOf(text);
  if (i < 0) i = raws.push(text) - 1;
  return `\u0001RAW${i}\u0001`;
}
export const serialise = (body: unknown): string =>
  JSON.stringify(body).replace(/"\\u0001RAW(\d+)\\u0001"/g, (_, i: string) => raws[Number(i)]!);
const WRITE = new Set(['POST', 'PUT', 'PATCH']);

/** The valid request for `op`, with a uuid path parameter of the route's own table. */
export function validCase(op: Operation, ids: KnownIds, token: string): fc.Arbitrary<Case> {
  const table = /^\/api\/(\w+)\//.exec(op.path)?.[1];
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  return fc.record({
    params: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, paramText(p, ids, table).map(enc)]))),
    query: fc.subarray(queryParams).chain((chosen) =>
      fc.tuple(...chosen.map((p) => paramText(p, ids, undefined).map((v): [string, string] => [p.name, enc(v)]))),
    ),
    body: op.body ? valueOf(op.body, ids) : fc.constant(undefined),
  }).map(({ params, query, body }) => ({
    op,
    params,
    query,
    headers: { authorization: `Bearer ${token}` },
    body,
    contentType: body === undefined && !WRITE.has(op.method) ? undefined : 'application/json',
    mutations: [],
  }));
}

/** The request `app.inject` sends for a case. */
export function toInject(c: Case): InjectOptions {
  const path = c.op.path.replace(/\{(\w+)\}/g, (_, name: string) => c.params[name] ?? 'x');
  const qs = c.query.map(([k, v]) => `${k}=${v}`).join('&');
  const payload = c.raw ?? (c.body === undefined ? undefined : serialise(c.body));
  const headers = { ...c.headers };
  if (c.contentType !== undefined && payload !== undefined) headers['content-type'] = c.contentType;
  return {
    method: c.op.method,
    url: qs ? `${path}?${qs}` : path,
    headers,
    ...(payload === undefined ? {} : { payload }),
  };
}

export const describeCase = (c: Case) => {
  const r = toInject(c);
  const payload = typeof r.payload === 'string' ? r.payload : Buffer.isBuffer(r.payload) ? `<${r.payload.length} bytes>` : '';
  return `${r.method} ${String(r.url).slice(0, 300)}\n  headers ${JSON.stringify(r.headers).slice(0, 300)}\n  body ${payload.slice(0, 300)}${payload.length > 300 ? `… (${payload.length} chars)` : ''}\n  mutations ${JSON.stringify(c.mutations)}`;
};
