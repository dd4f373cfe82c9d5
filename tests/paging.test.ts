/**
 * Lists page by keyset and by bytes (issue 13, "Lists cost the whole table" and "Big rows"):
 *
 * - every list of every entity, unfiltered and with each of its filters, with and without a
 *   cursor, is one index range in the list's order: the plan names the index and has no Sort
 *   node (so a page reads `limit + 1` rows, never the table);
 * - on 20,000 agents the planner picks those indexes by itself and reads 21 rows for a page of 20,
 *   first page or deep;
 * - the cursor (`X-Next-Cursor`, `Link: <…>; rel="next"`) walks a list that changes under it
 *   without skipping or repeating a row; nested lists and histories page the same way;
 * - pages are cut by bytes (the first row always goes) and say there is more;
 * - a deep offset is refused with a pointer to the cursor; query integers are read strictly;
 * - the typed client's `iterate` follows the cursor.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/client/index.js';
import { MAX_OFFSET } from '../src/api/schemas.js';
import { encodeCursor } from '../src/db/cursor.js';
import { entities, entityByTable } from '../src/db/entities/index.js';
import { compositeName, type Entity } from '../src/db/entity.js';
import { pageStatement } from '../src/db/page.js';
import { entityPageSpec, PAGE_MAX_BYTES, type Condition } from '../src/db/read.js';
import { useTestApp } from './helpers/app.js';
import { client, expectProblem } from './helpers/http.js';
import { validValue, type Row } from './helpers/samples.js';

const t = useTestApp();
const api = client(() => t.app);
const agents = entityByTable.get('agents')!;

/** The page statement of an entity list, as the list route runs it. */
function listStatement(entity: Entity, where: Condition[], after?: { created_at: string; id: string }, offset = 0) {
  return pageStatement(entityPageSpec(entity, { where, order: [{ column: 'created_at' }], limit: 20, offset, after, maxBytes: PAGE_MAX_BYTES }));
}

