/**
 * What a claim costs must follow the batch, not the backlog: on a 20k-row outbox the relay's
 * claim walks an index from its last key and stops after the batch, with one partition
 * (the outbox key) and with four (the partition index the worker creates). A partition
 * condition the planner misjudged once made every claim scan the whole outbox, join each
 * row to its event and sort them (125–154 ms per 1,000-row claim of a 30k outbox, 5.6 ms
 * when walking the key): checked here on the plans themselves. So is what keeps the plan
 * right for a backlog the planner has never measured (a new database, a burst of writes):
 * the leader analyzes the outbox when its statistics are far off (analyzeOutboxIfStale).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../src/db/pool.js';
import { analyzeOutboxIfStale, ensurePartitionIndex } from '../src/outbox/plans.js';
import { claimBatch, completeBatch, readBatch } from '../src/outbox/sql.js';
import { ZERO_ENTRY } from '../src/wire/entry-id.js';
import { partitionsOf, type Partition } from '../src/wire/names.js';
import { useTestDatabase } from './helpers/database.js';

const database = useTestDatabase();
let db: pg.Pool;
const ROWS = 20_000;

beforeAll(async () => {
  db = new pg.Pool({ connectionString: database.url, max: 2 });
  const client = await db.connect();
  try {
    await client.query(`
    WITH a AS (
      INSERT INTO agents (name, agent_type) SELECT 'plan-' || n, 'plan' FROM generate_series(1, ${ROWS}) AS n RETURNING *
    ), ev AS (
      INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload)
      SELECT 'agent_created', 'agent', a.id, 1, to_jsonb(a) FROM a RETURNING transaction_id, position, id, entity_id
    )
    INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, shard)
    SELECT transaction_id, position, id, 'agent', 'agent_created', l01_shard(entity_id) FROM ev`);
    // The inserts' counts reach pg_stat_user_tables now, not when this idle backend next reports them.
    await client.query('SELECT pg_stat_force_next_flush()');
    await client.query('SELECT 1');
  } finally {
    client.release();
  }
  await db.query('ANALYZE events');
});

describe('an outbox the planner has never measured', () => {
  it('is analyzed once, and is then claimed by walking its key', async () => {
    const before = await db.query<{ reltuples: number }>(`SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'outbox'::regclass`);
    expect(before.rows[0]!.reltuples).toBe(-1); // never analyzed: no statistics at all
    expect(await analyzeOutboxIfStale(db)).toBe(true);
    const after = await db.query<{ reltuples: number }>(`SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'outbox'::regclass`);
    expect(after.rows[0]!.reltuples).toBeGreaterThan(ROWS / 2);
    expect(await analyzeOutboxIfStale(db)).toBe(false); // they describe it now
    const plan = await planOf((q) => claimBatch(q, 1000, ZERO_ENTRY, bounds));
    expect(plan, plan).toMatch(/Index (Only )?Scan using outbox_transaction_id_position_pk/);
    expect(plan, plan).not.toMatch(/Seq Scan on outbox|Sort Key: o\.transaction_id/);
  });
});
afterAll(async () => {
  await db?.end();
});

/** The plan Postgres runs for a statement the relay sends (its text and values, EXPLAIN ANALYZE'd). */
async function planOf(run: (q: Queryable) => Promise<unknown>): Promise<string> {
  let plan = '';
  const explaining = {
    query: async (q: { text: string; values?: unknown[] }) => {
      const { rows } = await db.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN (ANALYZE, COSTS OFF) ${q.text}`, values: q.values });
      plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      return { rows: [] };
    },
  } as unknown as Queryable;
  await run(explaining);
  return plan;
}

const bounds = { bytes: 4 * 1024 * 1024, maxMessageBytes: 1024 * 1024 };

describe.each([[1], [4]])('%i partition(s)', (count) => {
  const parts: Partition[] = partitionsOf(count);

  beforeAll(async () => {
    await ensurePartitionIndex(db, count);
    await ensurePartitionIndex(db, count); // idempotent
    await db.query('ANALYZE outbox');
  });

  it('claims by walking an index, without sorting the backlog', async () => {
    for (const p of parts) {
      const plan = await planOf((q) => claimBatch(q, 1000, ZERO_ENTRY, bounds, p));
      expect(plan, plan).toMatch(count === 1 ? /Index (Only )?Scan using outbox_transaction_id_position_pk/ : /Index Scan using outbox_partition_4_idx/);
      expect(plan, plan).not.toMatch(/Seq Scan on outbox|Sort Key: o\.transaction_id/);
    }
  });

  it("a partition's claim, range read and completion keep to its rows, and all of them together are the outbox", async () => {
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      let total = 0;
      for (const p of parts) {
        const batch = await claimBatch(client, ROWS, ZERO_ENTRY, { bytes: Number.MAX_SAFE_INTEGER, maxMessageBytes: bounds.maxMessageBytes }, p);
        const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE mod(shard, $1) = $2`, [count, p.index]);
        expect(batch.length).toBe(rows[0]!.n);
        const last = { transactionId: batch.at(-1)!.transaction_id, position: batch.at(-1)!.position };
        expect((await readBatch(client, ZERO_ENTRY, last, ROWS, undefined, p)).length).toBe(batch.length);
        expect(await completeBatch(client, last, [], p)).toBe(batch.length);
        total += batch.length;
      }
      expect(total).toBe(ROWS);
      expect((await client.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n).toBe(0);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
