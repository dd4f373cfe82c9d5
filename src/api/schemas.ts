/**
 * zod schemas derived from entity definitions: request bodies, list queries and the
 * documented response shape. Validation happens here, once, at the edge; the write path
 * trusts what passes.
 */
import { z } from 'zod';
import type { ColumnSpec } from '../db/columns.js';
import { decodeCursor, MAX_CURSOR_LENGTH, type ListCursor } from '../db/cursor.js';
import type { Entity } from '../db/entity.js';

const KINDS: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', bigint: 'an integer', boolean: 'true or false',
  object: 'an object', array: 'an array',
};
const FORMATS: Record<string, string> = {
  uuid: 'a UUID', guid: 'a UUID', datetime: 'an ISO 8601 date-time with a UTC offset', date: 'an ISO 8601 date', email: 'an email address', url: 'a URL',
};
const bound = (origin: string, word: 'most' | 'least', limit: unknown, inclusive: boolean | undefined) => {
  if (origin === 'string') return `must be at ${word} ${String(limit)} characters long`;
  if (origin === 'array' || origin === 'set') return `must have at ${word} ${String(limit)} items`;
  if (inclusive === false) return `must be ${word === 'most' ? 'less' : 'more'} than ${String(limit)}`;
  return `must be at ${word} ${String(limit)}`;
};

/**
 * Validation messages in one voice, after the field problems.ts names ("body.priority: must
 * be at most 1000"), instead of zod's defaults ("Too big: expected number to be <=1000"), for
 * the checks clients meet; a schema's own message wins, and anything else keeps zod's.
 * Set once for the process (z.config), for every schema of both surfaces.
 */
