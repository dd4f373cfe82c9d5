/**
 * The value translations the original's routes share: a boolean on the wire for one of a
 * status column's values, a 0–100 scale for a 0–1 column, a uuid or nothing.
 */
import { z } from 'zod';
import type { ValueTranslation } from './resource.js';

/** `true` ↔ `yes`, `false` ↔ `no` (reading: any other stored value is false, or `otherTrue`). */
export function booleanAs(column: string, yes: string, no: string, otherTrue: readonly string[] = []): ValueTranslation {
  return {
    column,
    wire: z.boolean(),
    store: (v) => (v ? yes : no),
    show: (v) => (v === null || v === undefined ? null : v === yes || otherTrue.includes(String(v))),
  };
}

/** A 0–100 wire value for a 0–1 column, two decimals on the way back (the original's DECIMAL(5,2)). */
export function percentOf(column: string): ValueTranslation {
  return {
    column,
    wire: z.number().min(0).max(100),
    store: (v) => (v as number) / 100,
    show: (v) => (typeof v === 'number' ? Math.round(v * 10_000) / 100 : v),
  };
}

const UUID = z.guid();

/** A uuid column the original filled from free text: what is not a uuid is stored as null, as it did. */
export function uuidOrNull(column: string): ValueTranslation {
  return {
    column,
    wire: z.string().max(255),
    store: (v) => (UUID.safeParse(v).success ? v : null),
    show: (v) => v,
  };
}
