/**
 * Valid sample data for any entity, derived from its column specs (kind, length, values,
 * min/max, required, default, references): no entity has a hand-written body. Parents of
 * foreign keys are created through the API, like a client would.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import type { ColumnSpec } from '../../src/db/columns.js';
import { entityByTable } from '../../src/db/entities/index.js';
import type { Entity } from '../../src/db/entity.js';
import type { Client } from './http.js';

export type Row = Record<string, unknown> & { id: string; version: number; created_at: string; updated_at: string };
export type Body = Record<string, unknown>;

export const specOf = (entity: Entity, column: string): ColumnSpec => entity.columns[column]!.spec;
export const columnsOf = (entity: Entity): Array<[string, ColumnSpec]> =>
  Object.entries(entity.columns).map(([name, c]) => [name, c.spec]);

/** Columns the write path stamps with now() when the entity enters a status. */
export const stampedColumns = (entity: Entity): Set<string> => new Set(Object.values(entity.statusTimestamps ?? {}));

const BASE_TIME = Date.UTC(2024, 0, 1);

/** A valid value for a column; different `n` give different values wherever the column allows two. */
export function validValue(spec: ColumnSpec, n: number, name = 'value'): unknown {
  switch (spec.kind) {
    case 'varchar': {
      const max = spec.length ?? 255;
      const s = `${name}-${n}`;
      return s.length <= max ? s : `${n}`.slice(-max);
    }
    case 'text':
      return `${name} text ${n}: "quoted", back\\slash, ünïcode ✓`;
    case 'integer':
    case 'bigint': {
      const lo = spec.min ?? 0;
      const hi = spec.max ?? 1_000_000;
      return lo + (n % (hi - lo + 1));
    }
    case 'double': {
      if (spec.min !== undefined && spec.max !== undefined) return spec.min + ((n % 9) + 1) * ((spec.max - spec.min) / 10);
      return n + 0.25;
    }
    case 'boolean':
      return n % 2 === 0;
    case 'jsonb':
      return { sample: n, nested: { list: [n, 'two', null, true], empty: {} } };
    case 'timestamp':
      return new Date(BASE_TIME + n * 3_600_000).toISOString();
    case 'uuid':
      return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    case 'enum':
      return spec.values![n % spec.values!.length];
    case 'tags':
      return [`tag-${n}`, 'common'];
  }
}

/** Comparable form of a column value: timestamps as epoch ms (Postgres re-formats them). */
function comparable(spec: ColumnSpec, value: unknown): unknown {
  if (spec.kind === 'timestamp' && typeof value === 'string') return Date.parse(value);
  return value;
}

export function sameValue(spec: ColumnSpec, a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(comparable(spec, a), comparable(spec, b));
}

/** A valid value different from `current`. */
export function otherValue(spec: ColumnSpec, current: unknown, name: string, n: number): unknown {
  for (let k = 1; k < 50; k++) {
    const v = validValue(spec, n + k, name);
    if (!sameValue(spec, v, current)) return v;
  }
  throw new Error(`no second valid value for ${name}`);
}

/** The status to move to in an update: one that stamps a timestamp when there is one. */
export function nextStatus(entity: Entity, current: unknown): string {
  // One that writes its own `<entity>_<status>` event (not one named like a verb).
  const values = entity.status!.evented;
  const stamping = Object.keys(entity.statusTimestamps ?? {});
  return stamping.find((s) => s !== current) ?? values.find((s) => s !== current)!;
}

/**
 * Asserts that `row` holds what `body` asked for: each given column as given, each
 * omitted one at its default, or null.
 */
export function expectStored(entity: Entity, row: Body, body: Body): void {
  for (const [name, spec] of columnsOf(entity)) {
    const expected = name in body ? body[name] : spec.default !== undefined ? spec.default : null;
    expect(comparable(spec, row[name]), `${entity.table}.${name}`).toEqual(comparable(spec, expected));
  }
}

export interface BodyOptions {
  /** Which foreign keys get a parent: the required ones, or all (so every filter has a value). */
  refs?: 'required' | 'all';
}

/**
 * Makes valid bodies and rows for any entity. Parents are created once per table and
 * shared: never delete one (make your own parent for that).
 */
export class Samples {
  private n = 0;
  private readonly parents = new Map<string, Promise<Row>>();

  constructor(private readonly api: Client) {}

  /** A fresh number, so unique columns never collide. */
  next(): number {
    return ++this.n;
  }

  /** The shared parent row of `table`, created on first use. */
  parent(table: string): Promise<Row> {
    let p = this.parents.get(table);
    if (!p) {
      p = this.create(entityByTable.get(table)!, {}, { refs: 'required' });
      this.parents.set(table, p);
    }
    return p;
  }

  /**
   * The parent a foreign key of `entity` points at: the shared one, or a fresh one when the
   * column is part of a composite UNIQUE (dataset_examples: dataset_id + training_example_id),
   * where a shared parent would make every second body a duplicate.
   */
  private parentFor(entity: Entity, column: string, table: string): Promise<Row> {
    const composite = (entity.unique ?? []).some((columns) => columns.includes(column));
    return composite ? this.create(entityByTable.get(table)!, {}, { refs: 'required' }) : this.parent(table);
  }

  /**
   * A valid create body: a value for every column except defaulted ones (so defaults are
   * exercised) and status-stamped timestamps (the write path fills those).
   */
  async body(entity: Entity, opts: BodyOptions = {}): Promise<Body> {
    const n = this.next();
    const stamped = stampedColumns(entity);
    const body: Body = {};
    for (const [name, spec] of columnsOf(entity)) {
      if (spec.references) {
        if (spec.required || opts.refs === 'all') body[name] = (await this.parentFor(entity, name, spec.references)).id;
      } else if (spec.required || (spec.default === undefined && !stamped.has(name))) {
        body[name] = validValue(spec, n, name);
      }
    }
    return body;
  }

  /** Creates a row through the API (asserting 201) and returns it. */
  async create(entity: Entity, overrides: Body = {}, opts: BodyOptions = { refs: 'all' }): Promise<Row> {
    const body = { ...(await this.body(entity, opts)), ...overrides };
    const res = await this.api.post(`/api/${entity.table}`, body);
    expect(res.statusCode, `create ${entity.table}: ${res.body}`).toBe(201);
    return res.json<Row>();
  }
}
