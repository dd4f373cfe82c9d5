/**
 * Bull Board for the BullMQ publish queues (one per relay partition), at /admin/queues, read-only: it shows the
 * batches waiting, active, completed and failed (with their errors and attempts). It does
 * not retry, promote or remove jobs: a failed job's events are handled by the relay (its
 * poison event became a dead letter, the rest were published), so retrying the job by
 * hand would only re-send a stale batch. Dead letters are retried on /admin/dead-letters.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const QUEUES_PATH = '/admin/queues';

export async function registerQueueBoard(app: FastifyInstance, queues: readonly Queue[]): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true, description: 'Relay publish batches (one job = one ordered batch of events)' })),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'L01 relay',
        hideDocsLink: true,
        // Links are GETs, and logging out is a POST: the Log out button is on the other admin pages.
        miscLinks: [{ text: 'Overview (and Log out)', url: '/admin/overview' }, { text: 'Dead letters', url: '/admin/dead-letters' }],
      },
    },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUES_PATH });
}
