/**
 * `l01`: the operator's command line. Reads the same environment as the services
 * (DATABASE_URL, REDIS_URL, L01_REDIS_PREFIX, …; see README "Configuration").
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { deadLettersCommand } from './commands/dead-letters.js';
import { migrateCommand } from './commands/migrate.js';
import { outboxCommand } from './commands/outbox.js';
import { rebuildCommand } from './commands/rebuild.js';
import { replayCommand } from './commands/replay.js';
import { tailCommand } from './commands/tail.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('l01')
  .description('Operate the L01 data layer: dead letters, replay, rebuild, tail, outbox status, migrations.\nConfiguration comes from the environment (DATABASE_URL, REDIS_URL, L01_REDIS_PREFIX, …).')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(deadLettersCommand())
  .addCommand(replayCommand())
  .addCommand(rebuildCommand())
  .addCommand(tailCommand())
  .addCommand(outboxCommand())
  .addCommand(migrateCommand());

await program.parseAsync(process.argv);
