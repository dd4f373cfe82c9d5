/**
 * "The database is unchanged", measured two ways:
 *
 *   - `rowCounts`: the row count of every table, for the accounting before and after a run;
 *   - a write counter: statement-level triggers, installed on every table of the (test)
 *     database, add the rows each INSERT, UPDATE or DELETE touched (its transition table)
 *     to one counter row, and 1 per TRUNCATE. Reading it is one row, so it can be compared
 *     around every rejected request: any committed change to any table moves it, even one
 *     that keeps the row counts (an UPDATE); a statement rolled back (a 409) does not.
 */
import type pg from 'pg';

const COUNTER = 'hardening_write_counter';

/** Installs the counter and its triggers. Test databases only. */
export async function installWriteCounter(db: pg.Pool): Promise<void> {
  const tables = await tableNames(db);
  await db.query(`
    CREATE TABLE ${COUNTER} (n bigint NOT NULL);
    INSERT INTO ${COUNTER} VALUES (0);
    CREATE FUNCTION ${COUNTER}_new() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE ${COUNTER} SET n = n + (SELECT count(*) FROM changed_rows); RETURN NULL; END $$;
    CREATE FUNCTION ${COUNTER}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE ${COUNTER} SET n = n + 1; RETURN NULL; END $$;
    ${tables.map((t) => `
      CREATE TRIGGER ${COUNTER}_i AFTER INSERT ON "${t}" REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION ${COUNTER}_new();
      CREATE TRIGGER ${COUNTER}_u AFTER UPDATE ON "${t}" REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION ${COUNTER}_new();
      CREATE TRIGGER ${COUNTER}_d AFTER DELETE ON "${t}" REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION ${COUNTER}_new();
      CREATE TRIGGER ${COUNTER}_t AFTER TRUNCATE ON "${t}" FOR EACH STATEMENT EXECUTE FUNCTION ${COUNTER}_truncate();`).join('\n')}
  `);
}

/** Rows written (inserted, updated, deleted) in committed statements so far, all tables. */
export async function writesSoFar(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: string }>({ name: 'hardening-writes', text: `SELECT n FROM ${COUNTER}` });
  return Number(rows[0]!.n);
}

async function tableNames(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> $1 ORDER BY table_name`,
    [COUNTER],
  );
  return rows.map((r) => r.table_name);
}

/** Row counts of every table (but the counter's). */
export async function rowCounts(db: pg.Pool): Promise<Record<string, number>> {
  const tables = await tableNames(db);
  const { rows } = await db.query<{ t: string; n: string }>(
    tables.map((t) => `SELECT '${t}' AS t, count(*) AS n FROM "${t}"`).join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}
