/**
 * The real `l01` command, run as a child process against this file's own database and
 * Redis key prefix: --help everywhere, migrate, rebuild --verify (clean, then tampered),
 * dead letters, outbox status, replay (outbox and --stream) with a real relay worker, tail.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { entityByTable } from '../src/db/entities/index.js';
import { applyChange } from '../src/db/write.js';
import { deadLetter, readBatch } from '../src/outbox/sql.js';
import { ZERO_ENTRY } from '../src/wire/entry-id.js';
import { entityStream, globalStream, partitionNames, partitionStreamKeys } from '../src/wire/names.js';
import { partitionOf } from '../src/wire/partition.js';
import { writeHistory } from './cli.history.js';
import { dropDatabase, databaseUrl, useTestDatabase } from './helpers/database.js';
import { deleteKeys, waitFor } from './consumer.support.js';

const database = useTestDatabase();
const prefix = `l01_test_cli_${randomBytes(5).toString('hex')}:`;
let db: pg.Pool;
let redis: Redis;
let worker: ChildProcess | undefined;

const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', LOG_LEVEL: 'warn',
  DATABASE_URL: database.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix,
  L01_RELAY_POLL_MS: '50', ...extra,
});

interface Run { code: number; stdout: string; stderr: string }
function l01(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/l01.js', ...args], { env: env(extra), timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  db = new pg.Pool({ connectionString: database.url, max: 4 });
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  }
  await db?.end();
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

const create = (table: string, data: Record<string, unknown>) =>
  applyChange(db, { op: 'create', entity: entityByTable.get(table)!, data, metadata: { request_id: 'cli-test' } });

describe('l01 --help', () => {
  const commands = [[], ['dead-letters'], ['dead-letters', 'list'], ['dead-letters', 'show'], ['dead-letters', 'retry'], ['dead-letters', 'discard'],
    ['replay'], ['rebuild'], ['tail'], ['outbox'], ['outbox', 'status'], ['migrate']];
  it.each(commands.map((c) => [c.join(' ') || '(top level)', c] as const))('%s --help', async (_label, cmd) => {
    const r = await l01([...cmd, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: l01${cmd.length ? ` ${cmd.join(' ')}` : ''}`));
  });
});

describe('l01 migrate', () => {
  it('creates a missing database and applies the migrations', async () => {
    const name = `${database.name}_migrate`;
    const r = await l01(['migrate'], { DATABASE_URL: databaseUrl(name) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`database ${name} is up to date`);
    await dropDatabase(name);
  });

  it('refuses a bad configuration with one line', async () => {
    const r = await l01(['migrate'], { DATABASE_URL: 'mysql://nope' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('l01: invalid configuration: DATABASE_URL: must be a postgres:// URL');
  });
});

describe('l01 rebuild', () => {
  it('rebuilds every table from the log after a mixed concurrent history: --verify finds 0 differences', async () => {
    const stats = await writeHistory(db, { writers: 4, changes: 600, tables: ['agents', 'goals', 'plans', 'tasks', 'sessions'] });
    expect(stats.created).toBeGreaterThan(50);
    expect(stats.updated).toBeGreaterThan(50);
    expect(stats.deleted).toBeGreaterThan(5);
    // Chance decides which kinds the history holds (an agent is deleted only once nothing
    // references it, which 600 random changes did not always reach): one of each, for sure.
    const meta = { request_id: 'cli-test' };
    const lone = await create('agents', { name: 'lone', agent_type: 'history' });
    expect(lone.ok).toBe(true);
    const owner = await create('agents', { name: 'owner', agent_type: 'history' });
    const goal = await create('goals', { agent_id: owner.ok && owner.id, description: 'done' });
    const plan = await create('plans', { goal_id: goal.ok && goal.id, name: 'p' });
    const task = await create('tasks', { plan_id: plan.ok && plan.id, agent_id: owner.ok && owner.id, name: 't', description: 't' });
    for (const [table, id, data] of [['goals', goal, { status: 'completed' }], ['plans', plan, { name: 'p2' }], ['tasks', task, { status: 'started' }]] as const) {
      expect((await applyChange(db, { op: 'update', entity: entityByTable.get(table)!, id: id.ok ? id.id : '', data, metadata: meta })).ok, table).toBe(true);
    }
    expect((await applyChange(db, { op: 'delete', entity: entityByTable.get('agents')!, id: lone.ok ? lone.id : '', metadata: meta })).ok).toBe(true);
    const { rows } = await db.query<{ types: string[] }>(`SELECT array_agg(DISTINCT event_type) AS types FROM events`);
    expect(rows[0]!.types).toEqual(expect.arrayContaining(['agent_deleted', 'goal_completed', 'task_started', 'plan_updated']));

    const r = await l01(['rebuild', '--verify']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rebuilt \d+ entity tables \(\d+ rows\) from \d+ events/);
    expect(r.stdout).toMatch(/verified \d+ live rows in \d+ tables: 0 differences/);
  });

  it('reports a live row changed behind the log\'s back, and one deleted, with the columns that differ', async () => {
    const { rows: [goal] } = await db.query<{ id: string }>('SELECT id FROM goals ORDER BY id LIMIT 1');
    const { rows: [task] } = await db.query<{ id: string }>('SELECT id FROM tasks ORDER BY id LIMIT 1');
    await db.query(`UPDATE goals SET description = 'tampered' WHERE id = $1`, [goal!.id]);
    await db.query('DELETE FROM tasks WHERE id = $1', [task!.id]);
    const r = await l01(['rebuild', '--verify', '--drop']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/: 2 differences/);
    expect(r.stdout).toContain(`goals ${goal!.id}: columns description differ`);
    expect(r.stdout).toContain('description: live "tampered"');
    expect(r.stdout).toContain(`tasks ${task!.id}: missing from the live table`);
    const { rows } = await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'l01_rebuild'`);
    expect(rows).toHaveLength(0); // --drop
  });
});

describe('l01 dead-letters and outbox status (no relay running)', () => {
  let ids: string[] = [];

  it('lists, shows, retries (back to the outbox) and discards dead letters', async () => {
    // The first two outbox rows, read by key range (readBatch), not claimed: a claim waits for
    // every older transaction on the shared server to end, which another test file's long
    // transaction made take over 30 s; these rows' transactions committed before this test.
    const { rows: [last] } = await db.query<{ transactionId: string; position: string }>(
      'SELECT transaction_id::text AS "transactionId", position::text AS position FROM outbox ORDER BY transaction_id, position OFFSET 1 LIMIT 1');
    const batch = await readBatch(db, ZERO_ENTRY, last!, 2);
    expect(batch).toHaveLength(2);
    for (const e of batch) await deadLetter(db, e, 8, 'message larger than L01_MAX_MESSAGE_BYTES');
    ids = batch.map((e) => e.event_id);

    const list = await l01(['dead-letters', 'list']);
    expect(list.code, list.stderr).toBe(0);
    for (const id of ids) expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('message larger than');

    const show = await l01(['dead-letters', 'show', ids[0]!]);
    expect(JSON.parse(show.stdout)).toMatchObject({ event_id: ids[0], status: 'dead', attempts: 8, event: { entity_version: expect.any(Number) } });

    const retry = await l01(['dead-letters', 'retry', ids[0]!]);
    expect(retry.stdout.trim()).toBe('requeued 1 dead letter');
    const { rows } = await db.query('SELECT requeued FROM outbox WHERE event_id = $1', [ids[0]]);
    expect(rows).toEqual([{ requeued: true }]);
    const again = await l01(['dead-letters', 'retry', ids[0]!]);
    expect(again).toMatchObject({ code: 1, stderr: `l01: dead letter ${ids[0]} is retrying, not dead\n` });

    expect((await l01(['dead-letters', 'discard', ids[1]!])).stdout.trim()).toBe(`discarded ${ids[1]}`);
    const all = await l01(['dead-letters', 'list', '--all', '--json']);
    expect(JSON.parse(all.stdout).map((d: { status: string }) => d.status).sort()).toEqual(['discarded', 'retrying']);
    expect((await l01(['dead-letters', 'retry'])).code).toBe(1);
    expect((await l01(['dead-letters', 'show', '00000000-0000-4000-8000-000000000000'])).stderr).toContain('not found');
  });

  it('outbox status: backlog and its age, no leader, dead letters, checkpoint', async () => {
    const r = await l01(['outbox', 'status', '--json']);
    const s = JSON.parse(r.stdout);
    expect(s.backlog).toBeGreaterThan(100);
    expect(s.oldest_age_seconds).toBeGreaterThan(0);
    expect(s).toMatchObject({ leader: null, dead_letters: 0, checkpoint: null });
    const text = await l01(['outbox', 'status']);
    expect(text.stdout).toMatch(/backlog\s+\d+ events/);
    expect(text.stdout).toContain('none (no worker is relaying)');
  });
});

describe('with a relay worker running', () => {
  const streamEntries = async () => (await redis.xrange(globalStream({ prefix, channelPrefix: prefix }), '-', '+')).map(([id, f]) => ({ id, ...JSON.parse(f[3]!) }));

  beforeAll(async () => {
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { env: env(), stdio: 'ignore' });
    await waitFor(async () => (await db.query('SELECT 1 FROM outbox')).rowCount === 0, 45_000, 'the relay to drain the outbox');
  });

  it('outbox status names the relay leader (the advisory lock holder)', async () => {
    const s = JSON.parse((await l01(['outbox', 'status', '--json'])).stdout);
    expect(s).toMatchObject({ backlog: 0, leader: { application_name: 'l01-relay-leader', pid: expect.any(Number) } });
    expect(s.checkpoint).toMatch(/^\d+-\d+$/);
  });

  it('replay --from --to: queued in the outbox, published by the relay after everything else, marked replayed', async () => {
    const before = await streamEntries();
    // The first five events of the log (positions may have gaps: read the real ones).
    const { rows } = await db.query<{ position: string }>('SELECT position FROM events ORDER BY position LIMIT 5');
    const positions = rows.map((row) => Number(row.position));
    const r = await l01(['replay', '--from', String(positions[0]), '--to', String(positions[4])]);
    expect(r.stdout.trim()).toBe('queued 5 events for the relay to re-publish (streams and channels, marked replayed)');
    await waitFor(async () => (await streamEntries()).length === before.length + 5, 20_000, 'the replayed entries');
    const added = (await streamEntries()).slice(before.length);
    expect(added.map((e) => [e.position, e.replayed])).toEqual(positions.map((p) => [p, true]));
    const xid = added[0]!.id.split('-')[0];
    expect(added.map((e) => e.id)).toEqual(positions.map((p) => `${xid}-${p}`));
    expect(BigInt(xid!)).toBeGreaterThan(BigInt(before.at(-1)!.id.split('-')[0]!));
  });

  it('replay --stream: appended to the streams directly, with fresh ids after the last one', async () => {
    const before = await streamEntries();
    // Three consecutive events of the log. Positions can have gaps (a write that fails after
    // taking one, e.g. on a foreign key checked at statement end), so read real ones.
    const { rows } = await db.query<{ position: string }>('SELECT position FROM events ORDER BY position OFFSET 9 LIMIT 3');
    const positions = rows.map((row) => Number(row.position));
    const r = await l01(['replay', '--from', String(positions[0]), '--to', String(positions[2]), '--stream']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('appended 3 events to the streams (marked replayed; pub/sub not notified)');
    const added = (await streamEntries()).slice(before.length);
    expect(added.map((e) => [e.position, e.replayed])).toEqual(positions.map((p) => [p, true]));
    // And the relay carries on behind it: a new write still reaches the stream.
    const agent = await create('agents', { name: 'after-replay', agent_type: 'cli', status: 'active', capabilities: [], configuration: {} });
    await db.query('NOTIFY l01_outbox');
    await waitFor(async () => (await streamEntries()).some((e) => e.entity_id === (agent as { id: string }).id), 20_000, 'the next event');
  });

  it.each([['pub/sub', []], ['--stream', ['--stream']]] as const)('tail (%s) prints new events as readable lines, filtered by type', async (_label, extra) => {
    const tail = spawn(process.execPath, ['bin/l01.js', 'tail', '--type', 'agent_created', ...extra], { env: env() });
    let stdout = '';
    let stderr = '';
    tail.stdout.on('data', (d) => (stdout += d));
    tail.stderr.on('data', (d) => (stderr += d));
    await waitFor(() => /listening on|tailing stream/.test(stderr), 20_000, 'tail to start');
    await new Promise((r) => setTimeout(r, 300)); // the stream reader's first XREAD is in place
    const agent = (await create('agents', { name: 'Tailed', agent_type: 'cli', status: 'active', capabilities: [], configuration: {} })) as { id: string };
    await create('goals', { agent_id: agent.id, description: 'not shown', priority: 0, status: 'pending', completed_at: null });
    await db.query('NOTIFY l01_outbox');
    await waitFor(() => stdout.includes(agent.id), 20_000, 'the tailed line');
    tail.kill('SIGINT');
    const [code] = await once(tail, 'exit');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`#\\d+  agent_created  agent ${agent.id} v1  name="Tailed"`));
    expect(stdout).not.toContain('goal_created');
  });
});

describe('with relay partitions (L01_RELAY_PARTITIONS=3)', () => {
  const P = 3;
  const parts = { L01_RELAY_PARTITIONS: String(P) };
  const own = (index: number) => partitionNames({ prefix, channelPrefix: prefix }, { index, count: P });

  beforeAll(async () => {
    // Every worker must be given the same count: the single-partition one goes first.
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], { env: env(parts), stdio: 'ignore' });
    await waitFor(async () => (await db.query('SELECT 1 FROM outbox')).rowCount === 0, 45_000, 'the partitioned relay to drain the outbox');
  });

  it('replay --stream: each event appended to its own partition\'s global and entity streams, fresh ids', async () => {
    // The shortest run of consecutive events from position 20 on that touches every partition.
    const { rows } = await db.query<{ position: string; entity_id: string; entity_type: string }>(
      'SELECT position, entity_id, entity_type FROM events WHERE position >= 20 ORDER BY position LIMIT 100');
    const seen = new Set<number>();
    const range = rows.slice(0, rows.findIndex((r) => seen.add(partitionOf(r.entity_id, P)).size === P) + 1);
    expect(new Set(range.map((r) => partitionOf(r.entity_id, P))).size).toBe(P);
    const r = await l01(['replay', '--from', range[0]!.position, '--to', range.at(-1)!.position, '--stream'], parts);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`appended ${range.length} events to the streams (marked replayed; pub/sub not notified)`);
    const entries = async (key: string) => (await redis.xrange(key, '-', '+')).map(([id, f]) => ({ id, ...JSON.parse(f[3]!) }));
    const globals = await Promise.all([0, 1, 2].map((i) => entries(globalStream(own(i)))));
    const replayed = globals.map((g) => g.filter((e) => e.replayed && range.some((x) => Number(x.position) === e.position)));
    const xid = replayed.flat()[0]!.id.split('-')[0];
    for (const [i, g] of replayed.entries()) {
      const mine = range.filter((x) => partitionOf(x.entity_id, P) === i);
      expect(g.map((e) => [e.id, e.entity_id]), `partition ${i}`).toEqual(mine.map((x) => [`${xid}-${x.position}`, x.entity_id]));
      for (const x of mine) {
        const inEntity = await entries(entityStream(own(i), x.entity_type));
        expect(inEntity.some((e) => e.id === `${xid}-${x.position}` && e.replayed), `${x.entity_type} stream of partition ${i}`).toBe(true);
      }
    }
  });

  it('tail --stream prints the events of every partition', async () => {
    const tail = spawn(process.execPath, ['bin/l01.js', 'tail', '--stream', '--type', 'agent_created'], { env: env(parts) });
    let stdout = '';
    let stderr = '';
    tail.stdout.on('data', (d) => (stdout += d));
    tail.stderr.on('data', (d) => (stderr += d));
    await waitFor(() => stderr.includes('tailing stream'), 20_000, 'tail to start');
    expect(stderr).toContain(partitionStreamKeys('global', prefix, P).join(', '));
    // Agents until every partition has one (ids are the database's: random).
    const agents: Array<{ id: string }> = [];
    while (new Set(agents.map((a) => partitionOf(a.id, P))).size < P) {
      agents.push((await create('agents', { name: 'Tailed', agent_type: 'cli', status: 'active', capabilities: [], configuration: {} })) as { id: string });
    }
    await db.query('NOTIFY l01_outbox');
    await waitFor(() => agents.every((a) => stdout.includes(a.id)), 20_000, 'a line for the agent of every partition');
    tail.kill('SIGINT');
    const [code] = await once(tail, 'exit');
    expect(code).toBe(0);
    for (const a of agents) expect(stdout).toMatch(new RegExp(`#\\d+  agent_created  agent ${a.id} v1`));
  });
});
