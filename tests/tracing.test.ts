/**
 * Trace context with tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT): a request's W3C
 * `traceparent` / `tracestate` are recorded in its events' metadata as they came, and
 * every message of the event carries them — the stream entries (global and entity), the
 * event type's pub/sub channel and the original's `l01:events` — published by the real
 * worker process. A traceparent that is not valid W3C version 00 is ignored, as if absent.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { messageTraceContext, parseEntry, parseMessage, type L01Event, type RawEntry } from '../src/wire/message.js';
import { entityStream, globalStream } from '../src/wire/names.js';
import { useTestApp } from './helpers/app.js';
import { client } from './helpers/http.js';
import { deleteKeys, recordMessages, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

const prefix = testPrefix('tracing');
const t = useTestApp({ L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix });
const api = client(() => t.app);
let worker: WorkerProcess | undefined;
const received = recordMessages(prefix);

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';

afterAll(async () => {
  await worker?.stop();
  if (t.redis) await deleteKeys(t.redis, prefix);
});

interface LoggedEvent { entity_id: string; entity_type: string; metadata: Record<string, any> }

async function createAgent(headers: Record<string, string>): Promise<string> {
  const res = await api.post('/api/agents', { name: `a-${randomUUID()}`, agent_type: 'tracing' }, headers);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

async function loggedEvent(entityId: string): Promise<LoggedEvent> {
  const res = await api.get(`/api/events?entity_id=${entityId}`);
  expect(res.statusCode, res.body).toBe(200);
  const events = res.json<LoggedEvent[]>();
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe('trace context, tracing off', () => {
  let traced: string;
  let appended: string;

  it('records the request\'s traceparent and tracestate in the event\'s metadata, as sent', async () => {
    traced = await createAgent({ traceparent: TRACEPARENT, tracestate: TRACESTATE });
    const event = await loggedEvent(traced);
    expect(event.metadata).toMatchObject({ traceparent: TRACEPARENT, tracestate: TRACESTATE });
    expect(event.metadata.request_id).toBeTypeOf('string');
  });

  it('records an appended event\'s (POST /events) under l01, beside the caller\'s own metadata', async () => {
    appended = randomUUID();
    const res = await api.post('/events', {
      event_type: 'l12.traced', aggregate_type: 'l12_session', aggregate_id: appended, payload: {}, metadata: { traceparent: 'mine' },
    }, { traceparent: TRACEPARENT });
    expect(res.statusCode, res.body).toBe(201);
    const event = await loggedEvent(appended);
    expect(event.metadata.traceparent).toBe('mine');
    expect(event.metadata.l01).toMatchObject({ traceparent: TRACEPARENT });
    expect(event.metadata.l01.tracestate).toBeUndefined();
    expect(messageTraceContext(event)).toEqual({ traceparent: TRACEPARENT });
  });

  it.each([
    ['another version', '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['the forbidden version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['an extra field in version 00', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'],
    ['no flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
    ['a leading space', ' 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['garbage', 'not a traceparent'],
  ])('ignores a traceparent with %s (and its tracestate), as if absent', async (_what, traceparent) => {
    const id = await createAgent({ traceparent, tracestate: TRACESTATE });
    const event = await loggedEvent(id);
    expect(event.metadata).not.toHaveProperty('traceparent');
    expect(event.metadata).not.toHaveProperty('tracestate');
    expect(messageTraceContext(event)).toBeUndefined();
  });

  it('has no trace context when the request sent none', async () => {
    const event = await loggedEvent(await createAgent({}));
    expect(messageTraceContext(event)).toBeUndefined();
  });

  it('carries it in every stream entry and pub/sub message of the event, the original\'s included', async () => {
    const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM events');
    const total = Number(rows[0]!.n);
    worker = await startWorker({ DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix, L01_WORKER_METRICS_PORT: '0' });
    await waitFor(async () => (await t.redis.xlen(globalStream({ prefix }))) === total, 30_000, 'every event in the global stream');
    await waitFor(() => received.filter((m) => m.channel === `${prefix}l01:events`).length === total, 10_000, 'every event on l01:events');

    const entryOf = async (key: string, entityId: string) => {
      const entries = (await t.redis.xrange(key, '-', '+')) as RawEntry[];
      return entries.map(parseEntry).find((e) => e.entity_id === entityId);
    };
    const want = { traceparent: TRACEPARENT, tracestate: TRACESTATE };
    for (const key of [globalStream({ prefix }), entityStream({ prefix }, 'agent')]) {
      expect(messageTraceContext((await entryOf(key, traced))!), key).toEqual(want);
    }
    const live = received.filter((m) => m.channel === `${prefix}events:agent_created`).map((m) => parseMessage(m.text)).find((e) => e.entity_id === traced);
    expect(messageTraceContext(live!)).toEqual(want);
    const original = received.filter((m) => m.channel === `${prefix}l01:events`).map((m) => JSON.parse(m.text) as { aggregate_id: string; metadata: Record<string, unknown> });
    expect(original.find((m) => m.aggregate_id === traced)!.metadata).toMatchObject(want);
    expect((original.find((m) => m.aggregate_id === appended)!.metadata.l01 as object)).toMatchObject({ traceparent: TRACEPARENT });

    const appendedEntry: L01Event | undefined = await entryOf(globalStream({ prefix }), appended);
    expect(messageTraceContext(appendedEntry!)).toEqual({ traceparent: TRACEPARENT });
  }, 60_000);
});