async function explain(db: pg.Pool | pg.PoolClient, s: { text: string; values: unknown[] }, analyze = false): Promise<string> {
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF${analyze ? ', ANALYZE, TIMING OFF, SUMMARY OFF' : ''}) ${s.text}`, s.values);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

const indexesUsed = (plan: string) => [...plan.matchAll(/Index (?:Only )?Scan(?: Backward)? using (\S+)/g)].map((m) => m[1]!);

/** The index a list of `entity` filtered on `column` must read (table.ts). */
function expectedIndex(entity: Entity, column?: string): string {
  if (column === undefined) return `${entity.table}_created_at_id_idx`;
  if (entity.columns[column]!.spec.unique) return `${entity.table}_${column}_unique`;
  const declared = (entity.indexes ?? []).find((c) => c[0] === column && c[1] === 'created_at' && c[2] === 'id');
  return declared ? compositeName(entity.table, declared, 'idx') : `${entity.table}_${column}_idx`;
}

/**
 * Waits until every event written so far is below the commit-safe horizon, which `after`
 * readers stop at: the horizon is the server's, and other sessions (other test files, other
 * users of the shared server) may hold it back for a while.
 */
async function commitSafe(db: pg.Pool): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await db.query<{ safe: boolean }>(
      'SELECT coalesce(max(transaction_id) < pg_snapshot_xmin(pg_current_snapshot()), true) AS safe FROM events');
    if (rows[0]!.safe) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the commit-safe horizon did not pass the events written in 30 s');
}

/** The bytes of the rows of a JSON array body (without brackets and commas). */
const rowBytes = (rows: unknown[]) => rows.reduce<number>((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0);

/** Follows `Link: <…>; rel="next"` from `url` to the end; returns every page. */
async function walk(url: string, between?: (page: number) => Promise<void>): Promise<Array<{ rows: Row[]; next?: string; link?: string }>> {
  const pages: Array<{ rows: Row[]; next?: string; link?: string }> = [];
  for (let next: string | undefined = url; next;) {
    const res = await api.get(next);
    expect(res.statusCode, res.body).toBe(200);
    const link = res.headers.link as string | undefined;
    pages.push({ rows: res.json<Row[]>(), next: res.headers['x-next-cursor'] as string | undefined, link });
    expect(Boolean(link)).toBe(Boolean(res.headers['x-next-cursor']));
    next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined;
    await between?.(pages.length);
  }
  return pages;
}

describe('every list is one index range in its order', () => {
  it('every entity, unfiltered and with each filter, with and without a cursor: the plan names its index and has no Sort', async () => {
    // The structural proof, on empty tables: with sorting priced out, a plan without a Sort
    // exists only if an index delivers the rows in the list's order under that filter.
    const c = await t.db.connect();
    let plans = 0;
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL enable_sort = off');
      for (const entity of entities) {
        for (const column of [undefined, ...entity.filters]) {
          const where: Condition[] = column === undefined ? [] : [{ column, op: 'eq', value: validValue(entity.columns[column]!.spec, 1, column) }];
          for (const after of [undefined, { created_at: '2026-01-01T00:00:00.123456+00:00', id: randomUUID() }]) {
            const plan = await explain(c, listStatement(entity, where, after));
            const what = `${entity.table} ${column ?? '(no filter)'}${after ? ' after a cursor' : ''}:\n${plan}`;
            expect(plan, what).not.toMatch(/Sort/);
            // Both passes of page.ts read the same index.
            expect(indexesUsed(plan), what).toEqual([expectedIndex(entity, column), expectedIndex(entity, column)]);
            plans++;
          }
        }
      }
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
    console.log(`[paging] ${plans} list plans (${entities.length} entities × every filter × with/without cursor): each one index range, no Sort`);
    expect(plans).toBeGreaterThan(300);
  });

  describe('20,000 agents, as the planner sees them', () => {
    const type = `seeded-${randomUUID().slice(0, 8)}`;
    beforeAll(async () => {
      // One in ten of a rare type; timestamps one second apart, with ties (group commit
      // gives a batch one created_at) every 100 rows.
      await t.db.query(`
        INSERT INTO agents (id, name, agent_type, status, created_at, updated_at)
        SELECT gen_random_uuid(), 'seeded-' || g, CASE WHEN g % 10 = 0 THEN $1 ELSE 'worker' END,
               CASE WHEN g % 3 = 0 THEN 'paused' ELSE 'active' END,
               timestamptz '2026-01-01' + ((g / 100) * 100 || ' seconds')::interval, now()
        FROM generate_series(1, 20000) AS g`, [type]);
      await t.db.query('VACUUM ANALYZE agents');
    }, 60_000);

    const deepCursor = async () => (await t.db.query<{ created_at: string; id: string }>(
      `SELECT to_json(created_at) #>> '{}' AS created_at, id FROM agents ORDER BY created_at, id OFFSET 15000 LIMIT 1`)).rows[0]!;

    it.each([
      ['the first page', () => Promise.resolve({ where: [] as Condition[], after: undefined }), 'agents_created_at_id_idx'],
      ['a page 15,000 rows deep', async () => ({ where: [] as Condition[], after: await deepCursor() }), 'agents_created_at_id_idx'],
      ['a filter on a rare value', () => Promise.resolve({ where: [{ column: 'agent_type', op: 'eq', value: type }] as Condition[], after: undefined }), 'agents_agent_type_idx'],
      ['a filter, deep', async () => ({ where: [{ column: 'agent_type', op: 'eq', value: type }] as Condition[], after: await deepCursor() }), 'agents_agent_type_idx'],
    ])('%s: an index scan of 21 rows for a page of 20, no Sort', async (_name, query, index) => {
      const { where, after } = await query();
      const plan = await explain(t.db, listStatement(agents, where, after), true);
      expect(plan).not.toMatch(/Sort/);
      expect(indexesUsed(plan)).toEqual([index, index]);
      // Each pass reads the page and one row more, whatever the depth and the table size.
      const scanned = [...plan.matchAll(/Index Scan using \S+ on agents \S+ \(actual rows=(\d+) loops=1\)/g)].map((m) => Number(m[1]));
      expect(scanned, plan).toEqual([21, 21]);
    });

    it(`offset=${MAX_OFFSET}, the deepest served, reads the skipped rows once: the second pass starts at the first candidate`, async () => {
      const plan = await explain(t.db, listStatement(agents, [], undefined, MAX_OFFSET), true);
      expect(plan).not.toMatch(/Sort/);
      const scanned = [...plan.matchAll(/Index Scan using agents_created_at_id_idx on agents \S+ \(actual rows=(\d+) loops=1\)/g)].map((m) => Number(m[1]));
      expect(scanned, plan).toEqual([MAX_OFFSET + 21, 21]);
    });

    it('a filter on a value most rows have still walks the list order (created_at, id), without a Sort', async () => {
      const plan = await explain(t.db, listStatement(agents, [{ column: 'status', op: 'eq', value: 'active' }]), true);
      expect(plan).not.toMatch(/Sort/);
      expect(indexesUsed(plan).every((i) => i === 'agents_status_idx' || i === 'agents_created_at_id_idx'), plan).toBe(true);
    });
  });
});

