/** The feedback queue: what nobody has processed yet, oldest first. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { feedback } from '../../db/entities/quality.js';
import { listEntities } from '../../db/read.js';
import { problemResponses, secured } from '../openapi.js';
import { sendJson, type RouteDeps } from '../respond.js';
import { entitySchemas, pagination } from '../schemas.js';

const schemas = entitySchemas(feedback);
/** The feedback filters minus `processed`, which this route fixes to false. */
const { processed: _fixed, ...filters } = schemas.list.shape;

export async function registerFeedbackRoutes(app: FastifyInstance, { db }: RouteDeps) {
  app.withTypeProvider<ZodTypeProvider>().get('/api/feedback/unprocessed', {
    config: { scope: 'user', tables: [feedback.table] },
    schema: secured({
      tags: ['feedback'],
      summary: 'Feedback not yet processed, oldest first (PATCH processed=true to take it off)',
      querystring: z.strictObject({ ...filters, ...pagination }),
      response: { 200: z.array(schemas.response), ...problemResponses },
    }),
  }, async (req, reply) => {
    // One range of feedback_processed_created_at_id_idx, already in created_at order.
    const { limit, offset, ...rest } = req.query as { limit: number; offset: number } & Record<string, unknown>;
    return sendJson(reply, 200, await listEntities(db, feedback, { ...rest, processed: false }, { limit, offset }));
  });
}
