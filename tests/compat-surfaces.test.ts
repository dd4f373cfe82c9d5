/**
 * The two HTTP surfaces are views of one store: an agent written through the original's
 * `POST /agents/` and one through `POST /api/agents` are each readable through both, their
 * events have the same shape, and the real relay worker publishes both to the streams, to
 * `events:agent_created` and, in the original's message shape, to `l01:events`. An event a
 * caller appends with `POST /events` is relayed the same way. Afterwards `l01 rebuild
 * --verify` finds the tables equal to what the log says.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { globalStream } from '../src/wire/names.js';
import { useTestApp } from './helpers/app.js';
import { deleteKeys, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

const prefix = testPrefix('surfaces');
const KEY = randomBytes(20).toString('hex');
const t = useTestApp({ L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix, L01_API_KEYS: KEY });
const original = { 'x-api-key': KEY };
const api = { authorization: `Bearer ${KEY}` };
let worker: WorkerProcess | undefined;
let sub: Redis;
const messages: Array<{ channel: string; message: Record<string, unknown> }> = [];

beforeAll(async () => {
  sub = new Redis(inject('redisUrl'));
  sub.on('pmessage', (_p: string, channel: string, text: string) => messages.push({ channel, message: JSON.parse(text) }));
  await sub.psubscribe(`${prefix}events:*`, `${prefix}l01:events`);
});
afterAll(async () => {
  await worker?.stop();
  sub?.disconnect();
  if (t.redis) await deleteKeys(t.redis, prefix);
});

const post = (url: string, payload: unknown, headers: Record<string, string>) =>
  t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

interface EventRow { entity_id: string; event_type: string; entity_type: string; entity_version: number; payload: Record<string, unknown> }

describe('one store, two surfaces', () => {
  let viaOriginal: Record<string, unknown>;
  let viaApi: Record<string, unknown>;
  let appendedId: string;

  it('an agent written through either surface reads through both', async () => {
    const a = await post('/agents/', { name: 'Planner', agent_type: 'reasoning', configuration: { depth: 2 }, metadata: { team: 'core' } }, original);
    expect(a.statusCode, a.body).toBe(201);
    viaOriginal = a.json();
    expect(viaOriginal).toMatchObject({ name: 'Planner', status: 'created', did: expect.stringMatching(/^did:agent:Planner:[0-9a-f]{8}$/) });
    expect(String(viaOriginal.created_at)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);

    const b = await post('/api/agents', { name: 'Executor', agent_type: 'execution' }, api);
    expect(b.statusCode, b.body).toBe(201);
    viaApi = b.json();

    const read = await get(`/api/agents/${String(viaOriginal.id)}`, api);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: viaOriginal.id, name: 'Planner', status: 'created', configuration: { depth: 2 }, metadata: { team: 'core' }, did: viaOriginal.did });
    const back = await get(`/agents/${String(viaApi.id)}`, original);
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ id: viaApi.id, name: 'Executor', agent_type: 'execution', status: 'active' });
  });

  it('both writes are agent_created events of the same shape, in the log and in the history', async () => {
    const { rows } = await t.db.query<EventRow>(
      `SELECT entity_id::text, event_type, entity_type, entity_version, payload FROM events WHERE entity_id = ANY($1::uuid[]) ORDER BY position`,
      [[viaOriginal.id, viaApi.id]],
    );
    expect(rows.map((r) => [r.entity_id, r.event_type, r.entity_version])).toEqual([
      [viaOriginal.id, 'agent_created', 1],
      [viaApi.id, 'agent_created', 1],
    ]);
    expect(Object.keys(rows[0]!.payload).sort()).toEqual(Object.keys(rows[1]!.payload).sort());
    const history = await get(`/api/agents/${String(viaOriginal.id)}/history`, api);
    expect(history.json<Array<{ event_type: string }>>().map((e) => e.event_type)).toEqual(['agent_created']);
  });

  it('an event a caller appends (POST /events) is stored apart from the entities, with a version of its own aggregate', async () => {
    const aggregate = String(viaOriginal.id);
    const appended = await post('/events/', { event_type: 'agent.paused', aggregate_type: 'agent', aggregate_id: aggregate, payload: { reason: 'maintenance' }, metadata: { source: 'L10' } }, original);
    expect(appended.statusCode, appended.body).toBe(201);
    const e = appended.json<Record<string, unknown>>();
    expect(e).toMatchObject({ event_type: 'agent.paused', aggregate_type: 'agent', aggregate_id: aggregate, payload: { reason: 'maintenance' }, version: 1 });
    appendedId = String(e.id);
    const { rows } = await t.db.query<EventRow>(`SELECT entity_type, entity_version FROM events WHERE id = $1`, [appendedId]);
    expect(rows[0]).toMatchObject({ entity_type: 'domain:agent', entity_version: 1 });

    const listed = await get(`/events/?aggregate_id=${aggregate}`, original);
    const types = listed.json<Array<{ event_type: string; aggregate_type: string }>>().map((x) => `${x.aggregate_type} ${x.event_type}`);
    expect(types).toEqual(['agent agent.paused', 'agent agent.created']); // newest first, entity events with the original's names
    // The agent itself did not change: its history holds its own events only.
    const history = await get(`/api/agents/${aggregate}/history`, api);
    expect(history.json<unknown[]>()).toHaveLength(1);
  });

  it('the relay publishes every event to the streams, its channel, and l01:events in the original shape', async () => {
    worker = await startWorker({
      DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix, L01_WORKER_METRICS_PORT: '0',
    });
    await waitFor(async () => (await t.redis.xlen(globalStream({ prefix }))) === 3, 20_000, 'the three events in the global stream');
    await waitFor(() => messages.filter((m) => m.channel === `${prefix}l01:events`).length === 3, 5000, 'three messages on l01:events');

    const legacy = messages.filter((m) => m.channel === `${prefix}l01:events`).map((m) => m.message);
    for (const agent of [viaOriginal, viaApi]) {
      const m = legacy.find((x) => x.aggregate_id === agent.id)!;
      expect(Object.keys(m)).toEqual(['event_type', 'aggregate_type', 'aggregate_id', 'payload', 'metadata', 'timestamp']);
      expect(m).toMatchObject({ event_type: 'agent.created', aggregate_type: 'agent', payload: { id: agent.id, name: agent.name } });
      expect(String(m.timestamp)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
    }
    expect(legacy.find((x) => x.event_type === 'agent.paused')).toMatchObject({ aggregate_type: 'agent', aggregate_id: viaOriginal.id, payload: { reason: 'maintenance' } });

    const own = messages.filter((m) => m.channel === `${prefix}events:agent_created`).map((m) => m.message.entity_id);
    expect(own.sort()).toEqual([viaOriginal.id, viaApi.id].sort());
    expect(messages.some((m) => m.channel === `${prefix}events:agent.paused` && m.message.event_id === appendedId)).toBe(true);
    expect(await t.redis.xlen(`${prefix}stream:events:domain:agent`)).toBe(1);
  });

  it('l01 rebuild --verify finds the tables as the log says (appended events are not entity state)', async () => {
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['bin/l01.js', 'rebuild', '--verify', '--drop'], {
        env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl') },
        timeout: 60_000,
      }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
    });
    expect(run.stdout, run.stderr).toMatch(/: 0 differences/);
    expect(run.stderr).not.toMatch(/were not projected/);
    expect(run.code).toBe(0);
  });
});
