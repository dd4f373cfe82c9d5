/**
 * Invalid values for any column, derived from its spec: what a careless or hostile client
 * sends. Each must be refused with a 400 naming the column.
 */
import type { ColumnSpec } from '../../src/db/columns.js';

export type Invalid = readonly [label: string, value: unknown];

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

/** Nested arrays `depth` levels deep. */
export const nested = (depth: number): unknown => {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Invalid JSON values for a column of a request body. */
export function invalidValues(spec: ColumnSpec): Invalid[] {
  switch (spec.kind) {
    case 'varchar': {
      const max = spec.length ?? 255;
      return [
        ['a number', 123],
        ['an object', { a: 1 }],
        [`${max + 1} characters (1 over its length)`, 'x'.repeat(max + 1)],
        ['a NUL byte', 'a\u0000b'],
        ['an unpaired surrogate', 'a\uD800b'],
      ];
    }
    case 'text':
      return [
        ['a number', 5],
        ['a list', ['a']],
        ['a NUL byte', 'text\u0000'],
        ['an unpaired surrogate', '\uDC00text'],
      ];
    case 'integer':
    case 'bigint': {
      // A bigint without a range of its own is bounded by what JSON numbers carry exactly.
      const [lo, hi] = spec.kind === 'bigint' ? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] : [INT4_MIN, INT4_MAX];
      return [
        ['a numeric string', '5'],
        ['a fraction', 1.5],
        ['a boolean', true],
        [`${(spec.min ?? lo) - 1} (below its range)`, (spec.min ?? lo) - 1],
        [`${(spec.max ?? hi) + 1} (above its range)`, (spec.max ?? hi) + 1],
      ];
    }
    case 'double': {
      const out: Invalid[] = [
        ['a string', 'x'],
        ['a boolean', false],
      ];
      if (spec.min !== undefined) out.push([`below its minimum ${spec.min}`, spec.min - 0.5]);
      if (spec.max !== undefined) out.push([`above its maximum ${spec.max}`, spec.max + 0.5]);
      return out;
    }
    case 'boolean':
      return [
        ['the string "true"', 'true'],
        ['a number', 1],
      ];
    case 'jsonb':
      return [
        ['a NUL byte in a string', { a: 'x\u0000' }],
        ['a NUL byte in a key', { 'a\u0000': 1 }],
        ['an unpaired surrogate', ['\uD800']],
        ['nesting 100 levels deep', nested(100)],
      ];
    case 'timestamp':
      return [
        ['not a date', 'yesterday'],
        ['a number', 1_700_000_000],
        ['February 30th', '2024-02-30T00:00:00Z'],
        ['no UTC offset', '2024-01-01T00:00:00'],
        ['year 0000', '0000-06-01T00:00:00Z'],
        ['a UTC offset of 16 hours', '2024-01-01T00:00:00+16:00'],
      ];
    case 'uuid':
      return [
        ['not a uuid', 'not-a-uuid'],
        ['a number', 42],
        ['a uuid with a NUL byte', '00000000-0000-4000-8000-00000000000\u0000'],
      ];
    case 'enum':
      return [
        ['an unknown value', 'not_a_known_value'],
        ['a known value in the wrong case', spec.values![0]!.toUpperCase() === spec.values![0] ? spec.values![0]!.toLowerCase() : spec.values![0]!.toUpperCase()],
        ['a number', 1],
      ];
    case 'tags': {
      const max = spec.length ?? 100;
      return [
        ['a string, not a list', 'tag'],
        [`a tag of ${max + 1} characters`, ['x'.repeat(max + 1)]],
        ['a NUL byte in a tag', ['a\u0000']],
        ['a number in the list', [1]],
      ];
    }
  }
}

/** Invalid query-string values for a list filter on a column (they arrive as strings). */
export function invalidFilterValues(spec: ColumnSpec): Invalid[] {
  switch (spec.kind) {
    case 'varchar':
      return [
        [`${(spec.length ?? 255) + 1} characters`, 'x'.repeat((spec.length ?? 255) + 1)],
        ['a NUL byte', 'a\u0000b'],
      ];
    case 'integer':
    case 'bigint':
    case 'double':
      return [
        ['not a number', 'abc'],
        ['empty', ''],
      ];
    case 'boolean':
      return [['yes', 'yes']];
    case 'timestamp':
      return [['not a date', 'yesterday']];
    case 'uuid':
      return [['not a uuid', 'not-a-uuid']];
    case 'enum':
      return [['an unknown value', 'not_a_known_value']];
    default:
      return [['a NUL byte', '\u0000']];
  }
}
