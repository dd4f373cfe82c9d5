/**
 * Reading one entity by a natural key (a unique column or a composite UNIQUE) instead of
 * its id: the config store's (namespace, key), a tool execution's invocation id, a model
 * usage row's request id. Only declared unique keys are accepted, so every lookup is one
 * unique-index probe and returns at most one row.
 */
import type { Entity } from '../entity.js';
import type { Queryable } from '../pool.js';

export interface Found {
  id: string;
  version: number;
  /** The entity as JSON text, as the generic routes send it. */
  body: string;
}

function isUniqueKey(entity: Entity, columns: string[]): boolean {
  if (columns.length === 1) return entity.columns[columns[0]!]?.spec.unique === true;
  const sorted = [...columns].sort().join(',');
  return (entity.unique ?? []).some((key) => [...key].sort().join(',') === sorted);
}

export async function findByKey(db: Queryable, entity: Entity, key: Readonly<Record<string, unknown>>): Promise<Found | null> {
  const columns = Object.keys(key);
  if (!isUniqueKey(entity, columns)) throw new Error(`${entity.table}: [${columns.join(', ')}] is not a unique key`);
  const where = columns.map((c, i) => `"${c}" = $${i + 1}`).join(' AND ');
  const { rows } = await db.query<Found>({
    name: `${entity.table}_by_${columns.join('_')}`,
    text: `SELECT id, version, to_jsonb(t)::text AS body FROM "${entity.table}" AS t WHERE ${where}`,
    values: columns.map((c) => key[c]),
  });
  return rows[0] ?? null;
}
