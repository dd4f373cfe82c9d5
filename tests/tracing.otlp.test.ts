/**
 * Tracing on: the API (this process, tracing started as entry.ts starts it) and the real
 * worker process export OTLP/HTTP JSON to a local receiver. One request with a traceparent
 * makes one trace: the HTTP server span (child of the caller's span) → the write span → the
 * relay's publish span (parent and link: a batch of one trace) → the consumer helpers'
 * process spans, of consumeStream and of subscribeEvents (children of the write span,
 * active in the handler). Spans are exported by
 * flushing (the worker when it stops, this process by forceFlush), never by waiting.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { consumeStream, subscribeEvents, type Subscription } from '../src/consumer/index.js';
import { startTracing } from '../src/telemetry/tracing.js';
import { globalStream } from '../src/wire/names.js';
import { useTestApp } from './helpers/app.js';
import { client } from './helpers/http.js';
import { deleteKeys, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

interface OtlpSpan {
  traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
  links?: Array<{ traceId: string; spanId: string }>;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
  service: string; process?: string;
}
const KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** A stand-in collector: every span of every POST /v1/traces, with its resource's names. */
const spans: OtlpSpan[] = [];
const receiver = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/v1/traces') {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
      for (const rs of body.resourceSpans) {
        const attr = (k: string) => rs.resource.attributes?.find((a) => a.key === k)?.value.stringValue as string | undefined;
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service: attr('service.name')!, process: attr('l01.process') });
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
receiver.listen(0, '127.0.0.1');
await once(receiver, 'listening');
const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
const tracing = await startTracing({ url: `${endpoint}/v1/traces`, processName: 'l01-api' });

const prefix = testPrefix('tracing_otlp');
const t = useTestApp({ L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix });
const api = client(() => t.app);
let worker: WorkerProcess | undefined;
let consumerRedis: Redis | undefined;
let subscription: Subscription | undefined;
const stop = new AbortController();

afterAll(async () => {
  stop.abort();
  await worker?.stop();
  consumerRedis?.disconnect();
  await subscription?.close();
  await tracing.shutdown();
  receiver.close();
  if (t.redis) await deleteKeys(t.redis, prefix);
});

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

