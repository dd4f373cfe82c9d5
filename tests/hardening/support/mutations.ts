/**
 * Hostile mutations of a valid request, as fast-check arbitraries of `(case) => case`:
 * what a careless or malicious client sends. Values JSON cannot express (1e309, nesting
 * thousands of levels deep, `__proto__` keys) are spliced into the serialised body as raw
 * text, so the server's own parser meets them.
 */
import fc from 'fast-check';
import { RAW, serialise, type Case, type Target } from './cases.js';
import type { JsonSchema, Operation } from './openapi.js';

type Mutation = fc.Arbitrary<(c: Case) => Case>;

const mark = (c: Case, target: Target, what: string): Case => ({ ...c, mutations: [...c.mutations, { target, what }] });


const nest = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

export const SQL = [`' OR '1'='1`, `1; DROP TABLE agents; --`, `") UNION SELECT * FROM events --`, `$1`, `\\x00`, `%' AND pg_sleep(10) --`];
const HUGE_NUMBERS = ['1e309', '-1e309', '9223372036854775808', '2147483648', '-2147483649', '9007199254740993', '1e-400', '-0', '0.5', '1E2'];
const LONG = 'x'.repeat(100_000);
const LONE = ['\uD800', '\uDFFF', 'a\uDBFFb'];
/** Instants at and past the edges of what ISO 8601, JS dates and Postgres each accept. */
export const TIMESTAMP_EDGES = [
  '0000-06-01T00:00:00Z', '0001-01-01T00:00:00+15:59', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-15:59',
  '2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '1970-01-01T00:00:00.1234567890Z', '2024-01-01T00:00:00+16:00',
  '275760-09-13T00:00:00Z', '2024-01-01', '2024-01-01T00:00:00', '1e309', '-1',
];

/** A body field of the operation's schema (or a made-up one when it has none). */
const fieldNames = (op: Operation) => Object.keys(op.body?.properties ?? {});
const propOf = (op: Operation, name: string): JsonSchema => op.body?.properties?.[name] ?? {};

function withBodyField(c: Case, name: string, value: unknown): Case {
  const body = c.body !== null && typeof c.body === 'object' && !Array.isArray(c.body) ? { ...(c.body as object) } : {};
  (body as Record<string, unknown>)[name] = value;
  return { ...c, body, raw: undefined, contentType: 'application/json' };
}

/** A value of another JSON type than the field's schema wants. */
function wrongTypeFor(s: JsonSchema): unknown[] {
  const t = s.type ?? (s.format ? 'string' : undefined);
  const all: Record<string, unknown> = { string: 'a string', integer: 7, number: 1.25, boolean: true, array: [1, 'two'], object: { k: 'v' } };
  return Object.entries(all).filter(([k]) => k !== t && !(t === 'number' && k === 'integer')).map(([, v]) => v);
}

