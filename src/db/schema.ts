/**
 * The database schema, as drizzle-kit reads it to generate `drizzle/` migrations.
 * Entity tables are derived from the definitions in `entities/`; the event log and the
 * outbox are written out here because their shape is the delivery contract.
 * The append-only trigger on `events` lives in a reviewed custom migration.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  timestamp,
  uuid,
  varchar,
  type AnyPgColumn,
  type PgTableWithColumns,
} from 'drizzle-orm/pg-core';
import { entities } from './entities/index.js';
import { CREATED_ONCE_INDEX } from './errors.js';
import { entityTable } from './table.js';

/** Postgres 64-bit transaction id (epoch-qualified, never wraps). Read as a decimal string. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

export const events = pgTable(
  'events',
  {
    position: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: uuid().notNull().unique().defaultRandom(),
    transaction_id: xid8().notNull().default(sql`pg_current_xact_id()`),
    event_type: varchar({ length: 255 }).notNull(),
    entity_type: varchar({ length: 120 }).notNull(),
    entity_id: uuid().notNull(),
    entity_version: integer().notNull(),
    payload: jsonb().notNull(),
    metadata: jsonb().notNull().default(sql`'{}'::jsonb`),
    created_at: timestamp({ withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    // Commit-safe log order: readers page by (transaction_id, position) below the snapshot xmin.
    index('events_log_order_idx').on(t.transaction_id, t.position),
    index('events_entity_idx').on(t.entity_type, t.entity_id, t.position),
    index('events_type_idx').on(t.event_type, t.position),
    // An id is never reused: one `<entity>_created` event per entity id, ever. A create's own
    // NOT EXISTS check (write.ts) reads a snapshot and loses to a delete committing meanwhile;
    // a unique index does not (the second insert waits for the first and then fails, 23505).
    uniqueIndex(CREATED_ONCE_INDEX).on(t.entity_type, t.entity_id).where(sql`${t.event_type} = ${t.entity_type} || '_created'`),
  ],
);

/**
 * One row per event still to be published. The row carries its routing (entity and event
 * type), so the relay needs to know nothing about entities; the payload stays in `events`.
 */
export const outbox = pgTable(
  'outbox',
  {
    transaction_id: xid8().notNull(),
    position: bigint({ mode: 'number' }).notNull(),
    event_id: uuid().notNull(),
    entity_type: varchar({ length: 120 }).notNull(),
    event_type: varchar({ length: 255 }).notNull(),
    /** A dead letter put back by an operator: publishing it also closes its dead_letters row. */
    requeued: boolean().notNull().default(false),
    /**
     * `l01_shard(entity_id)` (wire/partition.ts): the row's relay partition is this mod
     * L01_RELAY_PARTITIONS. Kept here so a partition's claim filters the outbox alone,
     * before the join to the events.
     */
    shard: integer().notNull(),
    created_at: timestamp({ withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.transaction_id, t.position] })],
);

/**
 * Where the relay has got to: the stream id of the last event it published. Written in
 * the same transaction that deletes the published outbox rows, so the two never disagree.
 * Also how the relay notices Redis losing data (its stream ends before the checkpoint).
 */
export const relayCheckpoint = pgTable('relay_checkpoint', {
  /** L01_RELAY_PARTITIONS when it was written: partition 1 of 4 has other streams than partition 1 of 2. */
  partitions: integer().notNull().default(1),
  partition: integer().notNull().default(0),
  transaction_id: xid8().notNull(),
  position: bigint({ mode: 'number' }).notNull(),
  published: bigint({ mode: 'number' }).notNull().default(0),
  updated_at: timestamp({ withTimezone: true, mode: 'string' }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.partitions, t.partition] })]);

/**
 * Events that failed to publish on their own (not because Redis was down) after the
 * configured attempts. Retrying re-queues the event in the outbox; discarding keeps the row.
 */
export const deadLetters = pgTable(
  'dead_letters',
  {
    event_id: uuid().primaryKey(),
    position: bigint({ mode: 'number' }).notNull(),
    entity_type: varchar({ length: 120 }).notNull(),
    event_type: varchar({ length: 255 }).notNull(),
    status: varchar({ length: 20 }).notNull().default('dead'),
    attempts: integer().notNull(),
    last_error: varchar({ length: 2000 }).notNull(),
    created_at: timestamp({ withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('dead_letters_status_idx').on(t.status, t.created_at)],
);

/**
 * The first answer to a write sent with an `Idempotency-Key`, per caller and key, written in
 * the same transaction as the write it answers (api/idempotency.ts): a retry with the key
 * gets this answer again instead of a second write. Rows past `expires_at` count as absent
 * and are purged by later keyed writes (db/idempotency.ts).
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    caller: varchar({ length: 200 }).notNull(),
    key: varchar({ length: 255 }).notNull(),
    /** sha256 of method, path and body: the same key with another request is a 422. */
    fingerprint: varchar({ length: 64 }).notNull(),
    status: integer().notNull(),
    /** The answer's headers a replay repeats (content-type, etag, location). */
    headers: jsonb().notNull(),
    body: text().notNull(),
    created_at: timestamp({ withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    expires_at: timestamp({ withTimezone: true, mode: 'string' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.caller, t.key] }), index('idempotency_keys_expires_idx').on(t.expires_at)],
);

const tables = new Map<string, PgTableWithColumns<any>>();
const resolve = (table: string) => tables.get(table)!.id as AnyPgColumn;
for (const entity of entities) tables.set(entity.table, entityTable(entity, resolve));

// drizzle-kit discovers tables by their named exports.
const t = (name: string) => tables.get(name)!;
export const agents = t('agents');
export const goals = t('goals');
export const plans = t('plans');
export const tasks = t('tasks');
export const sessions = t('sessions');
export const documents = t('documents');
export const models = t('models');
export const tools = t('tools');
export const datasets = t('datasets');
export const training_examples = t('training_examples');
export const evaluations = t('evaluations');
export const feedback = t('feedback');
export const metrics = t('metrics');
export const anomalies = t('anomalies');
export const alerts = t('alerts');
export const quality_scores = t('quality_scores');
export const compliance_results = t('compliance_results');
export const api_requests = t('api_requests');
export const rate_limit_events = t('rate_limit_events');
export const authentication_events = t('authentication_events');
export const circuit_breaker_events = t('circuit_breaker_events');
export const service_registry_events = t('service_registry_events');
export const user_interactions = t('user_interactions');
export const saga_executions = t('saga_executions');
export const saga_steps = t('saga_steps');
export const control_operations = t('control_operations');
export const tool_executions = t('tool_executions');
export const config_entries = t('config_entries');
export const dataset_examples = t('dataset_examples');
export const model_usage = t('model_usage');
