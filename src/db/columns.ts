/**
 * The column vocabulary of entity definitions. A column is plain data: the Drizzle
 * table, the zod schemas, the OpenAPI document and the list filters are all derived
 * from it (see `table.ts` and `api/schemas.ts`), so a column is described exactly once.
 */
export type ColumnKind =
  | 'varchar'
  | 'text'
  | 'integer'
  | 'bigint'
  | 'double'
  | 'boolean'
  | 'jsonb'
  | 'timestamp'
  | 'uuid'
  | 'enum'
  | 'tags';

export interface ColumnSpec {
  readonly kind: ColumnKind;
  /** varchar length, or the longest tag. */
  readonly length?: number;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Must be given on create and can never be null. */
  readonly required: boolean;
  /** Value used on create when the client omits it; such a column is NOT NULL. */
  readonly default?: unknown;
  /** Indexed columns are the list filters of the entity. */
  readonly indexed: boolean;
  readonly unique: boolean;
  /** Table name of the entity this column points at (a foreign key, ON DELETE RESTRICT). */
  readonly references?: string;
  /** Text that must hold more than white space (checked by the API and by a CHECK constraint). */
  readonly notBlank?: boolean;
  readonly description?: string;
}

/** Immutable fluent builder: every method returns a new column. */
export class Column {
  constructor(readonly spec: ColumnSpec) {}

  private with(patch: Partial<ColumnSpec>): Column {
    return new Column({ ...this.spec, ...patch });
  }

  required(): Column {
    return this.with({ required: true });
  }
  default(value: unknown): Column {
    return this.with({ default: value });
  }
  indexed(): Column {
    return this.with({ indexed: true });
  }
  unique(): Column {
    return this.with({ unique: true, indexed: true });
  }
  references(table: string): Column {
    return this.with({ references: table, indexed: true });
  }
  notBlank(): Column {
    return this.with({ notBlank: true });
  }
  range(min: number, max: number): Column {
    return this.with({ min, max });
  }
  describe(description: string): Column {
    return this.with({ description });
  }

  /** NOT NULL in the database: required, or filled by a default. */
  get notNull(): boolean {
    return this.spec.required || this.spec.default !== undefined;
  }
}

const column = (kind: ColumnKind, extra: Partial<ColumnSpec> = {}): Column =>
  new Column({ kind, required: false, indexed: false, unique: false, ...extra });

export const varchar = (length = 255) => column('varchar', { length });
export const text = () => column('text');
export const integer = () => column('integer');
export const bigint = () => column('bigint');
export const double = () => column('double');
export const boolean = () => column('boolean');
export const json = () => column('jsonb');
export const timestamp = () => column('timestamp');
export const uuid = () => column('uuid');
export const oneOf = (values: readonly string[]) => column('enum', { values, length: 50 });
export const tags = (length = 100) => column('tags', { length });
/** A foreign key to another entity's table. */
export const ref = (table: string) => uuid().references(table);
