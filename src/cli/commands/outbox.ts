/** `l01 outbox status`: is the relay keeping up, who is leading it (each partition), and what holds it back. */
import { Command } from 'commander';
import { relayLeader, type RelayLeader } from '../../outbox/leadership.js';
import { outboxStatus } from '../../outbox/status.js';
import { partitionsOf } from '../../wire/names.js';
import { action, config, out, withDb } from '../context.js';
import { duration } from '../format.js';

const leaderText = (leader: RelayLeader | null) =>
  leader ? `pid ${leader.pid} (${leader.application_name || 'unnamed'}${leader.client_addr ? ` from ${leader.client_addr}` : ''}), since ${leader.backend_start.slice(0, 19)}` : 'none (no worker is relaying)';

export function outboxCommand(): Command {
  const cmd = new Command('outbox').description('The transactional outbox and its relay.');
  cmd.command('status')
    .description('Backlog, age of the oldest unpublished event, relay leaders, dead letters, checkpoints (per partition), and any long-open transaction holding the relay back.')
    .option('--json', 'print JSON')
    .action(action(async (o: { json?: boolean }) => {
      const count = config().L01_RELAY_PARTITIONS;
      const [status, leaders] = await withDb(async (db) => {
        // One client: one query at a time.
        const leaders: Array<RelayLeader | null> = [];
        for (const p of partitionsOf(count)) leaders.push(await relayLeader(db, p));
        return [await outboxStatus(db, count), leaders] as const;
      });
      if (o.json) {
        const partitions = status.partitions.map((p, i) => ({ ...p, leader: leaders[i] }));
        return out(JSON.stringify({ ...status, partitions, leader: leaders[0] ?? null }));
      }
      const rows: Array<[string, string]> = [
        ['backlog', `${status.backlog} event${status.backlog === 1 ? '' : 's'}`],
        ['oldest unpublished', status.oldest_age_seconds === null ? '-' : duration(status.oldest_age_seconds)],
      ];
      if (count === 1) {
        rows.push(['relay leader', leaderText(leaders[0]!)]);
        rows.push(['dead letters', String(status.dead_letters)]);
        rows.push(['checkpoint', status.checkpoint ? `${status.checkpoint} (${status.published} published)` : 'none yet']);
      } else {
        rows.push(['dead letters', String(status.dead_letters)]);
        rows.push(['published', String(status.published)]);
        for (const p of status.partitions) {
          rows.push([`partition ${p.partition}/${count}`,
            `backlog ${p.backlog}, checkpoint ${p.checkpoint ?? 'none yet'} (${p.published} published), dead letters ${p.dead_letters}; leader ${leaderText(leaders[p.partition]!)}`]);
        }
      }
      rows.push(['oldest open transaction', status.oldest_open_transaction_seconds === null ? 'none' : `${duration(status.oldest_open_transaction_seconds)} (pid ${status.oldest_open_transaction_pid})`]);
      for (const [k, v] of rows) out(`${k.padEnd(24)}${v}`);
    }));
  return cmd;
}
