-- Relay partitions (L01_RELAY_PARTITIONS, src/outbox/partitions.ts): each outbox row carries
-- the shard of its entity, and each partition has its own checkpoint.
-- l01_shard: the first 31 bits of md5(entity id as text); the same as wire/partition.ts shardOf.
CREATE FUNCTION l01_shard(id uuid) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN (('x' || left(md5(id::text), 8))::bit(32)::integer) & 2147483647;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "shard" integer;--> statement-breakpoint
UPDATE "outbox" AS o SET "shard" = l01_shard(e.entity_id) FROM "events" AS e WHERE e.position = o.position;--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "shard" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "relay_checkpoint" ADD COLUMN "partitions" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "relay_checkpoint" ADD COLUMN "partition" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "relay_checkpoint" DROP CONSTRAINT IF EXISTS "relay_checkpoint_pkey";--> statement-breakpoint
ALTER TABLE "relay_checkpoint" DROP COLUMN "id";--> statement-breakpoint
ALTER TABLE "relay_checkpoint" ADD CONSTRAINT "relay_checkpoint_partitions_partition_pk" PRIMARY KEY("partitions","partition");
