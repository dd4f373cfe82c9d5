/**
 * The original service's event message, which the platform's L10 and L11 subscribe to on the
 * single channel `l01:events`:
 *
 *   {"event_type":"agent.created","aggregate_type":"agent","aggregate_id":"<uuid>",
 *    "payload":{…},"metadata":{…},"timestamp":"2026-12-01T08:41:50.158027"}
 *
 * Every event the relay publishes goes there too (L01_LEGACY_CHANNEL, on by default), in this
 * shape, from the same parts as the message of wire/message.ts: the dotted type the original
 * used, its aggregate names, the timestamp naive in UTC. L11 routes on `aggregate_type`.
 *
 * Events a caller appends (`POST /events`, the original's event store) are stored under the
 * entity type `domain:<aggregate_type>`, apart from the entities' own events, and leave here
 * with their own type and aggregate. No dependencies.
 */

/** Entity-type prefix of the events callers append themselves (POST /events). */
export const DOMAIN_PREFIX = 'domain:';

/** Where the original named an entity's events otherwise than `<entity_type>.<verb>`. */
interface LegacyNaming {
  /** Its aggregate type (default: the entity type). */
  aggregateType?: string;
  /** The payload field that is its aggregate id (default: the entity id). */
  aggregateIdField?: string;
  /** Before the verb (default: the entity type). */
  prefix?: string;
  /** Verb → the original's word. */
  verbs?: Record<string, string>;
}

const NAMING: Record<string, LegacyNaming> = {
  // `tool.execution.created`, aggregate id = the caller's invocation id.
  tool_execution: { prefix: 'tool.execution', aggregateIdField: 'invocation_id' },
  // A dataset's links were events of the dataset: `dataset.example_added`, aggregate id = the dataset.
  dataset_example: {
    aggregateType: 'dataset', aggregateIdField: 'dataset_id', prefix: 'dataset',
    verbs: { created: 'example_added', updated: 'example_added', deleted: 'example_removed' },
  },
};

/** The payload fields that are aggregate ids, by entity type (the claim reads them: outbox/sql.ts). */
export const AGGREGATE_ID_FIELDS: ReadonlyArray<[entityType: string, field: string]> = Object.entries(NAMING)
  .filter(([, n]) => n.aggregateIdField !== undefined)
  .map(([t, n]) => [t, n.aggregateIdField!]);

export const isAppended = (entityType: string) => entityType.startsWith(DOMAIN_PREFIX);

/** The original's aggregate type of an entity type (or of an appended event). */
export function legacyAggregateType(entityType: string): string {
  if (isAppended(entityType)) return entityType.slice(DOMAIN_PREFIX.length);
  return NAMING[entityType]?.aggregateType ?? entityType;
}

/** The original's event type: `agent_created` → `agent.created`; an appended event's own type as it is. */
export function legacyEventType(entityType: string, eventType: string): string {
  if (isAppended(entityType) || !eventType.startsWith(`${entityType}_`)) return eventType;
  const naming = NAMING[entityType];
  const verb = eventType.slice(entityType.length + 1);
  return `${naming?.prefix ?? entityType}.${naming?.verbs?.[verb] ?? verb}`;
}

/**
 * The stored (entity type, event type) pairs an original event type may name, for filters:
 * `agent.created` → agent/agent_created; any type is also an appended event's own.
 */
export function storedEventTypes(legacy: string, entityTypes: readonly string[]): Array<{ entityType?: string; eventType: string }> {
  const out: Array<{ entityType?: string; eventType: string }> = [{ eventType: legacy }];
  for (const entityType of entityTypes) {
    const naming = NAMING[entityType];
    const prefix = `${naming?.prefix ?? entityType}.`;
    if (!legacy.startsWith(prefix)) continue;
    const word = legacy.slice(prefix.length);
    const verbs = Object.entries(naming?.verbs ?? {}).filter(([, w]) => w === word).map(([v]) => v);
    for (const verb of verbs.length > 0 ? verbs : [word]) out.push({ entityType, eventType: `${entityType}_${verb}` });
  }
  return out;
}