function bodyMutations(op: Operation, bodyLimit: number): Mutation[] {
  const names = fieldNames(op);
  const field = names.length > 0 ? fc.constantFrom(...names) : fc.constant('unknown_field');
  const required = op.body?.required ?? [];
  const setField = (what: string, value: (s: JsonSchema) => fc.Arbitrary<unknown>): Mutation =>
    field.chain((name) => value(propOf(op, name)).map((v) => (c: Case) => mark(withBodyField(c, name, v), 'body', `${what} ${name}`)));
  const rawBody = (what: string, text: fc.Arbitrary<string | Buffer>, target: Target = 'body'): Mutation =>
    text.map((t) => (c: Case) => mark({ ...c, raw: t, contentType: 'application/json' }, target, what));

  return [
    setField('wrong type in', (s) => fc.constantFrom(...wrongTypeFor(s))),
    setField('null in', () => fc.constant(null)),
    setField('NUL byte in', () => fc.constantFrom('a\u0000b', '\u0000', { k: 'v\u0000' }, ['\u0000'], { 'k\u0000': 1 })),
    setField('lone surrogate in', () => fc.constantFrom(...LONE, ...LONE.map((s) => [s]), { [LONE[0]!]: 1 })),
    setField('over-long string in', (s) => fc.constantFrom('x'.repeat((s.maxLength ?? 255) + 1), LONG, 'é'.repeat((s.maxLength ?? 100) + 1))),
    setField('number out of range in', () => fc.constantFrom(...HUGE_NUMBERS.map(RAW), 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1.5, -1)),
    setField('deep nesting in', () => fc.constantFrom(RAW(nest(5000)), RAW(nestObjects(3000)), RAW(nest(100)), RAW(nest(65)))),
    setField('SQL in', () => fc.constantFrom(...SQL)),
    setField('timestamp edge in', () => fc.constantFrom(...TIMESTAMP_EDGES)),
    setField('__proto__ inside', () => fc.constantFrom(RAW('{"__proto__":{"polluted":true}}'), RAW('{"constructor":{"prototype":{"polluted":true}}}'))),
    fc.constantFrom(...(required.length ? required : ['id'])).map((name) => (c: Case) => {
      const body = { ...((c.body as Record<string, unknown>) ?? {}) };
      delete body[name];
      return mark({ ...c, body, raw: undefined, contentType: 'application/json' }, 'body', `missing ${name}`);
    }),
    fc.constantFrom('extra_field', '__proto__', 'constructor', 'version', 'created_at', 'id ').map((name) => (c: Case) =>
      mark(
        { ...c, raw: serialise(c.body ?? {}).replace(/^\{/, `{"${name}":${name === '__proto__' ? '{"polluted":true}' : '1'},`).replace(/,\}$/, '}'), contentType: 'application/json' },
        'body',
        `extra key ${name}`,
      )),
    fc.constantFrom([], 'text', 42, null, true, [{}]).map((v) => (c: Case) => mark({ ...c, body: v, raw: undefined, contentType: 'application/json' }, 'body', `top-level ${JSON.stringify(v)}`)),
    rawBody('deeply nested body', fc.constantFrom(nest(10_000), nestObjects(10_000), nest(100_000))),
    fc.nat().map((n) => (c: Case) => {
      const text = serialise(c.body ?? { a: 1 });
      return mark({ ...c, raw: text.slice(0, n % Math.max(1, text.length)), contentType: 'application/json' }, 'body', 'truncated JSON');
    }),
    rawBody('malformed JSON', fc.constantFrom('', ' ', '{', '{"a":1,}', "{'a':1}", '{"a":1} trailing', '/* c */{}', 'NaN', '\uFEFF{}', '{"a":1,"a":2}', 'nul', '[1,]')),
    rawBody('invalid UTF-8', fc.constantFrom(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]))),
    fc.constant((c: Case) => mark({ ...c, raw: `{"name":"${'x'.repeat(bodyLimit)}"}`, contentType: 'application/json' }, 'request', 'body over the limit')),
  ];
}

