/**
 * The checker itself, shown one of each anomaly it claims to detect: events written
 * through the real write path, then "published" by hand the way the relay publishes
 * (entry id `<transaction_id>-<position>`, global and per-type stream, PUBLISH), except for
 * the injected faults. Without this, `lost=0 duplicated=0 …` in the fault scenarios could
 * be a checker that never counts anything.
 */
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { entityByTable } from '../../src/db/entities/index.js';
import { applyChange } from '../../src/db/write.js';
import { Checker, summary } from './support/checker.js';
import { sharedDatabase, startRedis, stopAll } from './support/servers.js';

afterAll(stopAll);

const agents = entityByTable.get('agents')!;
const metadata = { request_id: 'checker-self-test' };

interface Row {
  id: string;
  transaction_id: string;
  position: string;
  event_type: string;
  entity_type: string;
  entity_id: string;
  entity_version: number;
}

it('counts every anomaly it is shown, exactly', async () => {
  const [redisServer, database] = await Promise.all([startRedis(), sharedDatabase()]);
  const checker = await new Checker({ databaseUrl: database.url, redisUrl: redisServer.url }).start();
  const db = new pg.Client({ connectionString: database.url });
  const redis = redisServer.client();
  await db.connect();
  try {
    const create = async (name: string) => {
      const r = await applyChange(db, { op: 'create', entity: agents, data: { name, agent_type: 'check', status: 'active', capabilities: [], configuration: {} }, metadata });
      if (!r.ok) throw new Error('create failed');
      return (JSON.parse(r.body) as { id: string }).id;
    };
    const rename = async (id: string) => {
      const r = await applyChange(db, { op: 'update', entity: agents, id, data: { name: 'renamed' }, metadata });
      if (!r.ok) throw new Error('update failed');
    };
    const clean = await create('clean');
    await rename(clean);
    const lost = await create('never published');
    const unseen = await create('still in the outbox');
    const doubled = await create('published twice');
    const reordered = await create('versions reordered');
    await rename(reordered);
    const untyped = await create('missing from its type stream');
    checker.record([
      { entityType: 'agent', entityId: clean, version: 2 },
      { entityType: 'agent', entityId: lost, version: 1 },
      { entityType: 'agent', entityId: clean, version: 9 }, // acknowledged, yet no such event
    ]);

    const { rows } = await db.query<Row>(
      'SELECT id, transaction_id::text, position::text, event_type, entity_type, entity_id, entity_version FROM events ORDER BY transaction_id, position');
    const message = (e: Row, replayed = false) => JSON.stringify({
      event_type: e.event_type, event_id: e.id, entity_type: e.entity_type, entity_id: e.entity_id,
      entity_version: e.entity_version, position: Number(e.position), replayed,
    });
    const append = async (e: Row, id: string, o: { typeStream?: boolean; publish?: boolean; replayed?: boolean } = {}) => {
      await redis.xadd('l01:stream:events', id, 'event_type', e.event_type, 'data', message(e, o.replayed));
      if (o.typeStream !== false) await redis.xadd(`l01:stream:events:${e.entity_type}`, id, 'event_type', e.event_type, 'data', message(e, o.replayed));
      if (o.publish !== false) await redis.publish(`events:${e.event_type}`, message(e, o.replayed));
    };
    const later = BigInt(rows.at(-1)!.transaction_id) + 1000n;
    const late: Array<() => Promise<void>> = [];
    for (const e of rows) {
      const id = `${e.transaction_id}-${e.position}`;
      if (e.entity_id === lost || e.entity_id === unseen) continue;
      if (e.entity_id === reordered && e.entity_version === 1) {
        late.push(() => append(e, `${later}-${e.position}`, { replayed: true })); // v1 after v2
        continue;
      }
      await append(e, id, { typeStream: e.entity_id !== untyped });
      if (e.entity_id === doubled) late.push(() => append(e, `${later}-${e.position}`));
    }
    for (const f of late) await f();
    const stranger = { ...rows[0]!, id: randomUUID(), entity_id: randomUUID() };
    await append(stranger, `${later + 1n}-1`);
    await db.query('DELETE FROM outbox WHERE event_id <> ALL($1::uuid[])', [rows.filter((e) => e.entity_id === unseen).map((e) => e.id)]);

    const report = await checker.report({ quietMs: 500, timeoutMs: 1500 });
    console.log(summary('checker self-test', report));
    expect({
      lost: report.lost, duplicated: report.duplicated, unexpected: report.unexpected, order_violations: report.order_violations,
      unseen: report.unseen, pubsub_duplicated: report.pubsub_duplicated, undelivered_by_group: report.undelivered_by_group,
    }, JSON.stringify(report.details, null, 2)).toEqual({
      lost: 3, // never published; acknowledged without an event; missing from its type stream
      duplicated: 1, unexpected: 1, order_violations: 1, unseen: 1, pubsub_duplicated: 1, undelivered_by_group: 0,
    });
  } finally {
    await db.end();
    redis.disconnect();
    await checker.stop();
  }
}, 60_000);