export function validationMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${KINDS[issue.expected] ?? issue.expected}`;
    case 'too_big':
      return bound(issue.origin, 'most', issue.maximum, issue.inclusive);
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return bound(issue.origin, 'least', issue.minimum, issue.inclusive);
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return FORMATS[issue.format] ? `must be ${FORMATS[issue.format]}` : undefined;
    default:
      return undefined;
  }
}
z.config({ customError: validationMessage });

/** NUL bytes and unpaired UTF-16 surrogates cannot be stored by Postgres (or would be mangled). */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (s: string) => !UNSTORABLE.test(s);
const UNSTORABLE_MESSAGE = 'must not contain NUL bytes or unpaired surrogates';

export const MAX_JSON_DEPTH = 64;
const MAX_TEXT = 1024 * 1024;

export const safeString = (max: number) =>
  z.string().max(max).refine(storable, UNSTORABLE_MESSAGE);

/**
 * Why a JSON value cannot be stored as jsonb, or null. Iterative, so a hostile
 * document nested thousands of levels deep cannot overflow the stack.
 */
function jsonProblem(value: unknown): string | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) return `is nested deeper than ${MAX_JSON_DEPTH} levels`;
    if (typeof v === 'string') {
      if (!storable(v)) return UNSTORABLE_MESSAGE;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'must contain only finite numbers';
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push([item, depth + 1]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (!storable(k)) return `has a key that ${UNSTORABLE_MESSAGE}`;
        stack.push([item, depth + 1]);
      }
    }
  }
  return null;
}

const jsonValue = () =>
  z.unknown().superRefine((v, ctx) => {
    if (v === undefined || v === null) {
      ctx.addIssue({ code: 'custom', message: v === null ? 'must not be null' : 'is required' });
      return;
    }
    const problem = jsonProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const INT4 = { min: -2_147_483_648, max: 2_147_483_647 };

/**
 * ISO 8601 allows year 0000 and any UTC offset up to ±23:59; Postgres stores neither
 * (it has no year 0 and refuses offsets of 16 hours or more). Refused here, with the field
 * named, instead of failing later in the database as an anonymous "value cannot be stored".
 * The instant itself must also lie in years 0001–9999 in UTC: `0001-01-01T00:00:00+15:00`
 * is in 1 BC, which Postgres writes back as "… BC", and a time range normalised to UTC
 * (`toISOString`) would send it year 0000 or a six-digit year, which it refuses.
 */
const TIMESTAMP_RANGE_MESSAGE = 'must be in years 0001–9999 (also in UTC), with a UTC offset under 16 hours';
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
function storableTimestamp(s: string): boolean {
  if (s.startsWith('0000')) return false;
  const offset = /[+-](\d{2}):?\d{2}$/.exec(s);
  if (offset && Number(offset[1]) >= 16) return false;
  const t = Date.parse(s);
  return t >= FIRST_INSTANT && t <= LAST_INSTANT;
}

/** An ISO 8601 instant with a UTC offset that Postgres stores and JS writes back unchanged. */
// abort: text that is no date-time is told so, not also that it is out of range.
export const storableInstant = () => z.iso.datetime({ offset: true, abort: true }).refine(storableTimestamp, TIMESTAMP_RANGE_MESSAGE);

const notBlank = (s: z.ZodString) => s.refine((v) => v.trim() !== '', 'must not be blank');

/** The schema of one value of a column, as a body carries it. */
export function valueSchema(spec: ColumnSpec): z.ZodType {
  switch (spec.kind) {
    case 'varchar':
      return spec.notBlank ? notBlank(safeString(spec.length ?? 255)) : safeString(spec.length ?? 255);
    case 'text':
      return safeString(MAX_TEXT);
    case 'integer':
      return z.number().int().min(spec.min ?? INT4.min).max(spec.max ?? INT4.max);
    case 'bigint':
      return z.number().int().min(spec.min ?? Number.MIN_SAFE_INTEGER).max(spec.max ?? Number.MAX_SAFE_INTEGER);
    case 'double': {
      let n = z.number();
      if (spec.min !== undefined) n = n.min(spec.min);
      if (spec.max !== undefined) n = n.max(spec.max);
      return n;
    }
    case 'boolean':
      return z.boolean();
    case 'jsonb':
      return jsonValue();
    case 'timestamp':
      return storableInstant();
    case 'uuid':
      return z.guid();
    case 'enum':
      return z.enum(spec.values as [string, ...string[]]);
    case 'tags':
      return z.array(safeString(spec.length ?? 100)).max(1000);
  }
}

function describe<T extends z.ZodType>(schema: T, spec: ColumnSpec): T {
  const parts = [spec.description, spec.references && `References ${spec.references}.id.`].filter(Boolean);
  return parts.length ? schema.describe(parts.join(' ')) : schema;
}

/**
 * Numbers in a query string are read strictly: decimal digits, a `-` first where negatives
 * are allowed, and for a double a decimal fraction. Nothing else is a number here, though
 * JavaScript's Number() would read it as one: `0x10` (16), `1e3`, ` 7`, `+7`, `0b1`, the
 * empty string (0), `Infinity`. Anything else becomes NaN, which the number schema refuses.
 */
const INTEGER = /^\d+$/;
const SIGNED_INTEGER = /^-?\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;
const SIGNED_DECIMAL = /^-?\d+(\.\d+)?$/;
const strictly = (pattern: RegExp) => (v: unknown) => (typeof v === 'string' ? (pattern.test(v) ? Number(v) : Number.NaN) : v);

/**
 * The messages of a query-string number: not one (text that is no number in decimal digits,
 * or a fraction for an integer), or out of its range. Digits past the range (past 2^53 for an
 * integer) say the range, the check the user can act on, not that they are no number.
 */
const queryNumberErrors = (what: string, range: { min?: number; max?: number }, tooBig?: string) => ({
  error: (issue: z.core.$ZodRawIssue) => {
    if (issue.code === 'too_big') return tooBig ?? bound('number', 'most', range.max ?? issue.maximum, true);
    if (issue.code === 'too_small') return bound('number', 'least', range.min ?? issue.minimum, true);
    return `must be ${what} in decimal digits`;
  },
});

/** A query-string integer in [min, max], read strictly. */
export function queryInteger(min: number, max: number, message?: { max: string }) {
  // The checks sit on the schema the text becomes (not a pipe after it), so the OpenAPI
  // document says `integer` with its range, as the body does.
  return z.preprocess(
    strictly(min < 0 ? SIGNED_INTEGER : INTEGER),
    z.number(queryNumberErrors(min < 0 ? 'an integer' : 'a whole number', { min, max }, message?.max)).int().min(min).max(max),
  );
}

/** `valueSchema` of a numeric column, reading the query string's text strictly. */
function queryNumber(spec: ColumnSpec): z.ZodType {
  if (spec.kind !== 'double') {
    return queryInteger(spec.min ?? (spec.kind === 'integer' ? INT4.min : Number.MIN_SAFE_INTEGER), spec.max ?? (spec.kind === 'integer' ? INT4.max : Number.MAX_SAFE_INTEGER));
  }
  const signed = spec.min === undefined || spec.min < 0;
  let n = z.number(queryNumberErrors('a number', spec));
  if (spec.min !== undefined) n = n.min(spec.min);
  if (spec.max !== undefined) n = n.max(spec.max);
  return z.preprocess(strictly(signed ? SIGNED_DECIMAL : DECIMAL), n);
}

/** Query-string form of a filter value: query parameters arrive as strings. */
export function filterSchema(spec: ColumnSpec): z.ZodType {
  switch (spec.kind) {
    case 'integer':
    case 'bigint':
    case 'double':
      return queryNumber(spec);
    case 'boolean':
      return z.enum(['true', 'false']).transform((v) => v === 'true');
    default:
      return valueSchema(spec);
  }
}

export const idParams = z.object({ id: z.guid() });

/**
 * The deepest `offset` served. Every skipped row is read (index entries and rows), so a deep
 * offset costs what the rows before it do: 20 clients at `offset=999000` over 1M rows held
 * the pool for seconds each. 10,000 rows read in a few milliseconds; past them, lists page
 * with their cursor (`cursor`, the event log with `after`), which costs the same at any depth.
 */
export const MAX_OFFSET = 10_000;

const limit = queryInteger(1, 1000).default(100).describe('Page size, 1–1000.');

/** limit and offset; `continueWith` names the parameter a deeper reader pages with. */
export const paging = (continueWith?: string) => ({
  limit,
  offset: queryInteger(0, MAX_OFFSET, {
    max: continueWith ? `must be at most ${MAX_OFFSET}: page further with \`${continueWith}\` (each page sends it in X-Next-Cursor and Link)` : `must be at most ${MAX_OFFSET}`,
  }).default(0).describe(`Rows to skip, at most ${MAX_OFFSET}${continueWith ? `; page further with \`${continueWith}\`` : ''}.`),
});

/** limit and offset of the routes without a cursor. */
export const pagination = paging();

/** The `cursor` of an entity list: the `X-Next-Cursor` of the previous page, decoded. */
export const listCursor = z
  .string()
  .max(MAX_CURSOR_LENGTH)
  .transform((token, ctx): ListCursor => {
    const cursor = decodeCursor(token);
    if (!cursor) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor of this list (send back the X-Next-Cursor of a page)' });
      return z.NEVER;
    }
    return cursor;
  })
  .describe('Where the previous page ended: its `X-Next-Cursor` header (also in `Link: <…>; rel="next"`). Opaque.');

/** limit, offset and cursor of an entity list (and of a nested one). */
export const listPaging = { ...paging('cursor'), cursor: listCursor.optional() };

export interface EntitySchemas {
  create: z.ZodObject;
  update: z.ZodObject;
  list: z.ZodObject;
  response: z.ZodObject;
}

const systemResponse = {
  id: z.guid(),
  version: z.number().int().describe('Starts at 1, +1 per change; sent as the ETag.'),
  created_at: z.string(),
  updated_at: z.string(),
};

export function entitySchemas(entity: Entity): EntitySchemas {
  const create: Record<string, z.ZodType> = { id: z.guid().optional().describe('Chosen by the server when omitted.') };
  const update: Record<string, z.ZodType> = {};
  const response: Record<string, z.ZodType> = { ...systemResponse };
  const list: Record<string, z.ZodType> = { ...listPaging };

  for (const [name, column] of Object.entries(entity.columns)) {
    const spec = column.spec;
    const value = describe(valueSchema(spec), spec);
    if (spec.required) {
      create[name] = value;
      update[name] = value.optional();
      response[name] = value;
    } else if (spec.default !== undefined) {
      create[name] = value.default(spec.default as never);
      update[name] = value.optional();
      response[name] = value;
    } else {
      create[name] = value.nullable().default(null);
      update[name] = value.nullable().optional();
      response[name] = value.nullable();
    }
    if (spec.indexed) list[name] = filterSchema(spec).optional();
  }
  return {
    create: z.strictObject(create),
    update: z
      .strictObject(update)
      .refine((body) => Object.keys(body).length > 0, 'must change at least one field'),
    list: z.strictObject(list),
    response: z.object(response),
  } as EntitySchemas;
}

const schemasByEntity = new Map<Entity, EntitySchemas>();

/** The schemas of `entity`, built once: the entity routes and the commands route validate with the same ones. */
export function schemasOf(entity: Entity): EntitySchemas {
  let schemas = schemasByEntity.get(entity);
  if (!schemas) schemasByEntity.set(entity, (schemas = entitySchemas(entity)));
  return schemas;
}
