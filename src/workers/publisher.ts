/**
 * The BullMQ processor: publishes one batch with publish.lua. Events before a poison
 * event are published; the poison event fails the job with its index, so BullMQ retries
 * (re-runs find the earlier events already in the stream and skip them) and, after the
 * last attempt, the leader dead-letters exactly that event.
 */
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BatchHandoff } from '../outbox/batches.js';
import { PoisonEventError } from '../outbox/errors.js';
import type { PublishJob, PublishResult } from '../outbox/queue.js';
import { ALREADY_PUBLISHED, CONFLICT, PUBLISHED, publishEvents, type OutgoingEvent, type StreamNames } from '../outbox/streams.js';

export function createPublishProcessor(redis: Redis, names: StreamNames, maxMessageBytes: number, batches: BatchHandoff) {
  return async (job: Job<PublishJob, PublishResult>): Promise<PublishResult> => {
    // A job queued by a relay of the previous version carries its events (rolling deploy).
    const legacy = (job.data as { events?: OutgoingEvent[] }).events;
    const events = Array.isArray(legacy) ? legacy : await batches.events(job.data);
    const tooBig = events.findIndex((e) => Buffer.byteLength(e.message) > maxMessageBytes);
    const publishable = tooBig === -1 ? events : events.slice(0, tooBig);
    const statuses = await publishEvents(redis, names, publishable);

    const conflict = statuses.indexOf(CONFLICT);
    if (conflict !== -1) {
      throw new PoisonEventError(events[conflict]!.id, `stream conflict: the global stream is past ${events[conflict]!.id} but does not hold it (Redis lost data, or the database was restored behind it)`);
    }
    if (tooBig !== -1) {
      const bytes = Buffer.byteLength(events[tooBig]!.message);
      throw new PoisonEventError(events[tooBig]!.id, `message of ${bytes} bytes exceeds L01_MAX_MESSAGE_BYTES (${maxMessageBytes})`);
    }
    return {
      published: statuses.filter((s) => s === PUBLISHED).length,
      duplicates: statuses.filter((s) => s === ALREADY_PUBLISHED).length,
    };
  };
}
