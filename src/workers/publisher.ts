/**
 * The BullMQ processor: publishes one batch with publish.lua. Events before a poison event
 * (one that fails on its own: a message over the size limit, a stream conflict) are
 * published; the poison event is recorded in the job's data and fails the attempt, so
 * BullMQ retries it (re-runs find the earlier events already in the stream and skip them)
 * and, after the last attempt, the relay dead-letters exactly that event.
 */
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WireNames } from '../wire/names.js';
import { ALREADY_PUBLISHED, CONFLICT, PUBLISHED, publishEvents, type OutgoingEvent } from './publish.js';
import type { PublishJob, PublishResult } from './queue.js';

export interface PublisherOptions {
  redis: Redis;
  names: WireNames;
  maxMessageBytes: number;
  /** The events of a job, in order (outbox/batches.ts: from memory, or read from the outbox). */
  load: (job: PublishJob) => Promise<OutgoingEvent[]>;
}

export function createPublishProcessor(o: PublisherOptions) {
  return async (job: Job<PublishJob, PublishResult>): Promise<PublishResult> => {
    const events = await o.load(job.data);
    const tooBig = events.findIndex((e) => Buffer.byteLength(e.message) > o.maxMessageBytes);
    const statuses = await publishEvents(o.redis, o.names, tooBig === -1 ? events : events.slice(0, tooBig));

    const conflict = statuses.indexOf(CONFLICT);
    const poison = conflict !== -1
      ? { id: events[conflict]!.id, reason: `stream conflict: the global stream is past ${events[conflict]!.id} but does not hold it (Redis lost data, or the database was restored behind it)` }
      : tooBig !== -1
        ? { id: events[tooBig]!.id, reason: `message of ${Buffer.byteLength(events[tooBig]!.message)} bytes exceeds L01_MAX_MESSAGE_BYTES (${o.maxMessageBytes})` }
        : null;
    if (poison) {
      await job.updateData({ ...job.data, poison });
      throw new Error(`event ${poison.id}: ${poison.reason}`);
    }
    return {
      published: statuses.filter((s) => s === PUBLISHED).length,
      duplicates: statuses.filter((s) => s === ALREADY_PUBLISHED).length,
    };
  };
}
