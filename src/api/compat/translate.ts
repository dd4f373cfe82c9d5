/**
 * The original's bodies and answers, translated to and from an entity's columns by a
 * resource's declaration (resource.ts):
 *
 * - Bodies are lenient, as the original's were: unknown fields are ignored, and a field sent
 *   as null counts as not sent. Known fields are checked with the column's own schema
 *   (api/schemas.ts), so a value stored through either surface is stored the same way.
 * - Timestamps the original's callers send naive (`datetime.utcnow().isoformat()`) are UTC;
 *   ones with an offset are taken as they are (the original refused them).
 * - Answers carry every column under its wire name, timestamps naive in UTC
 *   (`2026-12-01T08:41:50.156938`) as the original wrote them, JSON as JSON.
 */
import { z } from 'zod';
import type { ColumnSpec } from '../../db/columns.js';
import { valueSchema } from '../schemas.js';
import type { Resource } from './resource.js';

const NAIVE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/** A naive ISO 8601 instant is UTC (what `utcnow().isoformat()` means); others pass as they are. */
const utcIfNaive = (v: unknown) => (typeof v === 'string' && NAIVE.test(v) ? `${v.replace(' ', 'T')}Z` : v);

/** The schema of a column's value as the original's callers send it. */
export function wireValueSchema(spec: ColumnSpec): z.ZodType {
  const value = valueSchema(spec);
  return spec.kind === 'timestamp' ? z.preprocess(utcIfNaive, value) : value;
}

/** null → undefined: the original ignored fields sent as null. */
const absentIfNull = (v: unknown) => (v === null ? undefined : v);
const lenient = (schema: z.ZodType, required: boolean) =>
  z.preprocess(absentIfNull, required ? schema : schema.optional());

/** The columns a translated field stands for: they are not wire fields under their own name. */
const translatedColumns = (r: Resource) => new Set(Object.values(r.values ?? {}).map((t) => t.column));

/**
 * The body schema of a create (`required` fields must be there) or an update (everything
 * optional): an object that strips unknown keys.
 */
export function bodySchema(r: Resource, mode: 'create' | 'update'): z.ZodObject {
  const required = new Set(mode === 'create' ? (r.required ?? []) : []);
  const translated = translatedColumns(r);
  const nestedPrefixes = Object.values(r.nested ?? {});
  const wireNames = new Set(r.wireOf.values());
  const shape: Record<string, z.ZodType> = {};
  for (const [column, c] of Object.entries(r.entity.columns)) {
    if (translated.has(column) || nestedPrefixes.some((p) => column.startsWith(p))) continue;
    // A column whose name another column takes on the wire (plans: `goal_id` is the goal's business id).
    if (wireNames.has(column) && !r.wireOf.has(column)) continue;
    const wire = r.wireOf.get(column) ?? column;
    shape[wire] = lenient(wireValueSchema(c.spec), required.has(wire));
  }
  for (const [wire, t] of Object.entries(r.values ?? {})) shape[wire] = lenient(t.wire, required.has(wire));
  for (const [wire, prefix] of Object.entries(r.nested ?? {})) {
    // The nested keys: the prefixed columns, and the prefixed wire names of renamed ones
    // (goals: `constraints.priority` is the `priority` column).
    const inner: Record<string, z.ZodType> = {};
    for (const [column, c] of Object.entries(r.entity.columns)) {
      const name = r.wireOf.get(column) ?? column;
      if (name.startsWith(prefix)) inner[name.slice(prefix.length)] = lenient(wireValueSchema(c.spec), false);
    }
    shape[wire] = lenient(z.object(inner), required.has(wire));
  }
  if (mode === 'create') for (const [wire, schema] of Object.entries(r.inputs ?? {})) shape[wire] = lenient(schema, required.has(wire));
  return z.object(shape);
}

/**
 * Column data of a parsed body (`parsed` from `bodySchema`), with the resource's create
 * defaults under what was sent; the wire-only inputs apart.
 */
export function toColumns(r: Resource, parsed: Record<string, unknown>, withDefaults: boolean): { data: Record<string, unknown>; inputs: Record<string, unknown> } {
  const body = withDefaults ? { ...r.defaults, ...parsed } : parsed;
  const data: Record<string, unknown> = {};
  const inputs: Record<string, unknown> = {};
  for (const [wire, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const translation = r.values?.[wire];
    const prefix = r.nested?.[wire];
    if (translation) data[translation.column] = translation.store(value);
    else if (prefix !== undefined) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== undefined) data[r.rename?.[`${prefix}${k}`] ?? `${prefix}${k}`] = v;
      }
    } else if (r.inputs && wire in r.inputs) inputs[wire] = value;
    else data[r.rename?.[wire] ?? wire] = value;
  }
  return { data, inputs };
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** `2026-12-01T09:30:00.123456+00:00` → `2026-12-01T09:30:00.123456` (UTC, naive, as the original wrote it). */
export function naiveUtc(text: string): string {
  const m = STAMP.exec(text);
  if (!m) return text;
  const [, seconds, fraction = '', offset] = m;
  if (offset === 'Z' || offset === '+00:00' || offset === '-00:00') return seconds + fraction;
  // Offsets are whole minutes: the fraction is the same in UTC.
  return new Date(`${seconds}${offset}`).toISOString().slice(0, 19) + fraction;
}

/** A row (as Postgres wrote it, parsed) in the original's shape. */
export function render(r: Resource, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const renamedAway = new Set(r.wireOf.values());
  for (const [column, value] of Object.entries(row)) {
    if (r.hidden?.includes(column)) continue;
    const wire = r.wireOf.get(column) ?? column;
    // A column whose name another column takes on the wire (the row's `version` where the
    // dataset's semver is `version`) is left out.
    if (wire === column && renamedAway.has(column) && !r.wireOf.has(column)) continue;
    const kind = r.entity.columns[column]?.spec.kind;
    const isTime = (kind === 'timestamp' || column === 'created_at' || column === 'updated_at') && typeof value === 'string';
    out[wire] = isTime ? naiveUtc(value as string) : value;
  }
  for (const [wire, t] of Object.entries(r.values ?? {})) out[wire] = t.show(row[t.column]);
  return out;
}
