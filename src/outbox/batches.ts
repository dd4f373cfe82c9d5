/**
 * How a publish job finds its events. A job names its batch by outbox keys only (after →
 * last, count), so BullMQ carries a few bytes instead of every message: the relay hands
 * the events it claimed to the publisher of its own process in memory, and a publisher
 * that did not claim them (another worker process, or a retry after a restart) reads the
 * same rows from the outbox, where they stay until the batch is completed. Either way the
 * messages are written by the claim's statement (outbox/sql.ts, after wire/message.ts).
 *
 * Measured by `npm run bench` on the 100k-event drain, same machine, same day: 32,336
 * events/s with the messages in the jobs, 58,316–70,390 with jobs naming key ranges.
 */
import type { Queryable } from '../db/pool.js';
import { formatEntryId, type EntryId } from '../wire/entry-id.js';
import type { Partition } from '../wire/names.js';
import type { OutgoingEvent, StreamFloors } from '../workers/publish.js';
import type { PublishJob } from '../workers/queue.js';
import { keyOf, readBatch, UNBOUNDED, type BatchBounds, type ClaimedEvent } from './sql.js';

/**
 * The event as the publisher sends it, its message as the claim wrote it (a requeued
 * event's is marked `replayed`), and the original's message's parts when the claim wrote
 * them (its channel is on). An oversize event (its parts were not read) carries no message, only its size.
 */
export const toOutgoing = (e: ClaimedEvent): OutgoingEvent => {
  const routing = { id: formatEntryId(keyOf(e)), entityType: e.entity_type, eventType: e.event_type };
  if (e.oversize) return { ...routing, message: '', oversize: true, bytes: e.bytes };
  if (e.legacy_head === null || e.legacy_tail === null || e.body_from === null || e.body_tail === null) return { ...routing, message: e.message };
  return { ...routing, message: e.message, legacy: { head: e.legacy_head, tail: e.legacy_tail, bodyFrom: e.body_from, bodyTail: e.body_tail } };
};

const jobKey = (job: PublishJob) => `${job.partition?.index ?? 0}:${formatEntryId(job.after)}/${formatEntryId(job.last)}`;

export class BatchHandoff {
  private readonly held = new Map<string, OutgoingEvent[]>();

  /** `bounds`: the relay's claim bounds, so a batch read back from the outbox is the same (and has the same messages). */
  constructor(private readonly db: Queryable, private readonly bounds: BatchBounds = UNBOUNDED) {}

  /**
   * The job for a claimed batch (`after`: the key the claim started after), its events held
   * here until `release`; `floors`: what the streams must have reached (publish.lua checks).
   */
  hold(batch: ClaimedEvent[], after: EntryId, floors?: StreamFloors, partition?: Partition): PublishJob {
    const job: PublishJob = {
      after, last: keyOf(batch.at(-1)!), count: batch.length, ...(partition && partition.count > 1 ? { partition } : {}), ...(floors ? { floors } : {}),
    };
    this.held.set(jobKey(job), batch.map(toOutgoing));
    return job;
  }

  release(job: PublishJob): void {
    this.held.delete(jobKey(job));
  }

  /** The events of a job: from memory when this process claimed them, else from the outbox. */
  async events(job: PublishJob): Promise<OutgoingEvent[]> {
    const held = this.held.get(jobKey(job));
    if (held) return held;
    const rows = await readBatch(this.db, job.after, job.last, job.count, this.bounds, job.partition);
    return rows.map(toOutgoing);
  }
}
