/**
 * EXPLAIN ANALYZE of the aggregate queries behind the domain endpoints, on 100k rows each.
 *
 *   node --import tsx bench/explain-domain.ts            # DATABASE_URL names the server (default local)
 *
 * Creates a scratch database (l01_explain_<random>), migrates it, seeds with SQL
 * generate_series (not through the API: the events are not what is measured), VACUUM
 * ANALYZEs (as autovacuum would: index-only scans need the visibility map), then for each
 * query prints the plan's scan nodes with the index they use and the timings: EXPLAIN
 * ANALYZE execution time (median of 5) and the round trip of the query itself (median of 20).
 * The queries are the exported builders the routes run, so what is measured is what is served.
 * The scratch database is dropped at the end, also on error or Ctrl-C (KEEP=1 keeps it for
 * psql; VERBOSE=1 prints the full plans).
 */
import { randomBytes } from 'node:crypto';
import pg, { type QueryConfig } from 'pg';
import { splitCountsQuery } from '../src/db/domain/dataset-examples.js';
import { metricAggregatesQuery } from '../src/db/domain/metric-aggregates.js';
import { datasetStatisticsQuery, evaluationStatsQuery, trainingExampleStatisticsQuery } from '../src/db/domain/statistics.js';
import { migrateDatabase } from '../src/db/database.js';

const ROWS = 100_000;
const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/l01');
const name = `l01_explain_${randomBytes(4).toString('hex')}`;
const url = new URL(server);
url.pathname = `/${name}`;

/**
 * 1,000 datasets, 100k training examples (10 sources, 20 domains, 10% unscored), 100k links
 * (each example in one dataset, splits 80/10/10), 100 agents, 100k evaluations (10 metrics),
 * 100k metrics (20 names over 7 days, 5% without recorded_at), 10 models.
 */
const SEED = `
  INSERT INTO agents (name, agent_type) SELECT 'agent-' || i, 'worker' FROM generate_series(1, 100) i;
  INSERT INTO models (name, provider) SELECT 'model-' || i, 'bench' FROM generate_series(1, 10) i;
  INSERT INTO datasets (name, domain, status)
    SELECT 'dataset-' || i, 'domain-' || (i % 20), (ARRAY['draft','ready','archived'])[1 + i % 3] FROM generate_series(1, 1000) i;
  INSERT INTO training_examples (input, source, domain, quality_score)
    SELECT jsonb_build_object('prompt', 'example ' || i, 'context', repeat('x', 200)),
           CASE WHEN i % 50 = 0 THEN NULL ELSE 'source-' || (i % 10) END, 'domain-' || (i % 20),
           CASE WHEN i % 10 = 0 THEN NULL ELSE random() END
    FROM generate_series(1, ${ROWS}) i;
  INSERT INTO dataset_examples (dataset_id, training_example_id, split)
    SELECT d.id, e.id, CASE WHEN e.n % 10 = 0 THEN 'test' WHEN e.n % 10 = 1 THEN 'validation' ELSE 'train' END
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM training_examples) e
    JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM datasets) d ON d.k = e.n % 1000;
  INSERT INTO evaluations (agent_id, metric, score, status)
    SELECT a.id, 'metric-' || (i % 10), CASE WHEN i % 20 = 0 THEN NULL ELSE random() END, 'completed'
    FROM generate_series(1, ${ROWS}) i
    JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM agents) a ON a.k = i % 100;
  INSERT INTO metrics (name, value, recorded_at, created_at)
    SELECT 'metric-' || (i % 20), random() * 1000,
           CASE WHEN i % 20 = 0 THEN NULL ELSE now() - (i * interval '6 seconds') END,
           now() - (i * interval '6 seconds')
    FROM generate_series(1, ${ROWS}) i;
`;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Heap Fetches'?: number;
  Plans?: PlanNode[];
}

