/** Admin routes over dead letters (admin token). The CLI and the dashboard use the same functions. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Queryable } from '../../db/pool.js';
import * as deadLetters from '../../outbox/dead-letters.js';
import { problemResponses, secured } from '../openapi.js';
import { notFound, Problem } from '../problems.js';
import { idParams, pagination } from '../schemas.js';

const tags = ['dead letters'];
const requeuedSchema = z.object({ requeued: z.number().int() });
const json = 'application/json; charset=utf-8';

export async function registerDeadLetterRoutes(app: FastifyInstance, opts: { db: Queryable; onCommit?: () => void }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = opts;

  /** 404 when unknown, 409 when it exists but is not in the `dead` state. */
  const mustBeDead = async (id: string) => {
    const status = await deadLetters.deadLetterStatus(db, id);
    if (status === null) throw notFound('Dead letter', id);
    if (status !== 'dead') throw new Problem(409, 'Conflict', `dead letter ${id} is ${status}, not dead`);
  };

  r.get('/api/dead-letters', {
    config: { scope: 'admin' },
    schema: secured({ tags, summary: 'Events that failed to publish on their own', querystring: z.strictObject({ ...pagination, status: z.enum(deadLetters.DEAD_LETTER_STATUSES).optional() }), response: problemResponses }, 'admin'),
  }, async (req, reply) => reply.type(json).send((await deadLetters.listDeadLetters(db, req.query)) as never));

  r.get('/api/dead-letters/:id', {
    config: { scope: 'admin' },
    schema: secured({ tags, summary: 'One dead letter with its event', params: idParams, response: problemResponses }, 'admin'),
  }, async (req, reply) => {
    const body = await deadLetters.getDeadLetter(db, req.params.id);
    if (!body) throw notFound('Dead letter', req.params.id);
    return reply.type(json).send(body as never);
  });

  r.post('/api/dead-letters/:id/retry', {
    config: { scope: 'admin' },
    schema: secured({ tags, summary: 'Put a dead letter back in the outbox (published after everything already out; marked replayed)', params: idParams, response: { 202: requeuedSchema, ...problemResponses } }, 'admin'),
  }, async (req, reply) => {
    await mustBeDead(req.params.id);
    const requeued = await deadLetters.requeueDeadLetters(db, [req.params.id]);
    opts.onCommit?.();
    return reply.code(202).send({ requeued });
  });

  r.post('/api/dead-letters/retry', {
    config: { scope: 'admin' },
    schema: secured({ tags, summary: 'Put every dead letter back in the outbox', response: { 202: requeuedSchema, ...problemResponses } }, 'admin'),
  }, async (_req, reply) => {
    const requeued = await deadLetters.requeueDeadLetters(db, 'all');
    opts.onCommit?.();
    return reply.code(202).send({ requeued });
  });

  r.delete('/api/dead-letters/:id', {
    config: { scope: 'admin' },
    schema: secured({ tags, summary: 'Discard a dead letter (kept as discarded, never published)', params: idParams, response: problemResponses }, 'admin'),
  }, async (req, reply) => {
    await mustBeDead(req.params.id);
    if (!(await deadLetters.discardDeadLetter(db, req.params.id))) throw new Problem(409, 'Conflict', 'dead letter changed meanwhile');
    return reply.send({ message: 'Dead letter discarded' } as never);
  });
}