/** What the legacy message is written from (the claim's columns, outbox/sql.ts). */
export interface LegacyParts {
  entity_type: string;
  event_type: string;
  /** The aggregate id: the entity id, or the payload field of AGGREGATE_ID_FIELDS. */
  aggregate_id: string;
  payload: string;
  metadata: string;
  /** `to_json(created_at AT TIME ZONE 'UTC')`: a quoted naive timestamp. */
  created_at_utc: string;
}

/** The JSON text of the original's message, keys in its order. */
export function legacyMessageText(p: LegacyParts): string {
  return `{"event_type":${JSON.stringify(legacyEventType(p.entity_type, p.event_type))},` +
    `"aggregate_type":${JSON.stringify(legacyAggregateType(p.entity_type))},"aggregate_id":${JSON.stringify(p.aggregate_id)},` +
    `"payload":${p.payload},"metadata":${p.metadata},"timestamp":${p.created_at_utc}}`;
}

const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
/** `CASE <subject> WHEN 'k' THEN 'v' … ELSE <otherwise> END` over the pairs; `otherwise` when there are none. */
const caseOf = (subject: string, pairs: ReadonlyArray<[string, string]>, otherwise: string) =>
  pairs.length === 0 ? otherwise : `CASE ${subject} ${pairs.map(([k, v]) => `WHEN ${literal(k)} THEN ${literal(v)}`).join(' ')} ELSE ${otherwise} END`;
const namings = Object.entries(NAMING);

/** `legacyAggregateType` as an SQL expression of the entity type column `t`. */
export function legacyAggregateTypeSql(t: string): string {
  const named = namings.filter(([, n]) => n.aggregateType !== undefined).map(([k, n]) => [k, n.aggregateType!] as [string, string]);
  return `CASE WHEN starts_with(${t}, ${literal(DOMAIN_PREFIX)}) THEN substr(${t}, ${DOMAIN_PREFIX.length + 1}) ELSE ${caseOf(t, named, t)} END`;
}

/** `legacyEventType` as an SQL expression of the entity type and event type columns. */
export function legacyEventTypeSql(t: string, e: string): string {
  const verb = `substr(${e}, length(${t}) + 2)`;
  const prefixes = namings.filter(([, n]) => n.prefix !== undefined).map(([k, n]) => [k, n.prefix!] as [string, string]);
  const verbs = namings.filter(([, n]) => n.verbs !== undefined)
    .map(([k, n]) => `WHEN ${t} = ${literal(k)} THEN ${caseOf(verb, Object.entries(n.verbs!), verb)}`);
  const word = verbs.length === 0 ? verb : `CASE ${verbs.join(' ')} ELSE ${verb} END`;
  return `CASE WHEN starts_with(${t}, ${literal(DOMAIN_PREFIX)}) OR NOT starts_with(${e}, ${t} || '_') THEN ${e}
    ELSE concat(${caseOf(t, prefixes, t)}, '.', ${word}) END`;
}

/**
 * The same text as `legacyMessageText`, from Postgres and Redis: `c` holds SQL expressions
 * of the parts (`payload` and `metadata` jsonb or their text, `created_at_utc` a timestamp
 * without time zone); the original's message is `head`, then the `body` of the service's
 * own message (wire/message.ts `messageSqlParts`: `"payload":…,"metadata":…,"timestamp":`,
 * the same text in both shapes), then `tail`. The claim writes head and tail; publish.lua
 * cuts the body out of the message it is appending, so the payload travels to Redis once,
 * not twice. The naming rules above are written into `head` as CASE expressions, from the
 * same table; tests/message-sql asserts that head + body + tail is `legacyMessageText`'s
 * text for every naming, and that publish.lua PUBLISHes exactly that.
 */
export function legacyMessageSqlParts(c: Pick<{ [K in keyof LegacyParts]: string }, 'entity_type' | 'event_type' | 'aggregate_id' | 'created_at_utc'>): { head: string; tail: string } {
  return {
    head: `concat('{"event_type":', to_json(${legacyEventTypeSql(c.entity_type, c.event_type)}), ',"aggregate_type":', to_json(${legacyAggregateTypeSql(c.entity_type)}),
    ',"aggregate_id":', to_json(${c.aggregate_id}::text), ',')`,
    tail: `concat(to_json(${c.created_at_utc}), '}')`,
  };
}
