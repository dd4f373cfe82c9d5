/**
 * Redis is a cache of the event log: what it loses is found and re-published from Postgres.
 *
 * What the relay knows (its floors): every event at or below the key it last published
 * (the checkpoint when it starts leading, then each batch's last key) reached the global
 * stream, and each entity type it published reached that type's stream (at least: the
 * stream exists). Stream ids only grow, and a stream's last generated id (XINFO STREAM)
 * never goes backwards while Redis keeps its data, so "last generated id ≥ floor" holds
 * for as long as nothing is lost.
 *
 * Loss and trimming, told apart:
 * - Retention trims from the head (XTRIM MINID): the first entry moves up, the last
 *   generated id stays. An intact stream whose first entry is past an event's id trimmed
 *   it on purpose (publish.lua counts it as already published).
 * - Losing data resets the tail: a restart from an older snapshot brings back an older
 *   last generated id; a restart without persistence, an eviction or a DEL removes the key.
 *   Either way the stream is now below its floor. That is the one signal used: the head
 *   is never read to decide that something is lost, so trimmed entries never look lost.
 * - What comes back is (lower, upper], in log order, under the original ids (a stream
 *   takes ids above its last generated id, so each goes into its own place), marked
 *   `replayed` (consumers may have seen them). `upper` is the last key handed to a publish
 *   job: a batch in flight when Redis lost data may have been appended and PUBLISHed, so
 *   it is put back too, and is then found present when it goes again (not PUBLISHed twice). `lower` is the stream's surviving last id,
 *   raised to where retention would have trimmed it by now (age and length, read from the
 *   log) — but not past what a consumer group on the stream has not read: the trimmer
 *   never removes that, and a group restored with an older snapshot has not read what
 *   followed it. A stream lost whole has no groups left, so it gets back only what
 *   retention keeps. After the heal the trimmer runs once on it, with its usual rules.
 * - Entries removed on purpose (XTRIM by retention, XDEL by hand) leave the last generated
 *   id alone: not loss, not healed.
 *
 * Timing: publish.lua checks the floors before every batch (so nothing is appended above
 * a gap, which would hide it under newer ids forever), and the relay leader audits every
 * stream on each Redis reconnect, when keys are evicted, and every
 * L01_STREAM_AUDIT_INTERVAL_MS. Nothing is PUBLISHed again: pub/sub listeners got these
 * events live; the streams are the record, and they are what is restored.
 *
 * Not healed: copies published under fresh ids — `l01 replay`, and a retried dead letter
 * (published as <retrying xid>-<position>) whose original key is at or below the stream's
 * surviving last id; a retried one above it comes back at its original place.
 */
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { compareEntryIds, formatEntryId, parseEntryId, ZERO_ENTRY, type EntryId } from '../wire/entry-id.js';
import { entityStream, globalStream, SOLE_PARTITION, type Partition, type WireNames } from '../wire/names.js';
import type { StreamFloors } from '../workers/publish.js';
import { retentionEnabled, trimStream, type RetentionPolicy } from '../workers/retention.js';
import { appendHealed, inspectStreams, settleStreams, type HealEntry, type StreamState } from '../workers/stream-repair.js';
import { healingStart, keyOf, readLogRange, retentionFloor, type BatchBounds, type ClaimedEvent } from './sql.js';

/** The floor of a stream the relay only knows to exist. */
const EXISTS = '0-1';
const isZero = (k: EntryId) => compareEntryIds(k, ZERO_ENTRY) === 0;

export interface HealMetrics {
  /** One audit: how many streams were behind. */
  audited(behind: number): void;
  /** Entries put back into a stream. */
  healed(stream: string, entries: number): void;
}

export interface HealerOptions {
  db: Queryable;
  redis: RedisClient;
  /** The names of the partition's streams (wire/names.ts partitionNames). */
  names: WireNames;
  /** The relay partition whose streams this heals (default: the only one). */
  partition?: Partition;
  log: Logger;
  /** Bounds of one read of the log: the relay's own batch bounds. */
  batchSize: number;
  bounds: BatchBounds;
  retention: RetentionPolicy;
  metrics?: HealMetrics;
}

export interface HealReport {
  /** Entries put back, by stream. */
  streams: Record<string, number>;
  ms: number;
}

