/**
 * pgbench, the database server's own load generator, as the baseline of the write path:
 * the same three inserts the API's one statement makes (entity, event, outbox row) in one
 * transaction, sent as one pipeline (one round trip, as the API's statement is), with
 * prepared statements. Latencies come from pgbench's per-transaction log (µs).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { distribution, type Distribution } from './stats.js';
import { runTool } from './tools.js';

export interface PgbenchResult {
  clients: number;
  tps: number;
  transactions: number;
  failed: number;
  latencyMs: Distribution;
  command: string;
}

/** The script: ids are derived from a random number and the client id, so one id serves two rows. */
export const AGENT_INSERT_SCRIPT = String.raw`
\set n random(1, 9000000000000000000)
\startpipeline
BEGIN;
INSERT INTO agents (id, name, agent_type, status, capabilities, configuration, version, created_at, updated_at)
  VALUES (md5('a' || :client_id || ':' || :n)::uuid, 'bench-agent', 'worker', 'active', '["search"]', '{"model": "bench"}', 1, now(), now());
INSERT INTO events (id, event_type, entity_type, entity_id, entity_version, payload, metadata)
  VALUES (md5('e' || :client_id || ':' || :n)::uuid, 'agent_created', 'agent', md5('a' || :client_id || ':' || :n)::uuid, 1,
    jsonb_build_object('id', md5('a' || :client_id || ':' || :n)::uuid, 'name', 'bench-agent', 'agent_type', 'worker', 'status', 'active',
      'capabilities', '["search"]'::jsonb, 'configuration', '{"model": "bench"}'::jsonb, 'version', 1, 'created_at', now(), 'updated_at', now()),
    jsonb_build_object('request_id', md5('r' || :n)::uuid, 'correlation_id', md5('r' || :n)::uuid, 'caller', 'test_token_123'));
INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, shard)
  VALUES (pg_current_xact_id(), currval('events_position_seq'), md5('e' || :client_id || ':' || :n)::uuid, 'agent', 'agent_created',
    l01_shard(md5('a' || :client_id || ':' || :n)::uuid));
END;
\endpipeline
`;

/** Connections this run may open without starving anyone else on the shared server. */
export async function availableConnections(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ free: number }>(`
    SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
           - (SELECT count(*)::int FROM pg_stat_activity) AS free`);
  return rows[0]!.free;
}

export async function runPgbench(databaseUrl: string, script: string, clients: number, seconds: number): Promise<PgbenchResult> {
  const url = new URL(databaseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'l01-pgbench-'));
  try {
    const file = join(dir, 'script.sql');
    writeFileSync(file, script);
    const args = [
      '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'),
      '-n', '-M', 'prepared', '-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(Math.ceil(seconds)),
      '-f', file, '-l', `--log-prefix=${join(dir, 'tx')}`, url.pathname.slice(1),
    ];
    const env = url.password ? { ...process.env, PGPASSWORD: decodeURIComponent(url.password) } : process.env;
    const { code, stdout, stderr } = await runTool('pgbench', args, env);
    if (code !== 0) throw new Error(`pgbench exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? NaN);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    // Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us
    const latencies: number[] = [];
    for (const name of readdirSync(dir).filter((n) => n.startsWith('tx'))) {
      for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (Number.isFinite(us) && line) latencies.push(us / 1000);
      }
    }
    return { clients, tps, transactions, failed, latencyMs: distribution(latencies), command: `pgbench ${args.join(' ')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