describe('the cursor', () => {
  const type = `cursor-${randomUUID().slice(0, 8)}`;
  let created: Row[] = [];

  beforeAll(async () => {
    created = [];
    for (let i = 0; i < 25; i++) {
      const res = await api.post('/api/agents', { name: `c${String(i).padStart(2, '0')}`, agent_type: type });
      created.push(res.json<Row>());
    }
  });

  it('pages come with X-Next-Cursor and Link rel="next" until the last, which has neither', async () => {
    const pages = await walk(`/api/agents?agent_type=${type}&limit=10`);
    expect(pages.map((p) => p.rows.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => Boolean(p.next))).toEqual([true, true, false]);
    expect(pages[0]!.link).toBe(`</api/agents?agent_type=${type}&limit=10&cursor=${pages[0]!.next}>; rel="next"`);
    expect(pages.flatMap((p) => p.rows)).toEqual(created);
    // The cursor is where the page ended: the last row's (created_at, id).
    const last = pages[0]!.rows.at(-1)!;
    expect(pages[0]!.next).toBe(encodeCursor(JSON.stringify([last.created_at, last.id]).replace(',', ', ')));
  });

  it('a full last page says nothing more follows (the page looks one row ahead)', async () => {
    const pages = await walk(`/api/agents?agent_type=${type}&limit=25`);
    expect(pages.map((p) => [p.rows.length, Boolean(p.next)])).toEqual([[25, false]]);
  });

  it('never skips or repeats a row while rows are created and deleted between pages (offset paging does both)', async () => {
    const mine = `moving-${randomUUID().slice(0, 8)}`;
    const rows: Row[] = [];
    for (let i = 0; i < 12; i++) rows.push((await api.post('/api/agents', { name: `m${i}`, agent_type: mine })).json<Row>());
    const added: Row[] = [];
    const pages = await walk(`/api/agents?agent_type=${mine}&limit=4`, async (page) => {
      if (page !== 1) return;
      // Delete two rows of the first page and add one: offsets would now shift by one.
      await api.delete(`/api/agents/${rows[0]!.id}`);
      await api.delete(`/api/agents/${rows[1]!.id}`);
      added.push((await api.post('/api/agents', { name: 'late', agent_type: mine })).json<Row>());
    });
    expect(pages.flatMap((p) => p.rows.map((r) => r.id))).toEqual([...rows, ...added].map((r) => r.id));
  });

  it('an offset applies to the page it is sent with; the Link continues by cursor alone', async () => {
    const res = await api.get(`/api/agents?agent_type=${type}&limit=5&offset=3`);
    expect(res.json<Row[]>()).toEqual(created.slice(3, 8));
    expect(res.headers.link).not.toMatch(/offset/);
    const next = await api.get(`/api/agents?agent_type=${type}&limit=5&cursor=${res.headers['x-next-cursor']}`);
    expect(next.json<Row[]>()).toEqual(created.slice(8, 13));
  });

  it('nested lists page by cursor too: /api/agents/{id}/goals', async () => {
    const agent = created[0]!;
    const goals: Row[] = [];
    for (let i = 0; i < 5; i++) goals.push((await api.post('/api/goals', { agent_id: agent.id, description: `g${i}` })).json<Row>());
    const pages = await walk(`/api/agents/${agent.id}/goals?limit=2`);
    expect(pages.map((p) => p.rows.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.rows)).toEqual(goals);
    expect(pages[0]!.link).toMatch(new RegExp(`^</api/agents/${agent.id}/goals\\?limit=2&cursor=`));
  });

  it('a history pages with after=<position>, its X-Next-Cursor', async () => {
    const agent = created[1]!;
    for (let i = 0; i < 4; i++) await api.patch(`/api/agents/${agent.id}`, { name: `renamed ${i}` });
    const pages = await walk(`/api/agents/${agent.id}/history?limit=2`);
    expect(pages.map((p) => p.rows.length)).toEqual([2, 2, 1]);
    expect(pages[0]!.next).toBe(String(pages[0]!.rows.at(-1)!.position));
    expect(pages.flatMap((p) => p.rows.map((e) => e.entity_version))).toEqual([1, 2, 3, 4, 5]);
  });

  it('the event log: X-Next-Cursor is the position to pass as after', async () => {
    const first = (await t.db.query<{ p: string }>(`SELECT min(position) AS p FROM events WHERE entity_id = $1`, [created[0]!.id])).rows[0]!.p;
    await commitSafe(t.db);
    const res = await api.get(`/api/events?after=${first}&limit=3`);
    const events = res.json<Array<{ position: number }>>();
    expect(events).toHaveLength(3);
    expect(res.headers['x-next-cursor']).toBe(String(events[2]!.position));
    expect(res.headers.link).toBe(`</api/events?after=${events[2]!.position}&limit=3>; rel="next"`);
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', encodeCursor('nope')],
    ['the wrong shape', encodeCursor('["2026-01-01T00:00:00+00:00"]')],
    ['not a uuid', encodeCursor('["2026-01-01T00:00:00+00:00", "x"]')],
    ['no such day', encodeCursor(`["2026-02-30T00:00:00+00:00", "${randomUUID()}"]`)],
    ['year 0', encodeCursor(`["0000-01-01T00:00:00+00:00", "${randomUUID()}"]`)],
    ['too long', 'A'.repeat(300)],
  ])('a cursor that is %s → 400 naming querystring.cursor', async (_name, cursor) => {
    expectProblem(await api.get(`/api/agents?cursor=${cursor}`), 400, 'querystring.cursor');
    expectProblem(await api.get(`/api/agents/${created[0]!.id}/goals?cursor=${cursor}`), 400, 'querystring.cursor');
  });
});

