/** `l01 rebuild [--verify]`: the entity tables from the event log alone, compared with the live ones. */
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { entities } from '../../db/entities/index.js';
import { action, CliError, note, out, withDb } from '../context.js';
import { table } from '../format.js';
import { compareTable, differingColumns, prepareScratchSchema, rebuildTable, unknownEntityTypes, type TableComparison } from '../rebuild.js';

interface Options {
  verify?: boolean;
  schema: string;
  drop?: boolean;
  sample: number;
}

export function rebuildCommand(): Command {
  return new Command('rebuild')
    .description('Rebuild every entity table from the event log alone into a scratch schema (latest payload per entity; deleted = absent). With --verify, compare it with the live tables row by row over all columns, and exit 1 on any difference.')
    .option('--verify', 'compare the rebuilt tables with the live ones')
    .option('--schema <name>', 'scratch schema (dropped and re-created)', 'l01_rebuild')
    .option('--drop', 'drop the scratch schema when done (default: keep it for inspection)')
    .option('--sample <n>', 'differences shown per table', (v) => Number.parseInt(v, 10), 3)
    .action(action(async (o: Options) => {
      const started = performance.now();
      const bar = new SingleBar({ format: 'rebuild {bar} {value}/{total} entity types | {table}', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
      const results = await withDb(async (db) => {
        await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        try {
          await prepareScratchSchema(db, o.schema);
          const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM events');
          const unknown = await unknownEntityTypes(db, entities);
          bar.start(entities.length, 0, { table: '' });
          const compared: TableComparison[] = [];
          let rebuiltRows = 0;
          for (const entity of entities) {
            bar.update({ table: entity.table });
            rebuiltRows += await rebuildTable(db, entity, o.schema);
            if (o.verify) compared.push(await compareTable(db, entity, o.schema, o.sample));
            bar.increment();
          }
          bar.stop();
          if (o.drop) await db.query(`DROP SCHEMA "${o.schema}" CASCADE`);
          await db.query('COMMIT');
          return { events: Number(rows[0]!.n), unknown, compared, rebuiltRows };
        } catch (err) {
          bar.stop();
          await db.query('ROLLBACK').catch(() => {});
          throw err;
        }
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      for (const u of results.unknown) note(`warning: ${u.events} events of entity type ${u.entity_type}, which no definition knows, were not projected`);
      out(`rebuilt ${entities.length} entity tables (${results.rebuiltRows} rows) from ${results.events} events in ${seconds} s` +
        (o.drop ? '' : ` into schema ${o.schema}`));
      if (!o.verify) return;
      const differing = results.compared.filter((c) => c.differences > 0);
      const total = results.compared.reduce((n, c) => n + c.differences, 0);
      const rows = results.compared.reduce((n, c) => n + c.live, 0);
      out(`verified ${rows} live rows in ${results.compared.length} tables: ${total} difference${total === 1 ? '' : 's'}`);
      if (differing.length === 0) return;
      out(table(['table', 'live', 'rebuilt', 'differences'], differing.map((c) => [c.table, String(c.live), String(c.rebuilt), String(c.differences)])));
      for (const c of differing) {
        for (const ex of c.examples) {
          const where = !ex.live ? 'missing from the live table' : !ex.rebuilt ? 'not in the event log (live only)' : `columns ${differingColumns(ex.live, ex.rebuilt).join(', ')} differ`;
          out(`  ${c.table} ${ex.id}: ${where}`);
          for (const col of differingColumns(ex.live, ex.rebuilt)) {
            out(`    ${col}: live ${JSON.stringify(ex.live?.[col])} ≠ log ${JSON.stringify(ex.rebuilt?.[col])}`);
          }
        }
      }
      throw new CliError('', 1);
    }));
}
