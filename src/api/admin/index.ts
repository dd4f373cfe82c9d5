/**
 * The operator pages under /admin, behind the admin token (bearer, or the session cookie
 * a browser gets from /admin/login: see session.ts and login.ts):
 *   /admin/dead-letters   the Postgres dead letters, with Retry and Discard
 *   /admin/queues         Bull Board over the publish queue (when the app is given the queue)
 * Everything here lives in its own plugin context: the form parser and the guard apply to
 * these routes only, and none of them appears in the OpenAPI document.
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../db/pool.js';
import { registerDeadLetterPages } from './dead-letters.js';
import { acceptForms, adminGuard, registerLogin, type LoginOptions } from './login.js';
import { registerQueueBoard } from './queues.js';

export interface AdminOptions extends LoginOptions {
  db: Queryable;
  onCommit?: () => void;
  /** The BullMQ publish queue; without it there is no /admin/queues. */
  publishQueue?: Queue;
}

export async function registerAdmin(app: FastifyInstance, o: AdminOptions): Promise<void> {
  await app.register(async (admin) => {
    acceptForms(admin);
    const sessions = registerLogin(admin, o);
    await admin.register(async (guarded) => {
      guarded.addHook('onRequest', adminGuard(o.tokens, sessions));
      registerDeadLetterPages(guarded, { db: o.db, onCommit: o.onCommit });
      if (o.publishQueue) await registerQueueBoard(guarded, o.publishQueue);
    });
  });
}
