import { Command } from 'commander';
import { migrateDatabase } from '../../db/database.js';
import { action, config, out } from '../context.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Create the database if it is missing and apply every pending migration (drizzle/), under the migration lock.')
    .action(action(async () => {
      const url = config().DATABASE_URL;
      await migrateDatabase(url);
      out(`database ${decodeURIComponent(new URL(url).pathname.slice(1))} is up to date`);
    }));
}
