/** `l01 dead-letters`: the same operations as the admin routes, straight on the database. */
import { Command, Option } from 'commander';
import * as deadLetters from '../../outbox/dead-letters.js';
import { wakeRelay } from '../../outbox/signal.js';
import type pg from 'pg';
import { action, CliError, out, withDb } from '../context.js';
import { table } from '../format.js';

interface DeadLetterRow {
  event_id: string;
  position: number;
  entity_type: string;
  event_type: string;
  status: string;
  attempts: number;
  last_error: string;
  created_at: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function eventId(id: string): string {
  if (!UUID.test(id)) throw new CliError(`${id} is not an event id (a uuid)`);
  return id;
}

/** Same rule as the routes: unknown → not found; only a `dead` letter can be retried or discarded. */
async function mustBeDead(db: pg.Client, id: string): Promise<void> {
  const status = await deadLetters.deadLetterStatus(db, id);
  if (status === null) throw new CliError(`dead letter ${id} not found`);
  if (status !== 'dead') throw new CliError(`dead letter ${id} is ${status}, not dead`);
}

export function deadLettersCommand(): Command {
  const cmd = new Command('dead-letters').description('List, inspect, retry and discard events the relay gave up on (they failed on their own, not because Redis was down).');

  cmd.command('list')
    .description('List dead letters, oldest first.')
    .addOption(new Option('--status <status>', 'only this status').choices(deadLetters.DEAD_LETTER_STATUSES).default('dead'))
    .option('--all', 'every status (dead, retrying, published, discarded)')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 100)
    .option('--json', 'print JSON')
    .action(action(async (o: { status: deadLetters.DeadLetterStatus; all?: boolean; limit: number; json?: boolean }) => {
      const body = await withDb((db) => deadLetters.listDeadLetters(db, { status: o.all ? undefined : o.status, limit: o.limit, offset: 0 }));
      if (o.json) return out(body);
      const rows = JSON.parse(body) as DeadLetterRow[];
      if (rows.length === 0) return out(`no dead letters${o.all ? '' : ` with status ${o.status}`}`);
      out(table(['event id', 'position', 'event type', 'status', 'attempts', 'since', 'last error'],
        rows.map((r) => [r.event_id, String(r.position), r.event_type, r.status, String(r.attempts), r.created_at.slice(0, 19), r.last_error.slice(0, 60)])));
    }));

  cmd.command('show')
    .description('Show one dead letter with the event it holds back (JSON).')
    .argument('<id>', 'event id')
    .action(action(async (id: string) => {
      const body = await withDb((db) => deadLetters.getDeadLetter(db, eventId(id)));
      if (!body) throw new CliError(`dead letter ${id} not found`);
      out(JSON.stringify(JSON.parse(body), null, 2));
    }));

  cmd.command('retry')
    .description('Put a dead letter (or all with --all) back in the outbox: the relay publishes it after everything already out, marked "replayed": true.')
    .argument('[id]', 'event id')
    .option('--all', 'every dead letter')
    .action(action(async (id: string | undefined, o: { all?: boolean }) => {
      if (!id === !o.all) throw new CliError('give an event id or --all (not both)');
      const requeued = await withDb(async (db) => {
        if (id) await mustBeDead(db, eventId(id));
        const n = await deadLetters.requeueDeadLetters(db, id ? [id] : 'all');
        await wakeRelay(db);
        return n;
      });
      out(`requeued ${requeued} dead letter${requeued === 1 ? '' : 's'}`);
    }));

  cmd.command('discard')
    .description('Discard a dead letter: it is never published, and kept as "discarded" for the record.')
    .argument('<id>', 'event id')
    .action(action(async (id: string) => {
      await withDb(async (db) => {
        await mustBeDead(db, eventId(id));
        if (!(await deadLetters.discardDeadLetter(db, id))) throw new CliError(`dead letter ${id} changed meanwhile`);
      });
      out(`discarded ${id}`);
    }));
  return cmd;
}
