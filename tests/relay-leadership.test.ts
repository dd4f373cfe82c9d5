/**
 * Every term of a relay leader is logged from its start ('became relay leader') to its end
 * ('relay leadership ended', with why): operators and the fault tests pair those lines to
 * know who leads. A term used to end without its line when the lead itself failed — its
 * connection killed before its first query (a CI run froze a worker right then).
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runAsLeader, type LeaderContext } from '../src/outbox/leadership.js';
import { useTestDatabase } from './helpers/database.js';

const database = useTestDatabase();

/** Runs `lead` in one term and returns the leadership's log lines until that term ended. */
async function oneTerm(lead: (ctx: LeaderContext) => Promise<void>): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  const stop = new AbortController();
  const log = pino({ level: 'info' }, new Writable({
    write(chunk, _enc, done) {
      const line = JSON.parse(String(chunk)) as Record<string, unknown>;
      lines.push(line);
      if (line.msg === 'relay leadership ended') stop.abort();
      done();
    },
  }));
  const running = runAsLeader({ url: database.url, log, retryMs: 50, heartbeatMs: 1000, stop: stop.signal }, lead);
  const timer = setTimeout(() => stop.abort(), 10_000);
  await running;
  clearTimeout(timer);
  return lines.filter((l) => typeof l.msg === 'string' && /relay lead|leadership/.test(l.msg as string));
}

describe('a relay leader\'s term', () => {
  it('ends with its line when the lead fails on its own', async () => {
    const lines = await oneTerm(async () => {
      throw new Error('the lead failed');
    });
    expect(lines.map((l) => l.msg)).toEqual(['became relay leader', 'relay leadership ended']);
    expect(lines[1]).toMatchObject({ reason: 'failed', err: 'the lead failed' });
  });

  it('ends with its line when its connection is killed before the lead\'s first query', async () => {
    const lines = await oneTerm(async ({ client }) => {
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [(client as unknown as { processID: number }).processID]);
      await admin.end();
      await client.query('LISTEN l01_outbox'); // what the relay does first: fails on the dead connection
    });
    expect(lines.map((l) => l.msg)).toEqual(['became relay leader', 'relay leadership ended']);
    expect(lines[1]).toMatchObject({ reason: 'connection lost' });
    expect(lines[1]!.err).toBeTypeOf('string');
  });
});
