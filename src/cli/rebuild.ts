/**
 * The entity tables as a projection of the event log: rebuild each one from `events`
 * alone into a scratch schema, and compare it with the live table.
 *
 * Every event's payload is the whole entity row after the change (`to_jsonb` of the
 * written row, system columns included), and a delete is the entity's last event. So an
 * entity's state is the payload of its latest event, and it is absent when that event is
 * `<singular>_deleted`. "Latest" is by position: an entity's writes are serialised by its
 * row lock, so its events' positions grow with its history, even across a delete and a
 * re-create with the same id (where entity_version starts again at 1).
 *
 * Run in one REPEATABLE READ transaction, the rebuild and the live tables are read from
 * the same snapshot: writers may keep writing meanwhile, and both sides still agree on
 * exactly which transactions happened.
 */
import type pg from 'pg';
import type { Entity } from '../db/entity.js';
import { DOMAIN_PREFIX } from '../wire/legacy.js';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface TableComparison {
  table: string;
  live: number;
  rebuilt: number;
  differences: number;
  /** The first few differing rows, as JSON (null where the row is absent). */
  examples: Array<{ id: string; live: Record<string, unknown> | null; rebuilt: Record<string, unknown> | null }>;
}

/** Drops and re-creates the scratch schema (never one of ours: it must be a dedicated name). */
export async function prepareScratchSchema(db: pg.ClientBase, schema: string): Promise<void> {
  if (['public', 'pg_catalog', 'information_schema', 'drizzle'].includes(schema)) throw new Error(`refusing to use schema ${schema} as scratch`);
  await db.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  await db.query(`CREATE SCHEMA ${ident(schema)}`);
}

/** Rebuilds one entity table into `schema` from the event log; returns its row count. */
export async function rebuildTable(db: pg.ClientBase, entity: Entity, schema: string): Promise<number> {
  const target = `${ident(schema)}.${ident(entity.table)}`;
  // Same columns, types and order as the live table (no constraints: the log is the judge).
  await db.query(`CREATE TABLE ${target} (LIKE ${ident(entity.table)})`);
  // A payload written before a column existed lacks it: the column's default fills it in, as
  // ALTER TABLE … ADD COLUMN … DEFAULT did for the live row (the payload's keys win).
  const { rowCount } = await db.query(
    `INSERT INTO ${target}
     SELECT r.* FROM (
       SELECT DISTINCT ON (entity_id) event_type, payload FROM events
       WHERE entity_type = $1 ORDER BY entity_id, position DESC
     ) AS latest
     CROSS JOIN LATERAL jsonb_populate_record(NULL::${target}, $3::jsonb || latest.payload) AS r
     WHERE latest.event_type <> $2`,
    [entity.singular, `${entity.singular}_deleted`, JSON.stringify(entity.defaults)],
  );
  await db.query(`ALTER TABLE ${target} ADD PRIMARY KEY (id)`);
  return rowCount ?? 0;
}

/** Compares a rebuilt table with the live one, row by row over every column. */
export async function compareTable(db: pg.ClientBase, entity: Entity, schema: string, sample = 5): Promise<TableComparison> {
  const live = ident(entity.table);
  const rebuilt = `${ident(schema)}.${ident(entity.table)}`;
  const { rows } = await db.query<{ live: string; rebuilt: string; differences: string; examples: TableComparison['examples'] | null }>(
    `WITH diff AS (
       SELECT COALESCE(l.id, r.id) AS id, to_jsonb(l) AS live, to_jsonb(r) AS rebuilt
       FROM ${live} AS l FULL JOIN ${rebuilt} AS r ON l.id = r.id
       WHERE to_jsonb(l) IS DISTINCT FROM to_jsonb(r)
     )
     SELECT (SELECT count(*) FROM ${live}) AS live, (SELECT count(*) FROM ${rebuilt}) AS rebuilt,
            (SELECT count(*) FROM diff) AS differences,
            (SELECT json_agg(d) FROM (SELECT * FROM diff ORDER BY id LIMIT $1) AS d) AS examples`,
    [sample],
  );
  const r = rows[0]!;
  return { table: entity.table, live: Number(r.live), rebuilt: Number(r.rebuilt), differences: Number(r.differences), examples: r.examples ?? [] };
}

/**
 * Entity types present in the log that no definition knows (their events cannot be projected).
 * Events callers appended (`domain:…`, POST /events) are about no entity: not counted.
 */
export async function unknownEntityTypes(db: pg.ClientBase, entities: readonly Entity[]): Promise<Array<{ entity_type: string; events: number }>> {
  const { rows } = await db.query<{ entity_type: string; events: string }>(
    `SELECT entity_type, count(*) AS events FROM events
     WHERE NOT (entity_type = ANY($1::text[])) AND NOT starts_with(entity_type, $2) GROUP BY entity_type ORDER BY entity_type`,
    [entities.map((e) => e.singular), DOMAIN_PREFIX],
  );
  return rows.map((r) => ({ entity_type: r.entity_type, events: Number(r.events) }));
}

/** The columns whose values differ between two JSON rows (all of them when one is absent). */
export function differingColumns(a: Record<string, unknown> | null, b: Record<string, unknown> | null): string[] {
  if (!a || !b) return [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
