/**
 * The relay's claim has Postgres write each event's message (outbox/sql.ts, from
 * wire/message.ts `messageSqlParts`) and the head and tail of its message in the original's
 * shape (wire/legacy.ts `legacyMessageSqlParts`), whose body publish.lua cuts out of the
 * message. The service's own rendering in JavaScript (`messageText`, `legacyMessageText`)
 * is what consumers, the message limit and the docs were built against. Both must give the
 * same bytes, for any content: escapes, non-ASCII, numbers jsonb keeps exactly, every
 * legacy naming — down to what reaches the original's channel.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { toOutgoing } from '../src/outbox/batches.js';
import type { ClaimedEvent } from '../src/outbox/sql.js';
import { legacyMessageSqlParts, legacyMessageText, type LegacyParts } from '../src/wire/legacy.js';
import { messageMetadataText, messageSqlParts, messageText, type MessageParts } from '../src/wire/message.js';
import { legacyChannel } from '../src/wire/names.js';
import { publishEvents } from '../src/workers/publish.js';
import { publishCounterKey } from '../src/workers/publish-rate.js';
import { useTestApp } from './helpers/app.js';

const t = useTestApp();

interface Case {
  entity_type: string;
  event_type: string;
  payload: unknown;
  metadata: unknown;
  replayed: boolean;
}

const strange = 'quote " backslash \\ slash / tab \t newline \n return \r bell \u0007 nul-free \u001f del \u007f é ü 中文 🚀 \u2028 \u2029';
const CASES: Case[] = [
  { entity_type: 'agent', event_type: 'agent_created', payload: { name: 'a', n: 1 }, metadata: { request_id: 'r' }, replayed: false },
  { entity_type: 'agent', event_type: 'agent_updated', payload: { name: strange, [strange]: [strange, null, true] }, metadata: {}, replayed: true },
  { entity_type: 'task', event_type: 'task_deleted', payload: { big: 12345678901234567890.5, tiny: 1e-7, neg: -0.0, exp: 1.5e300 }, metadata: { caller: strange }, replayed: false },
  { entity_type: 'tool_execution', event_type: 'tool_execution_created', payload: { invocation_id: 'inv-1' }, metadata: {}, replayed: false },
  { entity_type: 'tool_execution', event_type: 'tool_execution_status_changed', payload: {}, metadata: {}, replayed: false },
  { entity_type: 'dataset_example', event_type: 'dataset_example_created', payload: { dataset_id: 'd' }, metadata: {}, replayed: false },
  { entity_type: 'dataset_example', event_type: 'dataset_example_updated', payload: {}, metadata: {}, replayed: false },
  { entity_type: 'dataset_example', event_type: 'dataset_example_deleted', payload: {}, metadata: {}, replayed: false },
  { entity_type: 'dataset_example', event_type: 'dataset_example_archived', payload: {}, metadata: {}, replayed: true },
  { entity_type: 'plan', event_type: 'something_else', payload: [], metadata: {}, replayed: false },
  { entity_type: 'domain:order', event_type: 'order_placed', payload: { o: 1 }, metadata: { l01: { traceparent: '00-x' } }, replayed: false },
  { entity_type: 'domain:ünïcode "agg"', event_type: strange, payload: 'a string', metadata: {}, replayed: false },
  { entity_type: 'session', event_type: 'session_', payload: 42, metadata: {}, replayed: false },
  // The message's own keys inside the parts, as keys and as text.
  { entity_type: 'agent', event_type: 'agent_updated', payload: { metadata: { timestamp: 1 }, s: ',"metadata":{},"timestamp":' }, metadata: { timestamp: ',"timestamp":"x"}', metadata: [',"metadata":'] }, replayed: false },
];

/** A case's parts as the relay's statements read them (both shapes' parts), and what Postgres wrote of its messages. */
interface Written extends MessageParts, LegacyParts {
  message: string;
  legacy_head: string;
  legacy_tail: string;
  body_from: number;
  body_tail: number;
}

