/**
 * The catch-up mark of a pub/sub listener: the global-stream id up to which every event
 * has been delivered, and the event ids seen beyond it (see subscribe.ts for why it is safe).
 */
import type { Cluster, Redis } from 'ioredis';
import { compareEntryIds } from '../wire/entry-id.js';
import type { RawEntry } from '../wire/message.js';

/** Ids remembered beyond the mark; past this, the oldest are forgotten. */
const MAX_SEEN = 50_000;
const PAGE = 1000;

export class MarkTracker {
  private mark = '0-0';
  private seq = 0;
  /** event id → sequence number when it was seen. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly reader: Redis | Cluster,
    private readonly subscriber: Redis,
    private readonly key: string,
  ) {}

  /** True the first time an event id is offered (then remembered). */
  firstSight(eventId: string): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.set(eventId, this.seq++);
    if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  /**
   * Moves the mark to the stream's current last id once every message up to it has
   * arrived on the subscriber connection (PING/PONG round trip after reading the id).
   * Ids seen before the read started are covered by the new mark and forgotten.
   */
  async advance(): Promise<void> {
    const before = this.seq;
    const last = await this.lastId();
    await this.subscriber.ping();
    if (compareEntryIds(last, this.mark) > 0) this.mark = last;
    for (const [id, seq] of this.seen) {
      if (seq >= before) break;
      this.seen.delete(id);
    }
  }

  /** Pages of entries after the mark, up to the end of the stream; the mark follows. */
  async *missedSinceMark(): AsyncGenerator<RawEntry[]> {
    for (;;) {
      const entries = (await this.reader.xrange(this.key, `(${this.mark}`, '+', 'COUNT', PAGE)) as RawEntry[];
      if (entries.length === 0) return;
      yield entries;
      this.mark = entries.at(-1)![0];
      if (entries.length < PAGE) return;
    }
  }

  private async lastId(): Promise<string> {
    const [entry] = (await this.reader.xrevrange(this.key, '+', '-', 'COUNT', 1)) as RawEntry[];
    return entry?.[0] ?? '0-0';
  }
}
