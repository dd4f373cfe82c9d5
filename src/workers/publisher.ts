/**
 * The BullMQ processor: publishes one batch with publish.lua. Events before a poison event
 * (one that fails on its own: a message over the size limit, a stream conflict) are
 * published; the poison event is recorded in the job's data and fails the job at once
 * with BullMQ's UnrecoverableError: such a failure is decided by the event and Redis's
 * content, so a retry could only fail the same way, while every event behind it waits
 * (measured before: 3 oversized events, each retried 8 times with backoff, held all
 * delivery back ~20 s apiece, consumer lag 59.5 s). The relay dead-letters exactly that
 * event and carries on. Any other failure (Redis away, OOM, a timeout) can succeed later:
 * BullMQ retries it with backoff.
 *
 * A batch whose streams lost data (publish.lua's floor check) writes nothing and completes
 * with `behind`: the relay heals the streams from the log, then submits the batch again.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import type { RedisClient } from '../redis.js';
import { partitionNames, SOLE_PARTITION, type WireNames } from '../wire/names.js';
import { ALREADY_PUBLISHED, CONFLICT, PUBLISHED, publishBatch, type OutgoingEvent, type ReplicaAck } from './publish.js';
import type { PublishJob, PublishResult } from './queue.js';

export interface PublisherOptions {
  redis: RedisClient;
  names: WireNames;
  maxMessageBytes: number;
  /** Replicas that must hold a batch before it counts as published (none: no WAIT). */
  ack?: ReplicaAck;
  /** The events of a job, in order (outbox/batches.ts: from memory, or read from the outbox). */
  load: (job: PublishJob) => Promise<OutgoingEvent[]>;
}

const sizeOf = (e: OutgoingEvent) => (e.oversize ? e.bytes ?? Infinity : Buffer.byteLength(e.message));

export function createPublishProcessor(o: PublisherOptions) {
  return async (job: Job<PublishJob, PublishResult>): Promise<PublishResult> => {
    const events = await o.load(job.data);
    const tooBig = events.findIndex((e) => e.oversize === true || sizeOf(e) > o.maxMessageBytes);
    // A partition's batch goes to the partition's streams (and counts toward its publish rate).
    const partition = job.data.partition ?? SOLE_PARTITION;
    const names = partitionNames(o.names, partition);
    const kept = tooBig === -1 ? events : events.slice(0, tooBig);
    const reply = await publishBatch(o.redis, names, kept, job.data.floors, { ack: o.ack, partition: partition.index });
    if ('behind' in reply) return { published: 0, duplicates: 0, behind: reply.behind };
    const statuses = reply.statuses;

    const conflict = statuses.indexOf(CONFLICT);
    const poison = conflict !== -1
      ? { id: events[conflict]!.id, reason: `stream conflict: the global stream is past ${events[conflict]!.id} but does not hold it and did not trim it (the database was restored behind Redis?)` }
      : tooBig !== -1
        ? { id: events[tooBig]!.id, reason: `message of ${events[tooBig]!.oversize ? 'over ' : ''}${sizeOf(events[tooBig]!)} bytes exceeds L01_MAX_MESSAGE_BYTES (${o.maxMessageBytes})` }
        : null;
    if (poison) {
      await job.updateData({ ...job.data, poison });
      throw new UnrecoverableError(`event ${poison.id}: ${poison.reason}`);
    }
    return {
      published: statuses.filter((s) => s === PUBLISHED).length,
      duplicates: statuses.filter((s) => s === ALREADY_PUBLISHED).length,
    };
  };
}
