/**
 * The AsyncAPI 3 document of what the relay publishes, generated from the entity definitions
 * (as the OpenAPI document is from the routes' schemas): the streams, the pub/sub channel of
 * every event type, the original service's `l01:events` channel, and a JSON Schema per event
 * type whose `payload` is the entity's own row schema. Served at /docs/asyncapi.json.
 *
 * Names come from the wire contract (src/wire), with the prefixes the service runs with.
 */
import { z } from 'zod';
import { entities } from '../db/entities/index.js';
import type { Entity } from '../db/entity.js';
import { channelName, entityStream, globalStream, legacyChannel, partitionNames, partitionsOf, type Partition, type WireNames } from '../wire/names.js';
import { entitySchemas } from './schemas.js';

type Json = Record<string, unknown>;

/** Every event type an entity's writes produce: its lifecycle, then one per status that has an event. */
export function eventTypesOf(entity: Entity): string[] {
  const s = entity.singular;
  return [`${s}_created`, `${s}_updated`, `${s}_deleted`, ...(entity.status?.evented ?? []).map((status) => `${s}_${status}`)];
}

const uuid = { type: 'string', format: 'uuid' };
const instant = { type: 'string', format: 'date-time' };

/** What the write recorded about its origin (api/context.ts), trace context included (wire/message.ts). */
const METADATA: Json = {
  type: 'object',
  description: 'What the write recorded about its origin. Other keys may appear.',
  properties: {
    request_id: { type: 'string' },
    correlation_id: { type: 'string' },
    caller: { type: 'string', description: 'The token that wrote it.' },
    traceparent: {
      type: 'string', pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      description: 'W3C traceparent of the write: its span when the service traces, else the request\'s header as sent; absent when neither. Continue the trace from it (the consumer helpers do).',
    },
    tracestate: { type: 'string', description: 'W3C tracestate that came with the traceparent, when there was one.' },
  },
};

/** The JSON Schema of the L01Event message of one event type (wire/message.ts). */
function messageSchema(entity: Entity, eventType: string): Json {
  const row = z.toJSONSchema(entitySchemas(entity).response, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete row.$schema;
  return {
    type: 'object',
    additionalProperties: false,
    required: ['event_type', 'event_id', 'entity_type', 'entity_id', 'entity_version', 'position', 'payload', 'metadata', 'timestamp', 'replayed'],
    properties: {
      event_type: { const: eventType },
      event_id: uuid,
      entity_type: { const: entity.singular },
      entity_id: uuid,
      entity_version: { type: 'integer', minimum: 1, description: '1 on create, +1 per change; a delete carries the last version + 1.' },
      position: { type: 'integer', minimum: 1, description: 'Global position in the event log.' },
      payload: { ...row, description: eventType.endsWith('_deleted') ? 'The entity before it was deleted.' : 'The entity after the change.' },
      metadata: METADATA,
      timestamp: instant,
      replayed: { type: 'boolean', description: 'Re-published by a dead-letter retry, l01 replay or healing: you may have seen it.' },
    },
  };
}

/** Events a caller appended (POST /events): its own type and payload. */
const APPENDED: Json = {
  type: 'object',
  required: ['event_type', 'event_id', 'entity_type', 'entity_id', 'entity_version', 'position', 'payload', 'metadata', 'timestamp', 'replayed'],
  properties: {
    event_type: { type: 'string' }, event_id: uuid, entity_type: { type: 'string', pattern: '^domain:' }, entity_id: uuid,
    entity_version: { type: 'integer', minimum: 1 }, position: { type: 'integer', minimum: 1 }, payload: { type: 'object' },
    metadata: { type: 'object', description: "The caller's metadata as sent; the service's own fields (request_id, correlation_id, caller, traceparent, tracestate) under `l01`.", properties: { l01: METADATA } },
    timestamp: instant, replayed: { type: 'boolean' },
  },
};

/** The original service's message on `l01:events` (wire/legacy.ts). */
const LEGACY: Json = {
  type: 'object',
  additionalProperties: false,
  required: ['event_type', 'aggregate_type', 'aggregate_id', 'payload', 'metadata', 'timestamp'],
  properties: {
    event_type: { type: 'string', description: 'Dotted: agent.created, tool.execution.updated, dataset.example_added, …' },
    aggregate_type: { type: 'string' },
    aggregate_id: { type: 'string' },
    payload: { type: 'object' },
    metadata: { type: 'object', description: 'As in the event\'s own message: request_id, correlation_id, caller, traceparent, tracestate (under `l01` for an appended event).' },
    timestamp: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?$', description: 'Naive, UTC.' },
  },
};

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });
/** Channel ids are identifiers, not addresses. */
const channelId = (address: string) => address.replace(/[^A-Za-z0-9_.-]/g, '_');