export class StreamHealer {
  /** The last key published: the global stream's floor. */
  private global: EntryId = ZERO_ENTRY;
  /** The last key handed to a publish job, published or not. */
  private submitted: EntryId = ZERO_ENTRY;
  /** Entity type → its stream's floor. */
  private readonly entity = new Map<string, string>();
  private started = false;

  constructor(private readonly o: HealerOptions) {}

  private get partition(): Partition {
    return this.o.partition ?? SOLE_PARTITION;
  }

  /** Reads the floors from the log (once per leadership: a new leader knows nothing of the last one's batches). */
  async start(): Promise<void> {
    const { checkpoint, entityTypes } = await healingStart(this.o.db, this.partition);
    this.global = checkpoint ?? ZERO_ENTRY;
    this.submitted = this.global;
    this.entity.clear();
    for (const t of entityTypes) this.entity.set(t, EXISTS);
    this.started = true;
  }

  get ready(): boolean {
    return this.started;
  }

  /** Forgets the floors: the next leadership starts from the log again. */
  stop(): void {
    this.started = false;
  }

  /**
   * A batch is handed to its publish job: what the job checks before appending (the global
   * floor and its entity types' floors).
   */
  floorsFor(batch: readonly ClaimedEvent[]): StreamFloors | undefined {
    if (!this.started) return undefined;
    const last = batch.at(-1);
    if (last && compareEntryIds(keyOf(last), this.submitted) > 0) this.submitted = keyOf(last);
    const entity: Record<string, string> = {};
    for (const e of batch) {
      const floor = this.entity.get(e.entity_type);
      if (floor !== undefined) entity[e.entity_type] = floor;
    }
    return { ...(isZero(this.global) ? {} : { global: formatEntryId(this.global) }), entity };
  }

  /** A batch went out (appended, or found present): its streams reached its ids. */
  published(batch: readonly ClaimedEvent[]): void {
    if (!this.started || batch.length === 0) return;
    for (const e of batch) this.entity.set(e.entity_type, formatEntryId(keyOf(e)));
    const last = keyOf(batch.at(-1)!);
    if (compareEntryIds(last, this.global) > 0) this.global = last;
  }

  /** Every stream the relay has published to, compared with its floor. */
  async inspect(): Promise<StreamState[]> {
    const floors: Array<[string, string]> = [];
    if (!isZero(this.global)) floors.push([globalStream(this.o.names), formatEntryId(this.global)]);
    for (const [t, floor] of this.entity) floors.push([entityStream(this.o.names, t), floor]);
    const states = await inspectStreams(this.o.redis, floors);
    this.o.metrics?.audited(states.filter((s) => !s.reached).length);
    return states;
  }

