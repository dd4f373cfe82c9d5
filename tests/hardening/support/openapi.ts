/**
 * The operations of the app's own OpenAPI document — the whole one (`app.swagger()`), admin
 * routes included; the public /docs/json leaves those out — and fast-check arbitraries for
 * their inputs derived from the JSON schemas in it: every route, every method, including
 * routes added after this file was written.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI form: `/api/agents/{id}`. */
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  scope?: string;
}

export async function loadOperations(app: FastifyInstance): Promise<Operation[]> {
  await app.ready();
  // A JSON copy, as /docs/json serves it (the live object is the generator's cache).
  const doc = JSON.parse(JSON.stringify(app.swagger())) as { paths: Record<string, Record<string, {
    parameters?: Parameter[];
    requestBody?: { content?: Record<string, { schema: JsonSchema }> };
    'x-required-scope'?: string;
  }>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase() as Operation['method'],
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content?.['application/json']?.schema,
      scope: op['x-required-scope'],
    })),
  );
}

/** The table a foreign-key column points at, from its description ("References agents.id."). */
export const referencedTable = (s: JsonSchema) => /References (\w+)\.id/.exec(s.description ?? '')?.[1];

/** Ids known to exist, per table: a generated uuid is one of them half of the time. */
export type KnownIds = Map<string, string[]>;

const INT4 = 2 ** 31;
const DAY = 86_400_000;
const text = fc.string({ unit: 'grapheme', maxLength: 40 });

/** Arbitrary valid JSON values for a schema (as the client would send them in a body). */
export function valueOf(s: JsonSchema, ids: KnownIds, depth = 0): fc.Arbitrary<unknown> {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return fc.oneof(...alts.map((a) => valueOf(a, ids, depth)));
  const base = nonNull(s, ids, depth);
  return s.nullable ? fc.option(base, { nil: null, freq: 5 }) : base;
}

function nonNull(s: JsonSchema, ids: KnownIds, depth: number): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      return stringOf(s, ids);
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -INT4, -INT4), max: Math.min(s.maximum ?? INT4 - 1, INT4 - 1) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(s.items ? valueOf(s.items, ids, depth + 1) : fc.jsonValue({ maxDepth: 2 }), { maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object':
      return objectOf(s, ids, depth);
    default:
      // jsonb columns: any JSON document that Postgres stores (a NUL is refused, tested as a mutation).
      return fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== null && !JSON.stringify(v).includes('\\u0000'));
  }
}

function stringOf(s: JsonSchema, ids: KnownIds): fc.Arbitrary<string> {
  if (s.format === 'uuid') {
    const known = ids.get(referencedTable(s) ?? '') ?? [];
    return known.length > 0 ? fc.oneof(fc.constantFrom(...known), fc.uuid()) : fc.uuid();
  }
  if (s.format === 'date-time') {
    return fc.integer({ min: -30_000 * DAY, max: 40_000 * DAY }).map((ms) => new Date(ms).toISOString());
  }
  const max = Math.min(s.maxLength ?? 40, 40);
  return fc.string({ unit: 'grapheme', minLength: Math.min(s.minLength ?? 0, max), maxLength: max }).filter((v) => !v.includes('\u0000'));
}

function objectOf(s: JsonSchema, ids: KnownIds, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(s.properties ?? {});
  if (props.length === 0) return depth > 2 ? fc.constant({}) : fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  const shape = Object.fromEntries(props.map(([k, v]) => [k, valueOf(v, ids, depth + 1)]));
  return fc.record(shape, { requiredKeys: (s.required ?? []).filter((k) => k in shape) }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A valid query-string or path value for a parameter, as the text that goes in the URL. */
export function paramText(p: Parameter, ids: KnownIds, table: string | undefined): fc.Arbitrary<string> {
  if (p.in === 'path' && p.schema.format === 'uuid' && table && (ids.get(table)?.length ?? 0) > 0) {
    return fc.oneof(fc.constantFrom(...ids.get(table)!), fc.uuid());
  }
  return nonNull(p.schema, ids, 0).map((v) => String(v));
}