/** Each case's parts as the relay's statements read them, and both messages written by Postgres. */
async function written(): Promise<Written[]> {
  const v = {
    event_type: 'v.event_type', event_id: 'v.event_id', entity_type: 'v.entity_type', entity_id: 'v.entity_id',
    entity_version: 'v.entity_version', position: 'v.position', payload: 'v.payload', metadata: 'v.metadata',
    created_at: 'v.created_at', replayed: 'v.replayed',
  };
  const m = messageSqlParts(v);
  const l = legacyMessageSqlParts({ entity_type: 'v.entity_type', event_type: 'v.event_type', aggregate_id: 'v.entity_id', created_at_utc: `(v.created_at AT TIME ZONE 'UTC')` });
  const { rows } = await t.db.query<Written>(
    `SELECT concat(${m.head}, ${m.body}, ${m.tail}) AS message, ${l.head} AS legacy_head, ${l.tail} AS legacy_tail,
            octet_length(${m.head}) AS body_from, octet_length(${m.tail}) AS body_tail,
            v.event_type, v.event_id::text, v.entity_type, v.entity_id::text, v.entity_version, v.position::text,
            v.payload::text AS payload, v.metadata::text AS metadata, to_json(v.created_at)::text AS created_at,
            to_json(v.created_at AT TIME ZONE 'UTC')::text AS created_at_utc, v.entity_id::text AS aggregate_id, v.replayed
     FROM (SELECT c.entity_type, c.event_type, c.payload, c.metadata, c.replayed, gen_random_uuid() AS event_id, gen_random_uuid() AS entity_id,
                  c.n AS entity_version, (9007199254740993 + c.n)::bigint AS position,
                  timestamptz '2026-12-01 08:41:50.158027+00' + c.n * interval '1.000001 second' AS created_at
           FROM jsonb_to_recordset($1::jsonb) AS c(entity_type text, event_type text, payload jsonb, metadata jsonb, replayed boolean, n int)) AS v
     ORDER BY v.entity_version`,
    [JSON.stringify(CASES.map((c, n) => ({ ...c, n })))],
  );
  return rows;
}

/** The original's message as publish.lua writes it: head, the message's body (cut by octets), tail. */
function spliced(r: Written): string {
  const message = Buffer.from(r.message);
  return Buffer.concat([Buffer.from(r.legacy_head), message.subarray(r.body_from, message.length - r.body_tail), Buffer.from(r.legacy_tail)]).toString();
}

describe('messages written by Postgres', () => {
  it('are the same text as messageText, for every case', async () => {
    const rows = await written();
    expect(rows).toHaveLength(CASES.length);
    for (const r of rows) {
      expect(r.message).toBe(messageText(r));
      const parsed = JSON.parse(r.message) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(['event_type', 'event_id', 'entity_type', 'entity_id', 'entity_version', 'position', 'payload', 'metadata', 'timestamp', 'replayed']);
      expect(parsed.event_type).toBe(r.event_type);
      expect(parsed.replayed).toBe(r.replayed);
      expect(messageMetadataText(r.message)).toBe(r.metadata); // what the publish span reads trace context from
    }
  });

  it('are the same text as legacyMessageText, for every naming of the original', async () => {
    const rows = await written();
    for (const r of rows) expect(spliced(r)).toBe(legacyMessageText(r));
    const types = rows.map((r) => JSON.parse(spliced(r)) as { event_type: string; aggregate_type: string });
    // The namings the original used, as wire/legacy.ts declares them.
    expect(types.slice(0, 10).map((m) => `${m.aggregate_type} ${m.event_type}`)).toEqual([
      'agent agent.created', 'agent agent.updated', 'task task.deleted',
      'tool_execution tool.execution.created', 'tool_execution tool.execution.status_changed',
      'dataset dataset.example_added', 'dataset dataset.example_added', 'dataset dataset.example_removed', 'dataset dataset.archived',
      'plan something_else',
    ]);
    expect(types.slice(10).map((m) => m.aggregate_type)).toEqual(['order', 'ünïcode "agg"', 'session', 'agent']);
  });

  it('reach the channels, the original\'s included, as messageText and legacyMessageText write them', async () => {
    const rows = await written();
    const prefix = `l01-msgsql-${randomUUID().slice(0, 8)}:`;
    const names = { prefix, channelPrefix: prefix, legacyChannel: 'l01:events' };
    const sub = t.redis.duplicate();
    try {
      if (sub.status !== 'ready') await once(sub, 'ready');
      const received: Array<{ channel: string; message: string }> = [];
      sub.on('pmessage', (_p, channel, message) => received.push({ channel, message }));
      await sub.psubscribe(`${prefix}*`);
      const events = rows.map((r, i) => toOutgoing({
        ...r, transaction_id: '7', position: String(1000 + i), event_id: r.event_id, requeued: r.replayed,
      } as ClaimedEvent));
      const statuses = await publishEvents(t.redis, names, events);
      expect(statuses).toEqual(rows.map(() => 1));
      const deadline = Date.now() + 5000;
      while (received.length < 2 * rows.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const legacy = legacyChannel(names);
      expect(received.filter((m) => m.channel === legacy).map((m) => m.message)).toEqual(rows.map((r) => legacyMessageText(r)));
      expect(received.filter((m) => m.channel !== legacy).map((m) => m.message)).toEqual(rows.map((r) => messageText(r)));
      expect(received.filter((m) => m.channel !== legacy).map((m) => m.channel)).toEqual(rows.map((r) => `${prefix}events:${r.event_type}`));
    } finally {
      await t.redis.unlink(`${prefix}stream:events`, ...new Set(rows.map((r) => `${prefix}stream:events:${r.entity_type}`)), publishCounterKey(names, 0)).catch(() => {});
      sub.disconnect();
    }
  });
});
