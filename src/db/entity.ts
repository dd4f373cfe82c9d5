import type { Column } from './columns.js';

/** Column names every entity has; definitions may not reuse them. */
export const SYSTEM_COLUMNS = ['id', 'version', 'created_at', 'updated_at'] as const;
/** The verbs of the lifecycle events: `<singular>_created`, `_updated`, `_deleted`. */
export const LIFECYCLE_VERBS = ['created', 'updated', 'deleted'] as const;
/** Query parameters of the list routes; a filter may not shadow them. */
const RESERVED_FILTERS = ['limit', 'offset', 'cursor'];

export interface EntityInput {
  /** Table name, also the URL segment: `/api/<table>`. */
  readonly table: string;
  /** Singular form: the `entity_type` of its events and the prefix of their names. */
  readonly singular: string;
  readonly description: string;
  readonly columns: Readonly<Record<string, Column>>;
  /**
   * Status value → timestamp column stamped with now() when the entity enters that status
   * (e.g. goals: `{ completed: 'completed_at' }`). Data, not code: the write path reads it.
   */
  readonly statusTimestamps?: Readonly<Record<string, string>>;
  /**
   * Multi-column UNIQUE constraints, e.g. `[['namespace', 'key']]` (one column: use
   * `.unique()`). A violation is a 409 like any other uniqueness conflict.
   */
  readonly unique?: readonly (readonly string[])[];
  /**
   * Multi-column indexes for the queries a special route runs (ranges, ordering, index-only
   * aggregates), e.g. `[['name', 'recorded_at']]`; system columns may be named.
   */
  readonly indexes?: readonly (readonly string[])[];
}

export interface Entity extends EntityInput {
  /** "Agent", "Training example": used in messages such as "Agent deleted successfully". */
  readonly label: string;
  /**
   * The `status` column when it has a closed set of values: entering one of `evented` emits
   * `<singular>_<status>`. A status named like a lifecycle verb (agents' `created`) has no
   * event of its own: `agent_created` would read as a new agent; `_updated` records it.
   */
  readonly status?: { readonly values: readonly string[]; readonly evented: readonly string[] };
  /** Columns usable as list filters: the indexed ones. */
  readonly filters: readonly string[];
  /** Foreign keys: column → referenced table. */
  readonly references: Readonly<Record<string, string>>;
  /** Column → its default, for every column that has one (what a create leaves out). */
  readonly defaults: Readonly<Record<string, unknown>>;
}

/** Name of the constraint or index over `columns`; Postgres cuts identifiers at 63 bytes. */
export function compositeName(table: string, columns: readonly string[], suffix: 'unique' | 'idx'): string {
  return `${table}_${columns.join('_')}_${suffix}`;
}

function checkComposite(input: EntityInput, columns: readonly string[]): void {
  const where = `${input.table} [${columns.join(', ')}]`;
  if (columns.length < 2) throw new Error(`${where}: a composite needs two or more columns (one: use .unique() or .indexed())`);
  if (new Set(columns).size !== columns.length) throw new Error(`${where}: a column is named twice`);
  for (const name of columns) {
    if (!(name in input.columns) && !(SYSTEM_COLUMNS as readonly string[]).includes(name)) {
      throw new Error(`${where}: unknown column ${name}`);
    }
  }
  if (compositeName(input.table, columns, 'unique').length > 63) throw new Error(`${where}: index name longer than 63 characters`);
}

/**
 * Checks a definition once, at import time, so a typo in a definition fails the first test
 * run instead of surfacing as a confusing SQL or routing error later.
 */
export function defineEntity(input: EntityInput): Entity {
  const names = Object.keys(input.columns);
  for (const name of names) {
    if ((SYSTEM_COLUMNS as readonly string[]).includes(name)) {
      throw new Error(`${input.table}.${name}: system column names are reserved`);
    }
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`${input.table}.${name}: not snake_case`);
  }
  const filters = names.filter((n) => input.columns[n]!.spec.indexed);
  const clash = filters.find((f) => RESERVED_FILTERS.includes(f));
  if (clash) throw new Error(`${input.table}.${clash}: shadows a list query parameter`);

  const statusColumn = input.columns.status?.spec;
  for (const [status, col] of Object.entries(input.statusTimestamps ?? {})) {
    if (input.columns[col]?.spec.kind !== 'timestamp') {
      throw new Error(`${input.table}: statusTimestamps.${status} names ${col}, not a timestamp column`);
    }
    if (!statusColumn?.values?.includes(status)) {
      throw new Error(`${input.table}: statusTimestamps names unknown status ${status}`);
    }
  }

  for (const columns of [...(input.unique ?? []), ...(input.indexes ?? [])]) checkComposite(input, columns);

  const references: Record<string, string> = {};
  for (const name of names) {
    const target = input.columns[name]!.spec.references;
    if (target) references[name] = target;
  }
  const defaults: Record<string, unknown> = {};
  for (const name of names) {
    const value = input.columns[name]!.spec.default;
    if (value !== undefined) defaults[name] = value;
  }
  const words = input.singular.replace(/_/g, ' ');
  return {
    ...input,
    label: words.charAt(0).toUpperCase() + words.slice(1),
    status: statusColumn?.kind === 'enum'
      ? { values: statusColumn.values!, evented: statusColumn.values!.filter((v) => !(LIFECYCLE_VERBS as readonly string[]).includes(v)) }
      : undefined,
    filters,
    references,
    defaults,
  };
}