describe('pages are cut by bytes', () => {
  const type = `big-${randomUUID().slice(0, 8)}`;
  const ROW = 300_000;
  let entityIds: string[] = [];
  let before = 0;

  beforeAll(async () => {
    before = Number((await t.db.query<{ p: string }>('SELECT coalesce(max(position), 0) AS p FROM events')).rows[0]!.p);
    // ~300 KB rows straight into the table (the read path does not care how they got there):
    // random hex, which does not compress (stored out of line), and one compressible one.
    await t.db.query(`
      INSERT INTO agents (id, name, agent_type, configuration, created_at, updated_at)
      SELECT gen_random_uuid(), 'big-' || g, $1,
             jsonb_build_object('blob', CASE WHEN g = 5 THEN repeat('x', $2)
               ELSE (SELECT string_agg(md5(g::text || '-' || i), '') FROM generate_series(1, $2 / 32) AS i) END),
             timestamptz '2030-01-01' + (g || ' seconds')::interval, now()
      FROM generate_series(1, 10) AS g`, [type, ROW]);
    entityIds = (await t.db.query<{ id: string }>('SELECT id FROM agents WHERE agent_type = $1 ORDER BY created_at', [type])).rows.map((r) => r.id);
    // And events of ~300 KB: the log and a history.
    await t.db.query(`
      INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload, metadata)
      SELECT 'agent_updated', 'agent', $1, g + 1,
             jsonb_build_object('blob', (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, $2 / 32) AS i)), '{}'
      FROM generate_series(1, 10) AS g`, [entityIds[0], ROW]);
  }, 60_000);

  it('GET /api/agents?limit=60 over ~300 KB rows: as many as fit in PAGE_MAX_BYTES, then the cursor; every row once', async () => {
    const pages = await walk(`/api/agents?agent_type=${type}&limit=60`);
    for (const p of pages) expect(rowBytes(p.rows)).toBeLessThanOrEqual(PAGE_MAX_BYTES);
    expect(pages.map((p) => p.rows.length)).toEqual([3, 3, 3, 1]);
    expect(pages.flatMap((p) => p.rows.map((r) => r.id))).toEqual(entityIds);
  });

  it('a row bigger than the cap goes alone: every page moves the reader on', async () => {
    const huge = `huge-${randomUUID().slice(0, 8)}`;
    await t.db.query(`
      INSERT INTO agents (id, name, agent_type, configuration, created_at, updated_at)
      SELECT gen_random_uuid(), 'huge-' || g, $1,
             jsonb_build_object('blob', (SELECT string_agg(md5(g::text || '/' || i), '') FROM generate_series(1, (CASE WHEN g = 1 THEN 1500000 ELSE 100 END) / 32) AS i)),
             timestamptz '2031-01-01' + (g || ' seconds')::interval, now()
      FROM generate_series(1, 3) AS g`, [huge]);
    const pages = await walk(`/api/agents?agent_type=${huge}&limit=60`);
    expect(pages.map((p) => p.rows.length)).toEqual([1, 2]);
    expect(rowBytes(pages[0]!.rows)).toBeGreaterThan(PAGE_MAX_BYTES);
  });

  it('GET /api/events?limit=60, with and without after: cut by bytes, continued with after', async () => {
    await commitSafe(t.db);
    for (const url of [`/api/events?after=${before}&limit=60`, `/api/events?entity_id=${entityIds[0]}&limit=60`]) {
      const pages = await walk(url);
      for (const p of pages) expect(rowBytes(p.rows)).toBeLessThanOrEqual(PAGE_MAX_BYTES);
      expect(pages.map((p) => p.rows.length)).toEqual([3, 3, 3, 1]);
      expect(pages[0]!.link).toMatch(/after=\d+/);
      expect(pages[0]!.link).not.toMatch(/offset/);
    }
  });

  it('a history over big events: cut by bytes, continued with after', async () => {
    const pages = await walk(`/api/agents/${entityIds[0]}/history?limit=60`);
    expect(pages.map((p) => p.rows.length)).toEqual([3, 3, 3, 1]);
  });
});

