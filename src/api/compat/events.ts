/**
 * The original's event store (ORIGINAL-L01-API.md 2.2): callers append events of their own
 * (`POST /events`: L10, L12, the shared client), and read the log in the original's Event
 * shape. Appended events are written by the one writer like any change (an `append`, stored
 * under `domain:<aggregate_type>`: wire/legacy.ts), so they are relayed and published like
 * every other event; the list shows the whole log, the entities' events with the original's
 * dotted names.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { entities } from '../../db/entities/index.js';
import { eventRow, listEventsNewestFirst } from '../../db/events.js';
import { DOMAIN_PREFIX, isAppended, legacyAggregateType, legacyEventType, storedEventTypes } from '../../wire/legacy.js';
import { EVENT_LOG } from '../auth/index.js';
import { eventMetadata } from '../context.js';
import type { RouteDeps } from '../respond.js';
import { safeString } from '../schemas.js';
import { compatNotFound } from './errors.js';
import { parseOr422, secured } from './routes.js';
import { naiveUtc } from './translate.js';

const SECURED = secured(EVENT_LOG);
const entityTypes = entities.map((e) => e.singular);
const object = z.record(z.string(), z.unknown());

const eventCreate = z.object({
  event_type: safeString(255).min(1),
  aggregate_type: safeString(100).min(1),
  aggregate_id: z.guid(),
  payload: object.default({}),
  metadata: object.default({}),
  version: z.number().int().default(1),
});

const eventQuery = z.object({
  aggregate_id: z.preprocess((v) => (v === '' ? undefined : v), z.guid().optional()),
  aggregate_type: z.string().max(100).optional(),
  event_type: z.string().max(255).optional(),
  limit: z.coerce.number().int().min(0).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * An event of the log in the original's Event shape. An appended event shows the caller's
 * metadata and version; an entity's event, its metadata and entity version.
 */
function renderEvent(row: Record<string, unknown>) {
  const entityType = String(row.entity_type);
  const { l01, ...own } = (row.metadata ?? {}) as Record<string, unknown> & { l01?: { event_version?: unknown } };
  const appended = isAppended(entityType);
  return {
    id: row.id,
    event_type: legacyEventType(entityType, String(row.event_type)),
    aggregate_type: legacyAggregateType(entityType),
    aggregate_id: row.entity_id,
    payload: row.payload,
    metadata: appended ? own : (row.metadata ?? {}),
    created_at: naiveUtc(String(row.created_at)),
    version: appended && typeof l01?.event_version === 'number' ? l01.event_version : row.entity_version,
  };
}

export async function registerEventRoutes(app: FastifyInstance, { db, write }: RouteDeps): Promise<void> {
  app.post('/events', SECURED, async (req, reply) => {
    const e = parseOr422(eventCreate, req.body ?? {}, 'body');
    const result = await write({
      op: 'append',
      entityType: `${DOMAIN_PREFIX}${e.aggregate_type}`,
      entityId: e.aggregate_id,
      eventType: e.event_type,
      payload: e.payload,
      // The caller's metadata as sent; what every event records about its origin, and the
      // caller's own version of the event, apart under `l01` (a caller cannot forge them).
      metadata: { ...e.metadata, l01: { ...eventMetadata(req), event_version: e.version } },
    });
    if (!result.ok) throw new Error('an append cannot fail but by an error');
    return reply.code(201).send(renderEvent(JSON.parse(result.body) as Record<string, unknown>));
  });

  app.get('/events', SECURED, async (req, reply) => {
    const q = parseOr422(eventQuery, req.query, 'query');
    const rows = await listEventsNewestFirst(db, {
      entityTypes: q.aggregate_type ? [q.aggregate_type, `${DOMAIN_PREFIX}${q.aggregate_type}`] : undefined,
      entityId: q.aggregate_id,
      types: q.event_type ? storedEventTypes(q.event_type, entityTypes) : undefined,
      limit: q.limit,
      offset: q.offset,
    });
    return reply.send(rows.map(renderEvent));
  });

  app.get('/events/:event_id', SECURED, async (req, reply) => {
    const id = parseOr422(z.guid(), (req.params as { event_id: string }).event_id, 'path');
    const row = await eventRow(db, id);
    if (!row) throw compatNotFound('Event not found');
    return reply.send(renderEvent(row));
  });
}
