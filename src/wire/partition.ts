/**
 * Which relay partition an event is in: `shard(entity_id) mod L01_RELAY_PARTITIONS`, where
 * shard is the first 31 bits of the MD5 of the entity id's text (lower-case, hyphenated).
 * Postgres computes the same as `l01_shard(entity_id)` (migration 0010), stored with each
 * outbox row; consumers that route by entity can compute it here. MD5, not the id's own
 * bits: ids may be chosen by the caller, and sequential ones would land in one partition.
 */
import { createHash } from 'node:crypto';

export function shardOf(entityId: string): number {
  return createHash('md5').update(entityId.toLowerCase()).digest().readUInt32BE(0) & 0x7fff_ffff;
}

export const partitionOf = (entityId: string, count: number): number => shardOf(entityId) % count;