describe('offsets and query integers', () => {
  it(`offset ≤ ${MAX_OFFSET} is served; deeper is refused with a pointer to the cursor (or after, for the log)`, async () => {
    expect((await api.get(`/api/agents?offset=${MAX_OFFSET}`)).statusCode).toBe(200);
    const list = expectProblem(await api.get(`/api/agents?offset=${MAX_OFFSET + 1}`), 400, 'querystring.offset');
    expect(list.errors![0]!.message).toMatch(/cursor/);
    const log = expectProblem(await api.get('/api/events?offset=999000'), 400, 'querystring.offset');
    expect(log.errors![0]!.message).toMatch(/after/);
    const id = (await api.post('/api/agents', { name: 'o', agent_type: 'o' })).json<Row>().id;
    expectProblem(await api.get(`/api/agents/${id}/history?offset=999000`), 400, 'querystring.offset');
    expectProblem(await api.get(`/api/agents/${id}/goals?offset=999000`), 400, 'querystring.offset');
  });

  it.each(['0x10', '1e1', '+16', ' 16', '16 ', '16.0', '0b1', 'Infinity', ''])('limit=%j is not a number here → 400 naming querystring.limit', async (v) => {
    expectProblem(await api.get(`/api/agents?limit=${encodeURIComponent(v)}`), 400, 'querystring.limit');
    expectProblem(await api.get(`/api/events?limit=${encodeURIComponent(v)}`), 400, 'querystring.limit');
  });

  it.each([
    ['/api/agents?limit=5000', 'querystring.limit', 'must be at most 1000'],
    ['/api/agents?limit=0', 'querystring.limit', 'must be at least 1'],
    ['/api/agents?limit=1.5', 'querystring.limit', 'must be a whole number in decimal digits'],
    ['/api/agents?offset=99999999999999999999', 'querystring.offset', `must be at most ${MAX_OFFSET}: page further with \`cursor\` (each page sends it in X-Next-Cursor and Link)`],
    ['/api/events?after=99999999999999999999999', 'querystring.after', 'must be at most 9007199254740991'],
    ['/api/goals?priority=-99999999999', 'querystring.priority', 'must be at least -1000'],
  ])('%s → one message, saying the range it is out of', async (url, field, message) => {
    const body = expectProblem(await api.get(url), 400, field);
    expect(body.errors).toEqual([{ field, message }]);
  });

  it('decimal digits are: limit=16, offset=007', async () => {
    const type = `digits-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 20; i++) await api.post('/api/agents', { name: `d${i}`, agent_type: type });
    expect((await api.get(`/api/agents?agent_type=${type}&limit=16`)).json<Row[]>()).toHaveLength(16);
    expect((await api.get(`/api/agents?agent_type=${type}&offset=007`)).json<Row[]>()).toHaveLength(13);
  });

  it.each([
    ['/api/goals?priority=0x1', 'querystring.priority'],
    ['/api/goals?priority=1e2', 'querystring.priority'],
    ['/api/goals?priority=%2B1', 'querystring.priority'],
    ['/api/api_requests?status_code=0x1F4', 'querystring.status_code'],
    ['/api/api_requests?status_code=-200', 'querystring.status_code'],
    ['/api/events?after=0x1', 'querystring.after'],
    ['/api/events?offset=1e3', 'querystring.offset'],
  ])('%s → 400 naming %s', async (url, field) => {
    expectProblem(await api.get(url), 400, field);
  });

  it('a signed integer filter takes its minus sign: priority=-5', async () => {
    const agent = (await api.post('/api/agents', { name: 'p', agent_type: 'p' })).json<Row>();
    const goal = (await api.post('/api/goals', { agent_id: agent.id, description: 'neg', priority: -5 })).json<Row>();
    expect((await api.get(`/api/agents/${agent.id}/goals?priority=-5`)).json<Row[]>()).toEqual([goal]);
  });
});

describe('the typed client', () => {
  let l01: ReturnType<typeof createClient>;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    l01 = createClient({ baseUrl: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`, token: 'test_token_123' });
  });

  it('iterate follows the cursor: rows deleted behind it shift nothing', async () => {
    const type = `iterate-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await l01.entity('agents').create({ name: `i${i}`, agent_type: type })).id);
    const seen: string[] = [];
    for await (const a of l01.entity('agents').iterate({ agent_type: type, limit: 10 })) {
      seen.push(a.id);
      // After the first page, its rows go away: an offset-paging client would skip ten rows.
      if (seen.length === 10) for (const id of ids.slice(0, 10)) await l01.entity('agents').delete(id);
    }
    expect(seen).toEqual(ids);
  });

  it('page() gives the rows and the next cursor; events.since goes on past a page cut by bytes', async () => {
    const type = `page-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) await l01.entity('agents').create({ name: `p${i}`, agent_type: type });
    const first = await l01.entity('agents').page({ agent_type: type, limit: 2 });
    expect(first.rows).toHaveLength(2);
    const second = await l01.entity('agents').page({ agent_type: type, limit: 2, cursor: first.next! });
    expect([second.rows.length, second.next]).toEqual([1, null]);

    const from = Number((await t.db.query<{ p: string }>(
      "SELECT coalesce(max(position), 0) AS p FROM events WHERE position < (SELECT min(position) FROM events WHERE payload ? 'blob')")).rows[0]!.p);
    let big = 0;
    await commitSafe(t.db);
    for await (const e of l01.events.since(from, 60)) if ('blob' in e.payload) big++;
    expect(big).toBe(10);
  });
});