/** The scan nodes of a plan: "Index Only Scan using <index> (rows, heap fetches)". */
function scans(node: PlanNode, out: string[] = []): string[] {
  if (/Scan/.test(node['Node Type'])) {
    const on = node['Index Name'] ? `using ${node['Index Name']}` : `on ${node['Relation Name']}`;
    const heap = node['Heap Fetches'] !== undefined ? `, heap fetches ${node['Heap Fetches']}` : '';
    out.push(`${node['Node Type']} ${on} (rows ${node['Actual Rows']}${heap})`);
  }
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function measure(db: pg.Client, label: string, q: QueryConfig) {
  const text = q.text;
  const values = q.values ?? [];
  const explained: Array<{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }> = [];
  for (let i = 0; i < 5; i++) {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
    explained.push((rows[0] as { 'QUERY PLAN': typeof explained })['QUERY PLAN'][0]!);
  }
  const roundTrips: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await db.query({ text, values });
    roundTrips.push(performance.now() - t0);
  }
  const last = explained.at(-1)!;
  console.log(`\n## ${label}`);
  for (const s of new Set(scans(last.Plan))) console.log(`   ${s}`);
  console.log(`   execution ${ms(median(explained.map((e) => e['Execution Time'])))} (EXPLAIN ANALYZE, median of 5), planning ${ms(median(explained.map((e) => e['Planning Time'])))}, round trip ${ms(median(roundTrips))} (median of 20)`);
  if (process.env.VERBOSE) {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
    for (const r of rows) console.log(`      ${(r as Record<string, string>)['QUERY PLAN']}`);
  }
}

async function main() {
  console.log(`scratch database ${name} on ${server.host}`);
  await migrateDatabase(url.toString());
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    let t0 = performance.now();
    await db.query(SEED);
    console.log(`seeded in ${ms(performance.now() - t0)}`);
    t0 = performance.now();
    await db.query('VACUUM ANALYZE');
    console.log(`VACUUM ANALYZE in ${ms(performance.now() - t0)}`);
    const counts = await db.query(`SELECT (SELECT count(*) FROM training_examples) te, (SELECT count(*) FROM dataset_examples) de,
      (SELECT count(*) FROM evaluations) ev, (SELECT count(*) FROM metrics) me`);
    console.log('rows:', counts.rows[0]);

    const { rows: [dataset] } = await db.query<{ id: string }>('SELECT id FROM datasets ORDER BY name LIMIT 1');
    const { rows: [agent] } = await db.query<{ id: string }>('SELECT id FROM agents ORDER BY name LIMIT 1');
    const now = Date.now();
    const iso = (t: number) => new Date(t).toISOString();

    await measure(db, 'GET /api/datasets/{id}/split-counts (100 links of 100k)', splitCountsQuery(dataset!.id));
    await measure(db, 'GET /api/datasets/statistics (1k datasets, 100k links)', datasetStatisticsQuery());
    await measure(db, 'GET /api/training_examples/statistics (100k examples)', trainingExampleStatisticsQuery());
    await measure(db, 'GET /api/evaluations/agent/{agent_id}/stats (1k of 100k evaluations)', evaluationStatsQuery(agent!.id));
    await measure(db, 'GET /api/metrics/aggregates/{name}?bucket=1h, last 24h (~720 of 100k rows)',
      metricAggregatesQuery({ name: 'metric-1', from: iso(now - 86_400_000), to: iso(now), bucketSeconds: 3600 }));
    await measure(db, 'GET /api/metrics/aggregates/{name}?bucket=1h, last 7d (5k of 100k rows)',
      metricAggregatesQuery({ name: 'metric-1', from: iso(now - 7 * 86_400_000), to: iso(now), bucketSeconds: 3600 }));
    await measure(db, 'GET /api/metrics/aggregates/{name}?bucket=1h, last 7d, a metric without recorded_at (5k rows, by created_at)',
      metricAggregatesQuery({ name: 'metric-0', from: iso(now - 7 * 86_400_000), to: iso(now), bucketSeconds: 3600 }));
  } finally {
    await db.end();
    if (process.env.KEEP) console.log(`\nkept ${url.toString()}`);
    else await dropScratch();
  }
}

async function dropScratch() {
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

process.once('SIGINT', () => {
  void dropScratch().finally(() => process.exit(130));
});

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
