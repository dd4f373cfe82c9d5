/**
 * Entity reads. Rows leave Postgres already as JSON text (`to_jsonb`), the same
 * representation the event payloads use, and go to the client without being parsed
 * and re-serialised in Node.
 *
 * Lists are pages in (created_at, id) order, read by keyset: `after` names the last row
 * the reader has, and the page starts right after it, on an index that matches the order
 * (`<table>_created_at_id_idx`, or `<table>_<filter>_idx` on (filter, created_at, id) when a
 * filter is given: see table.ts), so the first page and the thousandth cost the same. A page
 * is also cut by bytes (page.ts). `offset` is still honoured, for the callers that page by
 * it; the API bounds it (api/schemas.ts), because every skipped row is read.
 */
import type { ListCursor } from './cursor.js';
import type { Entity } from './entity.js';
import { readPage, type PageResult, type PageSpec } from './page.js';
import type { Queryable } from './pool.js';

export type { PageResult } from './page.js';

/** limit and offset, as the routes that page by offset pass them. */
export interface Page {
  limit: number;
  offset: number;
}

const ident = (name: string) => `"${name}"`;

/**
 * The most JSON one list page carries (the first row always goes, however big). A page of
 * 1,000 ordinary rows is ~0.5 MB, so only pages of big rows are cut; the API process holds
 * a page about three times over (Postgres's reply, the string, the socket buffer).
 */
export const PAGE_MAX_BYTES = 1024 * 1024;

export interface PageRequest {
  limit: number;
  offset: number;
  /** The last row of the previous page: this page starts after it. */
  after?: ListCursor;
  /** Default PAGE_MAX_BYTES. */
  maxBytes?: number;
}

export async function getEntity(db: Queryable, entity: Entity, id: string): Promise<{ version: number; body: string } | null> {
  const { rows } = await db.query<{ version: number; body: string }>({
    name: `${entity.table}_get`,
    text: `SELECT version, to_jsonb(t)::text AS body FROM ${ident(entity.table)} AS t WHERE id = $1`,
    values: [id],
  });
  return rows[0] ?? null;
}