describe('tracing over OTLP', () => {
  it('makes one trace of a write: HTTP → write → publish → the consumer helpers\' process spans', async () => {
    const heard: Array<{ entityId: string; active?: { traceId: string; spanId: string } }> = [];
    subscription = subscribeEvents({
      url: inject('redisUrl'), channelPrefix: prefix, patterns: ['agent_created'],
      onMessage: (event) => void heard.push({ entityId: event.entity_id, active: trace.getActiveSpan()?.spanContext() }),
    });
    await subscription.ready;
    const res = await api.post('/api/agents', { name: `a-${randomUUID()}`, agent_type: 'tracing' }, {
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: 'vendor=x',
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json<{ id: string }>().id;

    worker = await startWorker({
      DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix,
      L01_WORKER_METRICS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    });
    consumerRedis = new Redis(inject('redisUrl'));
    const handled: Array<{ entityId: string; active?: { traceId: string; spanId: string } }> = [];
    const consuming = consumeStream({
      redis: consumerRedis, stream: 'global', prefix, group: 'tracing', consumer: 'c1', blockMs: 200, signal: stop.signal,
      handler: (event) => void handled.push({ entityId: event.entity_id, active: trace.getActiveSpan()?.spanContext() }),
    });
    await waitFor(() => handled.length > 0 && heard.length > 0, 30_000, 'the consumer and the listener to handle the event');
    stop.abort();
    await consuming;
    await worker.stop(); // flushes its spans as it shuts down
    await waitFor(async () => {
      await tracing.forceFlush();
      return spans.filter((s) => s.kind === KIND.consumer).length === 2;
    }, 10_000, 'the consumer spans');

    const ours = spans.filter((s) => s.traceId === CALLER_TRACE);
    const one = (kind: number) => {
      const found = ours.filter((s) => s.kind === kind);
      expect(found, `spans of kind ${kind}: ${JSON.stringify(spans.map((s) => [s.name, s.kind, s.traceId]))}`).toHaveLength(1);
      return found[0]!;
    };
    const http = one(KIND.server);
    const write = one(KIND.client);
    const publish = one(KIND.producer);
    const consumers = ours.filter((s) => s.kind === KIND.consumer);
    const processSpan = consumers.find((s) => s.name === `process ${globalStream({ prefix })}`)!;
    const listenSpan = consumers.find((s) => s.name === `process ${prefix}events:agent_created`)!;

    expect(http).toMatchObject({ name: 'POST /api/agents', parentSpanId: CALLER_SPAN, service: 'l01-data-layer', process: 'l01-api' });
    const attr = (s: OtlpSpan, key: string) => s.attributes?.find((a) => a.key === key)?.value;
    expect(attr(http, 'http.response.status_code')).toEqual({ intValue: 201 });
    expect(attr(http, 'http.route')).toEqual({ stringValue: '/api/agents' });
    expect(write).toMatchObject({ name: 'INSERT agents', parentSpanId: http.spanId });
    expect(attr(write, 'db.system.name')).toEqual({ stringValue: 'postgresql' });

    // The event records the write span's context: what the relay links to and the consumer continues.
    const events = (await api.get(`/api/events?entity_id=${id}`)).json<Array<{ metadata: Record<string, string> }>>();
    expect(events[0]!.metadata).toMatchObject({ traceparent: `00-${CALLER_TRACE}-${write.spanId}-01`, tracestate: 'vendor=x' });

    expect(publish).toMatchObject({ name: `send ${globalStream({ prefix })}`, parentSpanId: write.spanId, service: 'l01-data-layer', process: 'l01-worker' });
    expect(publish.links).toEqual([expect.objectContaining({ traceId: CALLER_TRACE, spanId: write.spanId })]);
    expect(attr(publish, 'messaging.system')).toEqual({ stringValue: 'redis' });
    expect(attr(publish, 'messaging.batch.message_count')).toEqual({ intValue: 1 });

    expect(processSpan).toMatchObject({ name: `process ${globalStream({ prefix })}`, parentSpanId: write.spanId });
    expect(handled[0]).toMatchObject({ entityId: id, active: { traceId: CALLER_TRACE, spanId: processSpan.spanId } });
    expect(listenSpan).toMatchObject({ parentSpanId: write.spanId });
    expect(heard[0]).toMatchObject({ entityId: id, active: { traceId: CALLER_TRACE, spanId: listenSpan.spanId } });
  }, 90_000);

  it("traces POST /api/commands as one BATCH span, whose context every command's event records", async () => {
    const trace2 = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await api.post('/api/commands', { commands: [
      { op: 'create', entity: 'agents', data: { name: `a-${randomUUID()}`, agent_type: 'tracing' } },
      { op: 'create', entity: 'goals', data: { description: 'traced goal' } },
    ] }, { traceparent: `00-${trace2}-00f067aa0ba902b7-01` });
    expect(res.statusCode, res.body).toBe(200);
    await waitFor(async () => {
      await tracing.forceFlush();
      return spans.some((s) => s.traceId === trace2 && s.name.startsWith('BATCH'));
    }, 10_000, 'the batch span');
    const http = spans.find((s) => s.traceId === trace2 && s.kind === KIND.server)!;
    const batch = spans.find((s) => s.traceId === trace2 && s.name.startsWith('BATCH'))!;
    expect(batch).toMatchObject({ name: 'BATCH agents,goals', kind: KIND.client, parentSpanId: http.spanId });
    const ids = res.json<{ results: Array<{ id: string }> }>().results.map((r) => r.id);
    for (const id of ids) {
      const events = (await api.get(`/api/events?entity_id=${id}`)).json<Array<{ metadata: Record<string, string> }>>();
      expect(events[0]!.metadata.traceparent).toBe(`00-${trace2}-${batch.spanId}-01`);
    }
  });
});
