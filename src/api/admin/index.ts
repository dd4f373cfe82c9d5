/**
 * The operator pages under /admin, behind the admin token (bearer, or the session cookie
 * a browser gets from /admin/login: see auth/session.ts and login.ts):
 *   /admin/overview       the landing page: relay partitions and streams, live (and .json)
 *   /admin/dead-letters   the Postgres dead letters, with Retry and Discard
 *   /admin/queues         Bull Board over the publish queues (when the app is given them)
 * Everything here lives in its own plugin context: the cookie and form parsers and the
 * page guard apply to these routes only, and none of them appears in the OpenAPI document.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../redis.js';
import type { Queryable } from '../../db/pool.js';
import type { WireNames } from '../../wire/names.js';
import type { Auth } from '../auth/index.js';
import { registerDeadLetterPages } from './dead-letters.js';
import { registerLogin } from './login.js';
import { registerOverviewPage } from './overview.js';
import { registerQueueBoard } from './queues.js';

export interface AdminOptions {
  auth: Auth;
  db: Queryable;
  redis: RedisClient;
  names: Pick<WireNames, 'prefix'>;
  /** The global stream and one per entity type (the overview lists them whenever they exist). */
  streams: readonly string[];
  /** L01_RELAY_PARTITIONS (default 1). */
  partitions?: number;
  onCommit?: () => void;
  /** The BullMQ publish queues (one per relay partition); without them there is no /admin/queues. */
  publishQueues?: readonly Queue[];
  /** Mark the session cookie Secure even over plain HTTP (production sits behind TLS). */
  secureCookies: boolean;
}

/** Login forms are small: a token and a path. */
const FORM_LIMIT = 16_384;

export async function registerAdmin(app: FastifyInstance, o: AdminOptions): Promise<void> {
  await app.register(async (admin) => {
    await admin.register(cookie);
    await admin.register(formbody, { bodyLimit: FORM_LIMIT });
    registerLogin(admin, { auth: o.auth, secureCookies: o.secureCookies });
    await admin.register(async (guarded) => {
      guarded.addHook('onRequest', o.auth.pageGuard);
      registerOverviewPage(guarded, { db: o.db, redis: o.redis, names: o.names, knownStreams: o.streams, partitions: o.partitions });
      registerDeadLetterPages(guarded, { db: o.db, onCommit: o.onCommit });
      if (o.publishQueues?.length) await registerQueueBoard(guarded, o.publishQueues);
    });
  });
}