export interface AsyncApiDocument extends Json {
  components: { messages: Record<string, Json>; schemas: Record<string, Json> };
  channels: Record<string, Json>;
}

/**
 * `partitions`: the relay's L01_RELAY_PARTITIONS. With more than one, every partition's
 * streams are listed by their real keys (`l01:p0:stream:events`, …), not a key pattern: the
 * count is a deployment setting like the prefix, which the addresses already carry, and a
 * reader (or a validator, as tests/asyncapi.test.ts) finds each key it reads by its address.
 */
export function asyncApiDocument(names: WireNames, { version = '0.1.0', partitions = 1 }: { version?: string; partitions?: number } = {}): AsyncApiDocument {
  const messages: Record<string, Json> = {};
  const schemas: Record<string, Json> = {};
  const channels: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const addChannel = (address: string, description: string, messageNames: string[], parameters?: Json) => {
    const id = channelId(address);
    channels[id] = { address, description, messages: Object.fromEntries(messageNames.map((m) => [m, ref('messages', m)])), ...(parameters ? { parameters } : {}) };
    operations[`publish_${id}`] = { action: 'send', channel: { $ref: `#/channels/${id}` }, messages: messageNames.map((m) => ({ $ref: `#/channels/${id}/messages/${m}` })) };
  };

  // Each relay partition's streams; with one partition, the wire contract's keys.
  const parts = partitionsOf(partitions).map((p) => [p, partitionNames(names, p)] as const);
  const inPartition = (p: Partition) => (partitions > 1 ? ` of relay partition ${p.index} of ${partitions} (the entities whose l01_shard(entity_id) mod ${partitions} is ${p.index}; order per partition, none across)` : '');
  const all: string[] = [];
  for (const entity of entities) {
    const types = eventTypesOf(entity);
    for (const t of types) {
      schemas[t] = messageSchema(entity, t);
      messages[t] = { name: t, title: t, contentType: 'application/json', payload: ref('schemas', t) };
      addChannel(channelName(t, names.channelPrefix), `Every ${t} event, as it is published (fire-and-forget).`, [t]);
    }
    for (const [p, own] of parts) {
      addChannel(entityStream(own, entity.singular), `Redis stream of the ${entity.singular} events${inPartition(p)}, in commit-safe order; each entry's \`data\` field is the message, \`event_type\` its type, its id \`<transaction_id>-<position>\`.`, types);
    }
    all.push(...types);
  }
  schemas.appended_event = APPENDED;
  messages.appended_event = { name: 'appended_event', title: 'An event a caller appended (POST /events)', contentType: 'application/json', payload: ref('schemas', 'appended_event') };
  for (const [p, own] of parts) {
    addChannel(globalStream(own), `Redis stream of every event${inPartition(p)}, in ${partitions > 1 ? "the partition's" : 'global'} commit-safe order (entries as in the entity streams).`, [...all, 'appended_event']);
  }
  addChannel(channelName('{eventType}', names.channelPrefix), "The channel of an event a caller appended (POST /events), named by the caller's own type; its stream is `<prefix>stream:events:domain:<aggregate_type>` (in each partition, under the partition's prefix).", ['appended_event'], {
    eventType: { description: 'The event type the caller gave (e.g. l12.service_invoked).' },
  });
  const legacy = legacyChannel(names);
  if (legacy) {
    schemas.original_event = LEGACY;
    messages.original_event = { name: 'original_event', title: "Every event in the original service's shape", contentType: 'application/json', payload: ref('schemas', 'original_event') };
    addChannel(legacy, "The original service's single channel: every event again, in its message shape (L10 and L11 subscribe).", ['original_event']);
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'L01 Data Layer events',
      version,
      description: 'What the relay publishes to Redis: at least once, in order per entity; stream entry ids are the events\' commit-safe order, so a stream never holds an event twice.',
    },
    defaultContentType: 'application/json',
    servers: { redis: { host: 'localhost:6379', protocol: 'redis', description: 'The Redis the service relays to (REDIS_URL).' } },
    channels,
    operations,
    components: { messages, schemas },
  };
}
