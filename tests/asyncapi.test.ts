/**
 * The AsyncAPI document (/docs/asyncapi.json) says what the relay publishes, and it is true:
 * every entity is written (create, a status change, an update, a delete) through the API,
 * the real relay worker publishes it, and every message received — on the event type's
 * channel, in the streams and on `l01:events` — validates against the schema the document
 * gives for that channel.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { asyncApiDocument, eventTypesOf } from '../src/api/asyncapi.js';
import { entities } from '../src/db/entities/index.js';
import { globalStream, partitionedStreamKeys } from '../src/wire/names.js';
import { useTestApp } from './helpers/app.js';
import { AUTH, client } from './helpers/http.js';
import { nextStatus, Samples } from './helpers/samples.js';
import { deleteKeys, recordMessages, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

const prefix = testPrefix('asyncapi');
const names = { prefix, channelPrefix: prefix, legacyChannel: 'l01:events' };
const t = useTestApp({ L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix });
// Every write carries a trace context, so every message has it in its metadata, and the document must describe it.
const TRACE = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'rojo=00f067aa0ba902b7' };
const api = client(() => t.app, { ...AUTH, ...TRACE });
let worker: WorkerProcess | undefined;
const received = recordMessages(prefix);

afterAll(async () => {
  await worker?.stop();
  if (t.redis) await deleteKeys(t.redis, prefix);
});

type Json = Record<string, any>;

/** A validator per channel address: the message schemas the document lists for it. */
function validators(doc: Json) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  for (const [name, schema] of Object.entries(doc.components.schemas as Json)) ajv.addSchema(schema, `#/components/schemas/${name}`);
  const exact = new Map<string, Array<(v: unknown) => boolean>>();
  const templated: Array<[RegExp, Array<(v: unknown) => boolean>]> = [];
  for (const channel of Object.values(doc.channels as Json)) {
    const fns = Object.keys(channel.messages).map((m) => {
      const payload = doc.components.messages[m].payload.$ref as string;
      return ajv.getSchema(payload)!;
    });
    const address = channel.address as string;
    if (address.includes('{')) templated.push([new RegExp(`^${address.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '.+')}$`), fns]);
    else exact.set(address, fns);
  }
  // An exact address first; a parameterised one (the appended events' channels) otherwise.
  const byAddress = { get: (a: string) => exact.get(a) ?? templated.find(([re]) => re.test(a))?.[1] };
  return { ajv, byAddress };
}

describe('the AsyncAPI document', () => {
  const doc = asyncApiDocument(names) as Json;

  it('is served beside the OpenAPI document, with a channel per event type and per stream', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/asyncapi.json' });
    expect(res.statusCode).toBe(200);
    const served = res.json<Json>();
    expect(served.asyncapi).toBe('3.0.0');
    const addresses = Object.values(served.channels as Json).map((c) => c.address);
    // With this app's prefixes (L01_REDIS_PREFIX, L01_CHANNEL_PREFIX).
    expect(addresses).toContain(`${prefix}stream:events`);
    expect(addresses).toContain(`${prefix}events:agent_created`);
    expect(addresses).toContain(`${prefix}l01:events`);
    for (const e of entities) for (const type of eventTypesOf(e)) expect(served.components.messages[type], type).toBeDefined();
    // Every reference resolves.
    const refs = JSON.stringify(served).match(/"\$ref":"#\/[^"]+"/g) ?? [];
    for (const r of refs) {
      const path = r.slice(9, -1).split('/').slice(1);
      let node: any = served;
      for (const p of path) node = node?.[p];
      expect(node, r).toBeDefined();
    }
  });

  it('with relay partitions, lists every partition\'s streams by their keys, and no unpartitioned one', () => {
    const P = 3;
    const addresses = Object.values((asyncApiDocument(names, { partitions: P }) as Json).channels as Json).map((c) => c.address as string);
    for (const key of partitionedStreamKeys(names, entities.map((e) => e.singular), P)) expect(addresses).toContain(key);
    expect(addresses).not.toContain(`${prefix}stream:events`);
    expect(addresses.filter((a) => a.includes('stream:events'))).toHaveLength(P * (entities.length + 1));
    // The channels are not partitioned.
    expect(addresses).toContain(`${prefix}events:agent_created`);
  });

  it('validates every message the relay publishes for every entity, create to delete', async () => {
    const samples = new Samples(api);
    const written: string[] = [];
    for (const entity of entities) {
      const row = await samples.create(entity, {}, { refs: 'required' });
      written.push(`${entity.singular}_created`);
      if (entity.status) {
        const status = nextStatus(entity, row.status);
        const res = await api.patch(`/api/${entity.table}/${row.id}`, { status });
        expect(res.statusCode, res.body).toBe(200);
        written.push(`${entity.singular}_updated`, `${entity.singular}_${status}`);
      }
      const del = await api.delete(`/api/${entity.table}/${row.id}`);
      if (del.statusCode === 200) written.push(`${entity.singular}_deleted`);
    }
    const appended = await t.app.inject({ method: 'POST', url: '/events', headers: { authorization: 'Bearer test_token_123', 'content-type': 'application/json', ...TRACE }, payload: { event_type: 'l12.service_invoked', aggregate_type: 'l12_session', aggregate_id: '00000000-0000-4000-8000-000000000001', payload: { ok: true } } });
    expect(appended.statusCode, appended.body).toBe(201);

    const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM events');
    const total = Number(rows[0]!.n);
    worker = await startWorker({ DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix, L01_WORKER_METRICS_PORT: '0' });
    await waitFor(async () => (await t.redis.xlen(globalStream({ prefix }))) === total, 30_000, 'every event in the global stream');
    await waitFor(() => received.filter((m) => m.channel === `${prefix}l01:events`).length === total, 10_000, 'every event on l01:events');

    const { byAddress } = validators(asyncApiDocument(names) as Json);
    const failures: string[] = [];
    const check = (address: string, text: string) => {
      const fns = byAddress.get(address);
      if (!fns) return failures.push(`${address}: no channel in the document`);
      const value = JSON.parse(text);
      if (!fns.some((f) => f(value))) failures.push(`${address}: ${text.slice(0, 200)}`);
    };
    for (const m of received) check(m.channel, m.text);
    const entries = (await t.redis.xrange(globalStream({ prefix }), '-', '+')) as Array<[string, string[]]>;
    for (const [, fields] of entries) check(globalStream({ prefix }), fields[fields.indexOf('data') + 1]!);
    for (const e of entities) {
      for (const [, fields] of (await t.redis.xrange(`${prefix}stream:events:${e.singular}`, '-', '+')) as Array<[string, string[]]>) {
        check(`${prefix}stream:events:${e.singular}`, fields[fields.indexOf('data') + 1]!);
      }
    }
    const types = new Set(received.map((m) => (JSON.parse(m.text) as Json).event_type as string));
    for (const w of written) expect(types.has(w), w).toBe(true);
    console.log(`[asyncapi] ${received.length} pub/sub messages and ${entries.length} global-stream entries of ${written.length} event types over ${entities.length} entities validated; ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 90_000);
});
