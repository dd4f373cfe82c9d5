/**
 * Entity reads. Rows leave Postgres already as JSON text (`to_jsonb`), the same
 * representation the event payloads use, and go to the client without being parsed
 * and re-serialised in Node.
 */
import type { Entity } from './entity.js';
import type { Queryable } from './pool.js';

const ident = (name: string) => `"${name}"`;

export interface Page {
  limit: number;
  offset: number;
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
  /** Sort keys, most significant first; `id` is appended so pages never overlap. */
  order: ReadonlyArray<{ column: string; desc?: boolean }>;
  limit: number;
  offset: number;
}

const SQL_OPS = { eq: '=', ne: 'IS DISTINCT FROM', gte: '>=', lte: '<=' } as const;
const escapeLike = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

function columnOf(entity: Entity, column: string): string {
  if (!(column in entity.columns) && !['id', 'version', 'created_at', 'updated_at'].includes(column)) {
    throw new Error(`${entity.table}: no column ${column}`);
  }
  return ident(column);
}

/** A page of rows matching `q`, in its order, as a JSON array text. */
export async function listRows(db: Queryable, entity: Entity, q: ListQuery): Promise<string> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  for (const c of q.where) {
    const col = columnOf(entity, c.column);
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
  const keys = [...q.order.map((o) => `${columnOf(entity, o.column)}${o.desc ? ' DESC' : ''}`), 'id'];
  const orderBy = keys.join(', ');
  const text = `
    SELECT COALESCE(json_agg(to_jsonb(t) ORDER BY ${keys.map((k) => `t.${k}`).join(', ')}), '[]')::text AS body
    FROM (
      SELECT * FROM ${ident(entity.table)}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${orderBy}
      LIMIT ${param(q.limit)} OFFSET ${param(q.offset)}
    ) AS t`;
  const { rows } = await db.query<{ body: string }>(text, values);
  return rows[0]!.body;
}

/**
 * A page of rows matching equality filters (only indexed columns are accepted as
 * filters, so every filter can use an index), oldest first, as a JSON array text.
 */
export async function listEntities(
  db: Queryable,
  entity: Entity,
  filters: Readonly<Record<string, unknown>>,
  page: Page,
): Promise<string> {
  const where: Condition[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value !== undefined && entity.filters.includes(column)) where.push({ column, op: 'eq', value });
  }
  return listRows(db, entity, { where, order: [{ column: 'created_at' }], ...page });
}