function requestMutations(): Mutation[] {
  return [
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', 'text/json', '*/*', 'application/json; charset=utf-16')
      .map((ct) => (c: Case) => mark({ ...c, raw: c.raw ?? serialise(c.body ?? { a: 1 }), contentType: ct }, 'request', `content type ${ct}`)),
  ];
}

const NUMERIC_ABUSE = ['-1', '0', '1001', '1e309', 'NaN', 'Infinity', '0x10', '1.5', '99999999999999999999', '', '%20', 'abc', '1%20OR%201%3D1', '%00', '%ED%A0%80', '-0', '%2B5', '1e3', '9007199254740993'];

function queryMutations(op: Operation): Mutation[] {
  const query = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const numeric = query.filter((n) => ['limit', 'offset', 'after'].includes(n));
  const set = (c: Case, name: string, value: string, what: string): Case =>
    mark({ ...c, query: [...c.query.filter(([k]) => k !== name), [name, value]] }, 'querystring', what);
  const out: Mutation[] = [
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('unknown', '__proto__', 'constructor', 'limit[]', 'a%00b').map((n) => (c: Case) => set(c, n, '1', `unknown query ${n}`)) },
      { weight: 1, arbitrary: fc.constant((c: Case) => mark({ ...c, query: [...c.query, ...Array.from({ length: 2000 }, (_, i): [string, string] => [`p${i}`, String(i)])] }, 'querystring', '2000 unknown parameters')) },
    ),
  ];
  if (numeric.length) {
    out.push(fc.tuple(fc.constantFrom(...numeric), fc.constantFrom(...NUMERIC_ABUSE)).map(([n, v]) => (c: Case) => set(c, n, v, `${n}=${v}`)));
    out.push(fc.constantFrom(...numeric).map((n) => (c: Case) => mark({ ...c, query: [...c.query, [n, '1'], [n, '2']] }, 'querystring', `repeated ${n}`)));
  }
  if (query.length) {
    const abuse = [
      ...SQL.map(encodeURIComponent), '%00', '%ED%A0%80', 'x'.repeat(20_000), '%E0%A4%A', '%', encodeURIComponent(LONG.slice(0, 5000)), 'true', '-1e309',
      ...TIMESTAMP_EDGES.map(encodeURIComponent), '0s', '-5m', '99999d', '1e309h', '99999999999999999999d',
    ];
    out.push(fc.tuple(fc.constantFrom(...query), fc.constantFrom(...abuse)).map(([n, v]) => (c: Case) => set(c, n, v, `${n}=${v.slice(0, 40)}`)));
  }
  return out;
}

function paramMutations(op: Operation): Mutation[] {
  const names = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  if (!names.length) return [];
  const bad = ['not-a-uuid', ...SQL.map(encodeURIComponent), '%00', '..%2F..%2Fetc%2Fpasswd', '%ED%A0%80', '%', '%E0%A4%A', 'x'.repeat(300), '00000000-0000-0000-0000-000000000000', '{00000000-0000-4000-8000-000000000000}', '00000000-0000-4000-8000-00000000000G', '123', '-1', '%20', 'null', '__proto__', 'constructor'];
  return [fc.tuple(fc.constantFrom(...names), fc.constantFrom(...bad)).map(([n, v]) => (c: Case) =>
    mark({ ...c, params: { ...c.params, [n]: v } }, 'params', `${n}=${v.slice(0, 40)}`))];
}

function headerMutations(): Mutation[] {
  const ifMatch = ['"abc"', 'W/"1"', '"99999999999999999999"', '*', '"-1"', `"${'9'.repeat(8000)}"`, '"1", "2"', '', '"1'];
  const auth = ['', 'Bearer', 'Bearer ', 'Basic dGVzdDp0ZXN0', 'Bearer wrong_token', `Bearer ${'a'.repeat(10_000)}`, 'bearer test_token_123 extra'];
  return [
    fc.constantFrom(...ifMatch).map((v) => (c: Case) => mark({ ...c, headers: { ...c.headers, 'if-match': v } }, 'headers', `if-match ${v.slice(0, 20)}`)),
    fc.constantFrom(...auth).map((v) => (c: Case) => mark({ ...c, headers: { ...c.headers, authorization: v } }, 'headers', `authorization ${v.slice(0, 20)}`)),
    fc.constantFrom(...SQL, 'x'.repeat(5000)).map((v) => (c: Case) =>
      mark({ ...c, headers: { ...c.headers, 'x-request-id': v, 'x-correlation-id': v } }, 'headers', 'junk request ids')),
  ];
}

/** Zero to three mutations for an operation, applied in order. */
export function mutationsFor(op: Operation, bodyLimit: number): fc.Arbitrary<Array<(c: Case) => Case>> {
  const writes = op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH';
  const all: Mutation[] = [
    ...(writes ? [...bodyMutations(op, bodyLimit), ...requestMutations()] : []),
    ...queryMutations(op),
    ...paramMutations(op),
    ...headerMutations(),
  ];
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant([] as Array<(c: Case) => Case>) },
    { weight: 6, arbitrary: fc.array(fc.oneof(...all), { minLength: 1, maxLength: 3 }) },
  );
}

