import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getEvent, listEvents } from '../../db/events.js';
import type { Queryable } from '../../db/pool.js';
import { notFound, Problem } from '../problems.js';
import { sendPage } from '../respond.js';
import { idParams, paging, queryInteger, safeString } from '../schemas.js';
import type { LogEvent } from '../../wire/message.js';
import { EVENT_LOG } from '../auth/index.js';
import { problemResponses, secured } from '../openapi.js';

/**
 * A page of the log is cut by count and by bytes; when more follow, `X-Next-Cursor` (and
 * `Link: <…?after=…>; rel="next"`) is the position to pass as `after` next: the last event sent.
 */
const eventQuery = z.strictObject({
  ...paging('after'),
  event_type: safeString(100).optional(),
  entity_type: safeString(50).optional(),
  entity_id: z.guid().optional(),
  after: queryInteger(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('Position of the last event you have (0 = from the start; a page\'s X-Next-Cursor). Pages in commit-safe order and never skips an event that commits late.'),
});

export const eventSchema = z.object({
  id: z.guid(),
  position: z.number().int().describe('Global, increasing in insertion order.'),
  transaction_id: z.string().describe('Writer transaction (xid8), as a decimal string.'),
  cursor: z.string().describe('`<transaction_id>-<position>`: log order, and the id of the event in every stream.'),
  event_type: z.string(),
  entity_type: z.string(),
  entity_id: z.guid(),
  entity_version: z.number().int(),
  payload: z.record(z.string(), z.unknown()).describe('The entity after the change (before it, for a delete).'),
  metadata: z.record(z.string(), z.unknown()).describe('request_id, correlation_id, caller; traceparent and tracestate (W3C trace context) when the write was traced'),
  created_at: z.string(),
}) satisfies z.ZodType<LogEvent>;

export async function registerEventRoutes(app: FastifyInstance, opts: { db: Queryable }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/events', {
    config: { scope: 'user', tables: [EVENT_LOG] },
    schema: secured({ tags: ['events'], summary: 'The event log, in log order (transaction_id, position)', querystring: eventQuery, response: { 200: z.array(eventSchema), ...problemResponses } }),
  }, async (req, reply) => {
    const page = await listEvents(opts.db, req.query);
    if (page === null) {
      throw new Problem(400, 'Bad Request', `no event at position ${req.query.after}`, [{ field: 'querystring.after', message: 'must be the position of an existing event, or 0' }]);
    }
    return sendPage(req, reply, page, 'after');
  });

  r.get('/api/events/:id', {
    config: { scope: 'user', tables: [EVENT_LOG] },
    schema: secured({ tags: ['events'], summary: 'One event', params: idParams, response: { 200: eventSchema, ...problemResponses } }),
  }, async (req, reply) => {
    const body = await getEvent(opts.db, req.params.id);
    if (!body) throw notFound('Event', req.params.id);
    return reply.type('application/json; charset=utf-8').send(body as never);
  });
}
