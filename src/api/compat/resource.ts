/**
 * A route family of the original service, declared as a translation onto one entity: where
 * it lives (path, the column that addresses an item), what its fields are called on the
 * wire, which values it speaks (a boolean for a status, a 0–100 scale), what it requires and
 * defaults on create, and which routes it has with their filters and order. routes.ts turns
 * a declaration into Fastify routes over the one write path; nothing here writes or reads.
 *
 * Checked at import time (`defineResource`): a field or column that does not exist fails the
 * first test run, not a caller.
 */
import type { z } from 'zod';
import type { Entity } from '../../db/entity.js';
import type { Queryable } from '../../db/pool.js';
import type { EventMetadata } from '../../db/write.js';
import type { Caller } from '../auth/index.js';
import type { Writer } from '../respond.js';

/** A wire field that carries a column in other terms. */
export interface ValueTranslation {
  column: string;
  /** The field's schema on the wire. */
  wire: z.ZodType;
  /** Wire value → stored value (also for list filters). */
  store: (wire: unknown) => unknown;
  /** Stored value → wire value, in answers. */
  show: (stored: unknown) => unknown;
}

/** A list filter: a wire query parameter on a column. */
export interface Filter {
  column: string;
  /** Default `eq`: equality; `gte`/`lte` a bound, `prefix` a text prefix, `contains` a substring, `has` an array element. */
  op?: 'eq' | 'gte' | 'lte' | 'prefix' | 'contains' | 'has';
  /** When the parameter has its own type (a time bound on a timestamp column is the column's). */
  schema?: z.ZodType;
  /** Translates the parameter's value into the column's terms; `undefined`: no condition. */
  store?: (wire: unknown) => unknown;
}

/** What the create hook gets: the database, the writer, the event metadata and the caller of the request. */
export interface WriteContext {
  db: Queryable;
  write: Writer;
  metadata: EventMetadata;
  /** A write of another table than the route's (find-or-create) asks `permits` for it. */
  caller?: Caller;
}

export interface ListRoute {
  /** Default: the collection path. */
  path?: string;
  /** Query parameter → filter; a string names a column (equality). */
  filters?: Record<string, string | Filter>;
  /** Sort keys, most significant first. */
  order: Array<[column: string, direction: 'asc' | 'desc']>;
  /** Whether the original took `offset` (default true). */
  offset?: boolean;
  limit?: { default: number; max?: number };
  /** Fixed conditions of this list (the unprocessed feedback). */
  where?: Record<string, unknown>;
  /**
   * Served by a route of another module instead of its own (`GET /metrics` is also the
   * Prometheus endpoint: compat/index.ts exports this list's handler for it).
   */
  mounted?: 'elsewhere';
}

export interface ResourceSpec {
  entity: Entity;
  /** The collection's path as the original spelled it, without the trailing slash: `/goals`. */
  path: string;
  /** The column the original addressed an item by: a unique key of the entity, or `id`. */
  key: string;
  /** The original's 404 detail: `Goal not found`. */
  notFound: string;
  /** Wire name → column, where the original named a column differently. */
  rename?: Record<string, string>;
  /** Wire fields carrying a column in other terms (a boolean for a status, a 0–100 scale). */
  values?: Record<string, ValueTranslation>;
  /** Wire fields the original required on create (422 without them). */
  required?: readonly string[];
  /** Values the original set on create when the caller did not, in wire terms. */
  defaults?: Record<string, unknown>;
  /** A nested object of the original's body spread over prefixed columns: `{ constraints: 'constraints_' }`. */
  nested?: Record<string, string>;
  /** Wire-only inputs of a create (their schemas), handed to `prepare`. */
  inputs?: Record<string, z.ZodType>;
  /**
   * Completes a create's column data: values derived from others (an agent's did), rows it
   * points at found or created by name (the model of a usage row). `inputs` holds the
   * wire-only inputs.
   */
  prepare?: (data: Record<string, unknown>, inputs: Record<string, unknown>, ctx: WriteContext) => Promise<void> | void;
  /** Columns the original's answers do not show. */
  hidden?: readonly string[];
  routes: {
    list?: ListRoute | ListRoute[];
    /** Reads of one item; default one, at `<path>/:<key>`. */
    get?: boolean | Array<{ path: string; key: string }>;
    create?: boolean | { path?: string; status?: 200 | 201 };
    /** PATCH. `empty`: what an update that changes nothing answers (`current` row, or 400 `No fields to update`). */
    update?: { path?: string; key?: string; empty: 'current' | 'reject'; fields?: readonly string[] };
    /** DELETE, 204. `before` runs first (the links the original deleted in cascade). */
    delete?: boolean | { before: (id: string, ctx: WriteContext) => Promise<void> };
  };
}

export interface Resource extends ResourceSpec {
  /** Column → the wire name it has in answers. */
  readonly wireOf: ReadonlyMap<string, string>;
}

const SYSTEM = ['id', 'version', 'created_at', 'updated_at'];

/** The list routes of a declaration. */
export const listsOf = (spec: Pick<ResourceSpec, 'routes'>): ListRoute[] =>
  spec.routes.list === undefined ? [] : Array.isArray(spec.routes.list) ? spec.routes.list : [spec.routes.list];

export function defineResource(spec: ResourceSpec): Resource {
  const where = `compat ${spec.path}`;
  const has = (column: string) => column in spec.entity.columns || SYSTEM.includes(column);
  const check = (column: string, what: string) => {
    if (!has(column)) throw new Error(`${where}: ${what} names ${column}, not a column of ${spec.entity.table}`);
  };
  check(spec.key, 'key');
  for (const column of Object.values(spec.rename ?? {})) check(column, 'rename');
  for (const t of Object.values(spec.values ?? {})) check(t.column, 'values');
  for (const prefix of Object.values(spec.nested ?? {})) {
    if (!Object.keys(spec.entity.columns).some((c) => c.startsWith(prefix))) throw new Error(`${where}: no column starts with ${prefix}`);
  }
  for (const list of listsOf(spec)) {
    for (const f of Object.values(list.filters ?? {})) check(typeof f === 'string' ? f : f.column, 'filter');
    for (const [column] of list.order) check(column, 'order');
  }
  const wireOf = new Map<string, string>();
  for (const [wire, column] of Object.entries(spec.rename ?? {})) wireOf.set(column, wire);
  return { ...spec, wireOf };
}
