/** `npm run migrate`: creates the database if missing and applies `drizzle/` migrations. */
import { migrateDatabase } from './db/database.js';
import { configOrExit, describeStartupError } from './entry.js';

const config = configOrExit();
try {
  await migrateDatabase(config.DATABASE_URL);
  process.stdout.write(`l01: database ${new URL(config.DATABASE_URL).pathname.slice(1)} is up to date\n`);
} catch (err) {
  process.stderr.write(`l01: migration failed: ${describeStartupError(err)}\n`);
  process.exit(1);
}