export async function entityExists(db: Queryable, entity: Entity, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM ${ident(entity.table)} WHERE id = $1`, [id]);
  return rowCount === 1;
}

/** A condition on a column of a list query; values are always parameters. */
export type Condition =
  | { column: string; op: 'eq' | 'ne' | 'gte' | 'lte'; value: unknown }
  /** Text starting with `value` (LIKE, with its wildcards escaped). */
  | { column: string; op: 'prefix'; value: string }
  /** Text containing `value`, case-insensitively (ILIKE, wildcards escaped). */
  | { column: string; op: 'contains'; value: string }
  /** An array column holding `value` as one of its elements. */
  | { column: string; op: 'has'; value: string };

export interface ListQuery {
  where: readonly Condition[];
  /**
   * Sort keys, most significant first; `id` is appended so pages never overlap, in the
   * direction of the last key (so that one index, read forwards or backwards, serves it).
   */
  order: ReadonlyArray<{ column: string; desc?: boolean }>;
  limit: number;
  offset: number;
  /** Most bytes of JSON in the answer; none by default (the first row always goes). */
  maxBytes?: number;
}

const SQL_OPS = { eq: '=', ne: 'IS DISTINCT FROM', gte: '>=', lte: '<=' } as const;
const escapeLike = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

function columnOf(entity: Entity, column: string): string {
  if (!(column in entity.columns) && !['id', 'version', 'created_at', 'updated_at'].includes(column)) {
    throw new Error(`${entity.table}: no column ${column}`);
  }
  return ident(column);
}

interface Built {
  where: string[];
  values: unknown[];
  param: (v: unknown) => string;
}

function conditions(entity: Entity, list: readonly Condition[]): Built {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  for (const c of list) {
    const col = `t.${columnOf(entity, c.column)}`;
    switch (c.op) {
      case 'prefix':
        where.push(`${col} LIKE ${param(`${escapeLike(c.value)}%`)}`);
        break;
      case 'contains':
        where.push(`${col} ILIKE ${param(`%${escapeLike(c.value)}%`)}`);
        break;
      case 'has':
        where.push(`${param(c.value)} = ANY(${col})`);
        break;
      default:
        where.push(`${col} ${SQL_OPS[c.op]} ${param(c.value)}`);
    }
  }
  return { where, values, param };
}

/** The sort keys of `q` with the `id` tie-break, in the direction of the last key. */
function sortKeys(entity: Entity, q: Pick<ListQuery, 'order'>): Array<{ column: string; desc: boolean }> {
  const keys = q.order.map((o) => ({ column: columnOf(entity, o.column), desc: o.desc === true }));
  if (!q.order.some((o) => o.column === 'id')) keys.push({ column: ident('id'), desc: keys.at(-1)?.desc ?? false });
  return keys;
}

/** Sum of the stored sizes of the wide columns: page.ts's cheap estimate of a row's JSON. */
function estimate(entity: Entity): string {
  const wide = Object.entries(entity.columns)
    .filter(([, c]) => ['jsonb', 'text', 'varchar', 'enum', 'tags'].includes(c.spec.kind))
    .map(([name]) => `COALESCE(pg_column_size(t.${ident(name)}), 0)`);
  return wide.length ? wide.join(' + ') : '0';
}

/** True when an equality condition on a unique column leaves at most one row: no order needed. */
function atMostOne(entity: Entity, where: readonly Condition[]): boolean {
  return where.some((c) => c.op === 'eq' && c.value !== null && entity.columns[c.column]?.spec.unique === true);
}

/**
 * A page of rows matching `q`, as JSON array text. Without `maxBytes`, every row up to
 * `limit` (the original service's routes read this way).
 */
export async function listRows(db: Queryable, entity: Entity, q: ListQuery): Promise<string> {
  if (q.maxBytes !== undefined) return (await listPage(db, entity, { ...q, maxBytes: q.maxBytes })).body;
  const { where, values, param } = conditions(entity, q.where);
  const keys = sortKeys(entity, q).map((k) => `${k.column}${k.desc ? ' DESC' : ''}`);
  const text = `
    SELECT COALESCE(json_agg(to_jsonb(t) ORDER BY ${keys.map((k) => `t.${k}`).join(', ')}), '[]')::text AS body
    FROM (
      SELECT * FROM ${ident(entity.table)} AS t
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${keys.map((k) => `t.${k}`).join(', ')}
      LIMIT ${param(q.limit)} OFFSET ${param(q.offset)}
    ) AS t`;
  const { rows } = await db.query<{ body: string }>(text, values);
  return rows[0]!.body;
}

/** The page statement of an entity list (page.ts), `after` applied as a keyset condition. */
export function entityPageSpec(
  entity: Entity,
  q: Omit<ListQuery, 'maxBytes'> & { after?: ListCursor; maxBytes: number },
): PageSpec {
  const { where, values, param } = conditions(entity, q.where);
  const keys = sortKeys(entity, q);
  const desc = keys[0]!.desc;
  if (keys.some((k) => k.desc !== desc)) throw new Error(`${entity.table}: a keyset page needs one sort direction`);
  if (q.after) {
    if (keys.map((k) => k.column).join() !== '"created_at","id"') throw new Error(`${entity.table}: cursors page the (created_at, id) order`);
    where.push(`(t.created_at, t.id) ${desc ? '<' : '>'} (${param(q.after.created_at)}::timestamptz, ${param(q.after.id)}::uuid)`);
  }
  return {
    from: `${ident(entity.table)} AS t`,
    where,
    values,
    order: atMostOne(entity, q.where) ? [] : keys.map((k) => k.column),
    desc,
    json: 'to_jsonb(t)::text',
    estimate: estimate(entity),
    cursor: keys.map((k) => k.column).join() === '"created_at","id"' ? 'json_build_array(t.created_at, t.id)::text' : 'NULL::text',
    limit: q.limit,
    offset: q.offset,
    maxBytes: q.maxBytes,
  };
}

/** A page of rows matching `q`, cut by count and by bytes, and where the next one starts. */
export async function listPage(
  db: Queryable,
  entity: Entity,
  q: Omit<ListQuery, 'maxBytes'> & { after?: ListCursor; maxBytes: number },
): Promise<PageResult> {
  return readPage(db, entityPageSpec(entity, q));
}

function equalityFilters(entity: Entity, filters: Readonly<Record<string, unknown>>): Condition[] {
  const where: Condition[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value !== undefined && entity.filters.includes(column)) where.push({ column, op: 'eq', value });
  }
  return where;
}

/**
 * A page of rows matching equality filters (only indexed columns are accepted as
 * filters, so every filter can use an index), oldest first: the generic list routes.
 */
export async function listEntityPage(
  db: Queryable,
  entity: Entity,
  filters: Readonly<Record<string, unknown>>,
  page: PageRequest,
): Promise<PageResult> {
  return listPage(db, entity, {
    where: equalityFilters(entity, filters), order: [{ column: 'created_at' }],
    limit: page.limit, offset: page.offset, after: page.after, maxBytes: page.maxBytes ?? PAGE_MAX_BYTES,
  });
}

/**
 * The same rows as `listEntityPage`, as JSON array text, not cut by bytes (the domain
 * routes that read this way page by offset, with no cursor to say a page was cut).
 */
export async function listEntities(
  db: Queryable,
  entity: Entity,
  filters: Readonly<Record<string, unknown>>,
  page: { limit: number; offset: number },
): Promise<string> {
  return listRows(db, entity, { where: equalityFilters(entity, filters), order: [{ column: 'created_at' }], ...page });
}