  /**
   * Re-publishes what the streams behind their floors lost, from the log, in one pass in
   * log order (each stream receives its ids in increasing order). Throws when Redis refuses
   * (OOM, gone again): the relay backs off and audits again.
   */
  async heal(states: readonly StreamState[]): Promise<HealReport | null> {
    const behind = states.filter((s) => !s.reached);
    if (behind.length === 0) return null;
    const started = performance.now();
    // Up to the last batch handed to a job, not only the last one known published: one in
    // flight when Redis lost data may have been appended and PUBLISHed, then lost. Healed
    // (streams only), it is found present when it goes again, so it is not PUBLISHed twice.
    const upper = compareEntryIds(this.submitted, this.global) > 0 ? this.submitted : this.global;
    const globalKey = globalStream(this.o.names);
    const lower = new Map<string, EntryId>();
    for (const s of behind) lower.set(s.stream, await this.lowerBound(s, upper));
    const globalLower = lower.get(globalKey);
    this.o.log.warn({
      streams: behind.map((s) => ({ stream: s.stream, last: s.last, floor: s.floor, from: formatEntryId(lower.get(s.stream)!) })),
      to: formatEntryId(upper),
    }, 'Redis lost stream entries; re-publishing them from the event log');

    const typeOf = new Map([...this.entity.keys()].map((t) => [entityStream(this.o.names, t), t]));
    const types = globalLower ? null : behind.map((s) => typeOf.get(s.stream)!).filter(Boolean);
    const counts: Record<string, number> = Object.fromEntries(behind.map((s) => [s.stream, 0]));
    let from = [...lower.values()].reduce((a, b) => (compareEntryIds(b, a) < 0 ? b : a));
    // Per stream, what it holds for sure: its surviving last id, then what each batch put
    // there (appended, or refused as held). Each batch checks it first: a stream evicted
    // between two batches fails the heal instead of coming back without its head.
    const holds = new Map<string, string>(behind.filter((s) => s.last !== null).map((s) => [s.stream, s.last!]));
    for (;;) {
      const rows = await readLogRange(this.o.db, from, upper, types, this.o.batchSize, { ...this.o.bounds, legacy: false }, this.partition);
      if (rows.length === 0) break;
      const entries = this.entriesOf(rows, lower, globalLower);
      const results = await appendHealed(this.o.redis, this.o.names, entries, holds);
      entries.forEach((e, i) => {
        const stream = entityStream(this.o.names, e.entityType);
        if (results[i]!.global) counts[globalKey] = (counts[globalKey] ?? 0) + 1;
        if (results[i]!.entity) counts[stream] = (counts[stream] ?? 0) + 1;
        if (e.targets.includes('g')) holds.set(globalKey, e.id);
        if (e.targets.includes('e')) holds.set(stream, e.id);
      });
      from = keyOf(rows.at(-1)!);
    }
    await settleStreams(this.o.redis, behind.map((s) => [s.stream, s.floor] as const));
    if (retentionEnabled(this.o.retention)) {
      for (const s of behind) await trimStream(this.o.redis, s.stream, this.o.retention);
    }
    const still = (await inspectStreams(this.o.redis, behind.map((s) => [s.stream, s.floor] as const))).filter((s) => !s.reached);
    if (still.length > 0) throw new Error(`streams still behind after healing: ${still.map((s) => s.stream).join(', ')}`);

    for (const [stream, n] of Object.entries(counts)) this.o.metrics?.healed(stream, n);
    const report = { streams: counts, ms: Math.round(performance.now() - started) };
    this.o.log.warn({ ...report, entries: Object.values(counts).reduce((a, b) => a + b, 0) }, 'streams healed from the event log');
    return report;
  }

  /**
   * Where a stream's heal starts: after its surviving last id, and no earlier than
   * retention would have trimmed it by now — except what a consumer group on it has not
   * read (retention keeps that too).
   */
  private async lowerBound(s: StreamState, upper: EntryId): Promise<EntryId> {
    const last = (s.last && parseEntryId(s.last)) || ZERO_ENTRY;
    if (!retentionEnabled(this.o.retention)) return last;
    const type = s.stream === globalStream(this.o.names) ? null : [...this.entity.keys()].find((t) => entityStream(this.o.names, t) === s.stream) ?? null;
    let floor = await retentionFloor(this.o.db, type, upper, this.o.retention, this.partition);
    const read = s.groupsRead ? parseEntryId(s.groupsRead) : null;
    if (floor && read && compareEntryIds(read, floor) < 0) floor = read;
    return floor && compareEntryIds(floor, last) > 0 ? floor : last;
  }

  /**
   * Where each event goes back. Its entity stream takes it when that stream is behind and
   * the event is above its lower bound, or, when the global stream is behind (Redis lost
   * data as a whole), whatever it lacks (Redis refuses what it holds).
   */
  private entriesOf(rows: readonly ClaimedEvent[], lower: ReadonlyMap<string, EntryId>, globalLower: EntryId | undefined): HealEntry[] {
    const entries: HealEntry[] = [];
    for (const e of rows) {
      const key = keyOf(e);
      const entityLower = lower.get(entityStream(this.o.names, e.entity_type));
      const g = globalLower !== undefined && compareEntryIds(key, globalLower) > 0;
      const en = entityLower !== undefined ? compareEntryIds(key, entityLower) > 0 : globalLower !== undefined;
      if (!g && !en) continue;
      if (e.oversize) {
        this.o.log.warn({ eventId: e.event_id, bytes: e.bytes }, 'an event over L01_MAX_MESSAGE_BYTES is not put back into the streams');
        continue;
      }
      entries.push({
        id: formatEntryId(key), entityType: e.entity_type, eventType: e.event_type,
        message: e.message, // the log's rows are requeued: marked replayed
        targets: g && en ? 'ge' : g ? 'g' : 'e',
      });
    }
    return entries;
  }
}
