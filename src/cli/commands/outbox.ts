/** `l01 outbox status`: is the relay keeping up, who is leading it, and what holds it back. */
import { Command } from 'commander';
import { relayLeader } from '../../outbox/leadership.js';
import { outboxStatus } from '../../outbox/sql.js';
import { action, out, withDb } from '../context.js';
import { duration } from '../format.js';

export function outboxCommand(): Command {
  const cmd = new Command('outbox').description('The transactional outbox and its relay.');
  cmd.command('status')
    .description('Backlog, age of the oldest unpublished event, relay leader, dead letters, checkpoint, and any long-open transaction holding the relay back.')
    .option('--json', 'print JSON')
    .action(action(async (o: { json?: boolean }) => {
      const [status, leader] = await withDb(async (db) => [await outboxStatus(db), await relayLeader(db)] as const);
      if (o.json) return out(JSON.stringify({ ...status, leader }));
      const rows: Array<[string, string]> = [
        ['backlog', `${status.backlog} event${status.backlog === 1 ? '' : 's'}`],
        ['oldest unpublished', status.oldest_age_seconds === null ? '-' : duration(status.oldest_age_seconds)],
        ['relay leader', leader ? `pid ${leader.pid} (${leader.application_name || 'unnamed'}${leader.client_addr ? ` from ${leader.client_addr}` : ''}), since ${leader.backend_start.slice(0, 19)}` : 'none (no worker is relaying)'],
        ['dead letters', String(status.dead_letters)],
        ['checkpoint', status.checkpoint ? `${status.checkpoint} (${status.published} published)` : 'none yet'],
        ['oldest open transaction', status.oldest_open_transaction_seconds === null ? 'none' : `${duration(status.oldest_open_transaction_seconds)} (pid ${status.oldest_open_transaction_pid})`],
      ];
      for (const [k, v] of rows) out(`${k.padEnd(24)}${v}`);
    }));
  return cmd;
}
