/**
 * The one call that puts events into Redis: publish.lua, which appends each event to the
 * global stream and its entity stream and PUBLISHes it on its channel, atomically and
 * idempotently (see the script's header), after checking that the streams have not lost
 * data. Names come from the wire contract.
 */
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis.js';
import { channel, entityStream, globalStream, legacyChannel, type WireNames } from '../wire/names.js';
import { withScript } from './lua.js';
import { PUBLISH_WINDOW_S, publishCounterKey } from './publish-rate.js';

/** One event ready to publish: its stream entry id, its routing and its message text. */
export interface OutgoingEvent {
  /** `<transaction_id>-<position>` (wire/entry-id.ts). */
  id: string;
  entityType: string;
  eventType: string;
  message: string;
  /**
   * The original service's message (wire/legacy.ts), for its channel; absent when that is
   * off: `head`, then `message` without its first `bodyFrom` and last `bodyTail` octets
   * (its payload, metadata and the timestamp's key, the same text in both shapes), then
   * `tail`. publish.lua writes it, so the payload goes to Redis once.
   */
  legacy?: { head: string; tail: string; bodyFrom: number; bodyTail: number };
  /**
   * Its parts alone are over the message limit, so they were not even read (`message` is
   * empty): it can never be published. `bytes` says how big they are.
   */
  oversize?: boolean;
  bytes?: number;
}

/**
 * Ids the relay knows each stream has reached (it appended them, or Redis confirmed them):
 * a stream found below its floor has lost data. `entity` by entity type; "0-1" when only
 * the stream's existence is known. Absent: not checked.
 */
export interface StreamFloors {
  global?: string;
  entity?: Record<string, string>;
}

/** Streams found below their floors: the key and its last generated id (null: the key is gone). */
export type Behind = Array<{ stream: string; last: string | null }>;

/** Appended to both streams, then PUBLISHed. */
export const PUBLISHED = 1;
/** Already in the global stream (a re-run after a crash, or a zombie worker): nothing PUBLISHed. */
export const ALREADY_PUBLISHED = 0;
/** The stream is past this id yet does not hold it, and did not trim it (the database was restored behind it). */
export const CONFLICT = -1;

type Publish = (numKeys: number, ...args: string[]) => Promise<Array<number | string>>;

/**
 * How many replicas must hold a batch before it counts as published (Redis WAIT, on the
 * master that ran the script), and how long to wait for them (L01_REDIS_WAIT_*).
 */
export interface ReplicaAck {
  replicas: number;
  timeoutMs: number;
}

/** Fewer replicas than required acknowledged a batch in time: the job fails and is retried. */
export class ReplicaAckError extends Error {
  override name = 'ReplicaAckError';
}

/**
 * Publishes events in order, after checking `floors`: one status per event (PUBLISHED,
 * ALREADY_PUBLISHED, CONFLICT), or the streams that are behind, with nothing written.
 * The entries added count toward `partition`'s publish rate (publish-rate.ts; one
 * relay partition today, 0). With `ack`, resolves only once that many replicas hold the
 * batch, else throws ReplicaAckError (a retry finds the entries there, appends nothing and
 * waits again).
 */
export async function publishBatch(
  redis: RedisClient, names: WireNames, events: readonly OutgoingEvent[], floors: StreamFloors = {},
  { partition = 0, ack }: { partition?: number; ack?: ReplicaAck } = {},
): Promise<{ statuses: number[] } | { behind: Behind }> {
  if (events.length === 0) return { statuses: [] };
  const r = withScript<'l01Publish', Publish>(redis, 'l01Publish', 'publish.lua');
  const keys = [globalStream(names), ...events.map((e) => entityStream(names, e.entityType)), publishCounterKey(names, partition)];
  const legacy = legacyChannel(names);
  const args: string[] = [floors.global ?? '', String(PUBLISH_WINDOW_S), channel(names, ''), legacy];
  const checked = new Set<string>();
  for (const e of events) {
    const floor = checked.has(e.entityType) ? undefined : floors.entity?.[e.entityType];
    checked.add(e.entityType);
    const l = legacy !== '' ? e.legacy : undefined;
    args.push(e.id, e.eventType, e.message, floor ?? '');
    if (l) args.push(l.head, l.tail, String(l.bodyFrom), String(l.bodyTail));
    else args.push('', '', '', '');
  }
  const reply = ack && ack.replicas > 0 ? await publishAndWait(r, ack, [keys.length, ...keys, ...args]) : await r.l01Publish(keys.length, ...keys, ...args);
  if (reply[0] === 'behind') {
    const behind: Behind = [];
    for (let i = 1; i + 1 < reply.length; i += 2) behind.push({ stream: String(reply[i]), last: reply[i + 1] === '' ? null : String(reply[i + 1]) });
    return { behind };
  }
  return { statuses: reply as number[] };
}

type PublishPipeline = ChainableCommander & { l01Publish(...args: Array<string | number>): ChainableCommander };

/**
 * The script, then WAIT, in one pipeline: a cluster sends a pipeline to the node of its
 * keys, so WAIT (which has none) runs on the master that appended the batch.
 */
async function publishAndWait(redis: RedisClient, ack: ReplicaAck, args: Array<string | number>): Promise<Array<number | string>> {
  const pipe = redis.pipeline() as PublishPipeline;
  const results = (await pipe.l01Publish(...args).wait(ack.replicas, ack.timeoutMs).exec()) ?? [];
  const [publishErr, reply] = results[0] ?? [new Error('no reply from the publish script')];
  if (publishErr) throw publishErr;
  const [waitErr, acked] = results[1] ?? [new Error('no reply from WAIT')];
  if (waitErr) throw waitErr;
  const statuses = reply as Array<number | string>;
  if (statuses[0] !== 'behind' && Number(acked) < ack.replicas) {
    throw new ReplicaAckError(`${Number(acked)} of ${ack.replicas} replicas acknowledged the batch within ${ack.timeoutMs} ms`);
  }
  return statuses;
}

/** Publishes events in order without checking floors; one status per event. */
export async function publishEvents(redis: RedisClient, names: WireNames, events: readonly OutgoingEvent[]): Promise<number[]> {
  const reply = await publishBatch(redis, names, events);
  if ('behind' in reply) throw new Error('unreachable: no floors were given');
  return reply.statuses;
}
