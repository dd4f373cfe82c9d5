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

/**
 * A page of rows matching equality filters (only indexed columns are accepted as
 * filters, so every filter can use an index), as a JSON array text.
 */
export async function listEntities(
  db: Queryable,
  entity: Entity,
  filters: Readonly<Record<string, unknown>>,
  page: Page,
): Promise<string> {
  const where: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined || !entity.filters.includes(column)) continue;
    values.push(value);
    where.push(`${ident(column)} = $${values.length}`);
  }
  values.push(page.limit, page.offset);
  const text = `
    SELECT COALESCE(json_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')::text AS body
    FROM (
      SELECT * FROM ${ident(entity.table)}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at, id
      LIMIT $${values.length - 1} OFFSET $${values.length}
    ) AS t`;
  const { rows } = await db.query<{ body: string }>(text, values);
  return rows[0]!.body;
}
