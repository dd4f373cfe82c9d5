/** `l01 outbox status`: is the relay keeping up, who is leading it, and what holds it back. */
import { Command } from 'commander';
import type pg from 'pg';
import { RELAY_LOCK_KEY } from '../../outbox/leadership.js';
import { outboxStatus } from '../../outbox/sql.js';
import { action, out, withDb } from '../context.js';
import { duration } from '../format.js';

interface Leader {
  pid: number;
  application_name: string;
  client_addr: string | null;
  backend_start: string;
}

/**
 * The session holding the relay's advisory lock. A one-key advisory lock appears in
 * pg_locks with classid = high 32 bits, objid = low 32 bits and objsubid = 1.
 */
async function relayLeader(db: pg.Client): Promise<Leader | null> {
  const key = BigInt(RELAY_LOCK_KEY);
  const { rows } = await db.query<Leader>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start::text
     FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = $1::oid AND l.objid = $2::oid`,
    [String(key >> 32n), String(key & 0xffff_ffffn)],
  );
  return rows[0] ?? null;
}

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
