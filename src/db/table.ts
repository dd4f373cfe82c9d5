import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
  varchar,
  type AnyPgColumn,
  type PgColumnBuilderBase,
} from 'drizzle-orm/pg-core';
import type { ColumnSpec } from './columns.js';
import { compositeName, type Entity } from './entity.js';

/** The Drizzle column of one column spec (drizzle-kit turns these into migrations). */
function drizzleColumn(spec: ColumnSpec, resolve: (table: string) => AnyPgColumn): PgColumnBuilderBase {
  let col;
  switch (spec.kind) {
    case 'varchar':
    case 'enum':
      col = varchar({ length: spec.length ?? 255 });
      break;
    case 'text':
      col = text();
      break;
    case 'integer':
      col = integer();
      break;
    case 'bigint':
      col = bigint({ mode: 'number' });
      break;
    case 'double':
      col = doublePrecision();
      break;
    case 'boolean':
      col = boolean();
      break;
    case 'jsonb':
      col = jsonb();
      break;
    case 'timestamp':
      col = timestamp({ withTimezone: true, mode: 'string' });
      break;
    case 'uuid':
      col = uuid();
      break;
    case 'tags':
      col = varchar({ length: spec.length ?? 100 }).array();
      break;
  }
  if (spec.required || spec.default !== undefined) col = col.notNull();
  if (spec.default !== undefined) {
    // jsonb defaults must be written as SQL literals; drizzle would otherwise quote them as text.
    col = spec.kind === 'jsonb' ? col.default(sql.raw(`'${JSON.stringify(spec.default)}'::jsonb`)) : col.default(spec.default as never);
  }
  if (spec.unique) col = col.unique();
  if (spec.references) {
    const target = spec.references;
    col = col.references(() => resolve(target), { onDelete: 'restrict', onUpdate: 'restrict' });
  }
  return col;
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Builds the Drizzle table of an entity: system columns, its own columns, CHECK constraints
 * for closed value sets and numeric ranges (the database enforces what the API validates, so
 * direct SQL writers cannot break the model), the entity's composite UNIQUE constraints and
 * indexes, and the indexes its lists page on.
 *
 * Lists are read in (created_at, id) order by keyset (read.ts), so every list needs an index
 * in that order: `<table>_created_at_id_idx` for the unfiltered list, and for each filter
 * column `<table>_<column>_idx` on (column, created_at, id), which serves the filtered list
 * (an equality on its first column, then the order) and every lookup on the column alone (a
 * foreign key's RESTRICT check, the domain routes). Without them a page is a scan and a sort
 * of every matching row. A declared composite index that already is (column, created_at,
 * id, …) serves instead; a unique column needs none (an equality on it matches one row).
 */
export function entityTable(entity: Entity, resolve: (table: string) => AnyPgColumn) {
  const columns: Record<string, PgColumnBuilderBase> = {
    id: uuid().primaryKey().defaultRandom(),
    version: integer().notNull().default(1),
  };
  for (const [name, column] of Object.entries(entity.columns)) columns[name] = drizzleColumn(column.spec, resolve);
  columns.created_at = timestamp({ withTimezone: true, mode: 'string' }).notNull().defaultNow();
  columns.updated_at = timestamp({ withTimezone: true, mode: 'string' }).notNull().defaultNow();

  // Filter columns whose page order a declared index already serves.
  const paged = new Set((entity.indexes ?? []).filter((c) => c[1] === 'created_at' && c[2] === 'id').map((c) => c[0]!));

  return pgTable(entity.table, columns, (t) => {
    const extras = [];
    const col = (name: string) => (t as Record<string, AnyPgColumn>)[name]!;
    const on = (names: readonly string[]) => [col(names[0]!), ...names.slice(1).map(col)] as const;
    for (const names of entity.unique ?? []) extras.push(unique(compositeName(entity.table, names, 'unique')).on(...on(names)));
    for (const names of entity.indexes ?? []) extras.push(index(compositeName(entity.table, names, 'idx')).on(...on(names)));
    extras.push(index(`${entity.table}_created_at_id_idx`).on(col('created_at'), col('id')));
    for (const [name, column] of Object.entries(entity.columns)) {
      const spec = column.spec;
      const ref = col(name);
      if (spec.indexed && !spec.unique && !paged.has(name)) {
        extras.push(index(`${entity.table}_${name}_idx`).on(ref, col('created_at'), col('id')));
      }
      if (spec.values) {
        extras.push(check(`${entity.table}_${name}_check`, sql.raw(`"${name}" IN (${spec.values.map(quote).join(', ')})`)));
      }
      if (spec.notBlank) extras.push(check(`${entity.table}_${name}_not_blank`, sql.raw(`btrim("${name}") <> ''`)));
      if (spec.min !== undefined && spec.max !== undefined) {
        extras.push(check(`${entity.table}_${name}_range`, sql.raw(`"${name}" BETWEEN ${spec.min} AND ${spec.max}`)));
      }
    }
    return extras;
  });
}
