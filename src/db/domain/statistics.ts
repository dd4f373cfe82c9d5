/**
 * The aggregate reads behind the statistics routes. Each query is exported as a
 * `QueryConfig` builder too, so `bench/explain-domain.ts` EXPLAINs exactly what the API runs.
 *
 * Whole-table statistics (datasets, training examples) read every row by nature; what an
 * index buys there is an index-only scan of a narrow btree instead of the wide heap rows
 * (JSONB inputs and outputs). Per-key statistics (one agent) read one index range.
 */
import type { QueryConfig } from 'pg';
import { datasets } from '../entities/knowledge.js';
import type { Queryable } from '../pool.js';
import { SPLITS, type Split } from './dataset-examples.js';

/**
 * Datasets by status and domain, and links by split, in one round trip. The datasets are a
 * small table; the split totals are an index-only scan of dataset_examples_split_idx.
 */
export const datasetStatisticsQuery = (): QueryConfig => ({
  name: 'dataset_statistics',
  text: `
    SELECT
      (SELECT COALESCE(json_object_agg(status, n), '{}') FROM (SELECT status, count(*) AS n FROM datasets GROUP BY status) AS s) AS by_status,
      (SELECT COALESCE(json_agg(json_build_object('domain', domain, 'count', n) ORDER BY n DESC, domain NULLS LAST), '[]')
         FROM (SELECT domain, count(*) AS n FROM datasets GROUP BY domain) AS d) AS by_domain,
      (SELECT COALESCE(json_object_agg(split, n), '{}') FROM (SELECT split, count(*) AS n FROM dataset_examples GROUP BY split) AS x) AS by_split`,
});

export interface DatasetStatistics {
  datasets: number;
  by_status: Record<string, number>;
  by_domain: Array<{ domain: string | null; count: number }>;
  examples: number;
  by_split: Record<Split, number>;
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

export async function datasetStatistics(db: Queryable): Promise<DatasetStatistics> {
  const { rows } = await db.query<{ by_status: Record<string, number>; by_domain: DatasetStatistics['by_domain']; by_split: Record<Split, number> }>(
    datasetStatisticsQuery(),
  );
  const r = rows[0]!;
  const by_status = { ...zeros(datasets.status!.values), ...r.by_status };
  const by_split = { ...zeros(SPLITS), ...r.by_split };
  return { datasets: sum(by_status), by_status, by_domain: r.by_domain, examples: sum(by_split), by_split };
}

/**
 * Quality buckets: five of width 0.2 over [0, 1] (quality_score is CHECKed to that range);
 * 1.0 itself falls in the last; NULL is unscored.
 */
export const QUALITY_BUCKETS = [0, 0.2, 0.4, 0.6, 0.8].map((from) => ({ from, to: Math.round((from + 0.2) * 10) / 10 }));
const bucketCounts = QUALITY_BUCKETS.map(({ from, to }, i) =>
  `count(*) FILTER (WHERE quality_score >= ${from}${to < 1 ? ` AND quality_score < ${to}` : ''}) AS b${i}`).join(',\n           ');

/**
 * Training examples by source and by domain (GROUPING SETS) and by quality bucket (FILTER
 * counts, read from the grand-total row) in ONE pass, without a sort:
 * `GROUPING(source, domain)` is 1 for a source row, 2 for a domain row, 3 for the total.
 * All three columns are in training_examples_source_domain_quality_score_idx, so the pass
 * is an index-only scan in source order (source groups stream, domains are hashed).
 * On 100k rows (bench/explain-domain.ts): ~95 ms; the same over the heap (seq scan) ~250 ms,
 * and grouping by the bucket as a third set instead of FILTER ~400 ms (it sorts 100k rows,
 * spilling to disk at the default work_mem).
 */
export const trainingExampleStatisticsQuery = (): QueryConfig => ({
  name: 'training_example_statistics',
  text: `
    SELECT source, domain, GROUPING(source, domain) AS g,
           count(*) AS n, count(quality_score) AS scored, avg(quality_score) AS avg_quality,
           ${bucketCounts}
    FROM training_examples
    GROUP BY GROUPING SETS ((source), (domain), ())`,
});

export interface TrainingExampleStatistics {
  total: number;
  scored: number;
  avg_quality: number | null;
  by_source: Array<{ source: string | null; count: number }>;
  by_domain: Array<{ domain: string | null; count: number }>;
  by_quality: Array<{ bucket: string; from: number | null; to: number | null; count: number }>;
}

type GroupRow = { source: string | null; domain: string | null; g: number; n: string; scored: string; avg_quality: number | null } & Record<`b${number}`, string>;

const byCount = <T extends { count: number }>(key: (t: T) => string | null) => (a: T, b: T) =>
  b.count - a.count || String(key(a) ?? '\uffff').localeCompare(String(key(b) ?? '\uffff'));

export async function trainingExampleStatistics(db: Queryable): Promise<TrainingExampleStatistics> {
  const { rows } = await db.query<GroupRow>(trainingExampleStatisticsQuery());
  const out: TrainingExampleStatistics = { total: 0, scored: 0, avg_quality: null, by_source: [], by_domain: [], by_quality: [] };
  for (const r of rows) {
    const count = Number(r.n);
    if (r.g === 1) out.by_source.push({ source: r.source, count });
    else if (r.g === 2) out.by_domain.push({ domain: r.domain, count });
    else {
      Object.assign(out, { total: count, scored: Number(r.scored), avg_quality: r.avg_quality });
      out.by_quality = QUALITY_BUCKETS.map(({ from, to }, i) => ({ bucket: `${from.toFixed(1)}-${to.toFixed(1)}`, from, to, count: Number(r[`b${i}`]) }));
    }
  }
  out.by_source.sort(byCount((x) => x.source));
  out.by_domain.sort(byCount((x) => x.domain));
  if (out.by_quality.length === 0) out.by_quality = QUALITY_BUCKETS.map(({ from, to }) => ({ bucket: `${from.toFixed(1)}-${to.toFixed(1)}`, from, to, count: 0 }));
  out.by_quality.push({ bucket: 'unscored', from: null, to: null, count: out.total - out.scored });
  return out;
}

/**
 * Score statistics of one agent's evaluations, per metric: an index-only range scan of
 * evaluations_agent_id_metric_score_idx, already grouped in metric order.
 */
export const evaluationStatsQuery = (agentId: string): QueryConfig => ({
  name: 'evaluation_stats_of_agent',
  text: `
    SELECT metric, count(*) AS n, count(score) AS scored, avg(score) AS mean, min(score) AS min, max(score) AS max
    FROM evaluations WHERE agent_id = $1
    GROUP BY metric ORDER BY metric`,
  values: [agentId],
});

export interface MetricStats {
  metric: string;
  count: number;
  scored: number;
  mean: number | null;
  min: number | null;
  max: number | null;
}

export async function evaluationStats(db: Queryable, agentId: string): Promise<MetricStats[]> {
  const { rows } = await db.query<Omit<MetricStats, 'count' | 'scored'> & { n: string; scored: string }>(evaluationStatsQuery(agentId));
  return rows.map(({ n, scored, ...r }) => ({ ...r, count: Number(n), scored: Number(scored) }));
}

// ------------------------------------------------------------------ the original's statistics
// Shapes of ORIGINAL-L01-API.md 2.9, 2.13, 2.14 (served by api/compat/statistics.ts and
// api/compat/datasets.ts). Averages go through numeric, as the original's DECIMAL columns
// did: an average of 0.87 and 0.9 is 0.885, not 0.8850000000000001.

/**
 * Datasets and their links, counted as the original did: whole-table counts, so no index
 * narrows them. Both tables are read by a sequential scan (the planner prefers it to
 * datasets_name_dataset_version_unique and dataset_examples_dataset_id_training_example_id_unique,
 * which hold the counted columns: the rows are narrow and every one is read anyway).
 */
export const datasetLinkStatisticsQuery = (): QueryConfig => ({
  name: 'dataset_link_statistics',
  text: `
    SELECT d.total_datasets, d.unique_names, l.total_links, l.datasets_with_examples, l.unique_examples_in_datasets
    FROM (SELECT count(*) AS total_datasets, count(DISTINCT name) AS unique_names FROM datasets) AS d,
         (SELECT count(*) AS total_links, count(DISTINCT dataset_id) AS datasets_with_examples,
                 count(DISTINCT training_example_id) AS unique_examples_in_datasets
          FROM dataset_examples) AS l`,
});

export interface DatasetLinkStatistics {
  total_datasets: number;
  unique_names: number;
  total_links: number;
  datasets_with_examples: number;
  unique_examples_in_datasets: number;
}

/** count() is a bigint, which pg hands over as text. */
const ints = <T extends Record<string, unknown>>(row: T) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as { [K in keyof T]: number };

export async function datasetLinkStatistics(db: Queryable): Promise<DatasetLinkStatistics> {
  const { rows } = await db.query<Record<keyof DatasetLinkStatistics, string>>(datasetLinkStatisticsQuery());
  return ints(rows[0]!);
}

/**
 * Training examples summarised as the original's `GET /training-examples/statistics`: counts
 * and averages over every row (confidence, difficulty and agent_id are in no index: a
 * sequential scan, as a whole-table average is by nature), and the ten largest domains from
 * training_examples_domain_idx (an index-only scan). Examples without a domain count in the
 * total but, as in `unique_domains` (count DISTINCT ignores NULL), not as a domain.
 * `avg_quality_pct` is on the original's 0–100 scale (the column is 0–1), scaled in numeric
 * so that the scaling adds no binary noise (85.25, not 85.25000000000001).
 */
export const trainingExampleSummaryQuery = (): QueryConfig => ({
  name: 'training_example_summary',
  text: `
    SELECT count(*) AS total, (avg(quality_score::numeric) * 100)::float8 AS avg_quality_pct,
           avg(confidence::numeric)::float8 AS avg_confidence, avg(difficulty::numeric)::float8 AS avg_difficulty,
           count(DISTINCT domain) AS unique_domains, count(DISTINCT agent_id) AS unique_agents,
           (SELECT COALESCE(json_agg(json_build_array(domain, n) ORDER BY n DESC, domain), '[]')
            FROM (SELECT domain, count(*) AS n FROM training_examples WHERE domain IS NOT NULL
                  GROUP BY domain ORDER BY n DESC, domain LIMIT 10) AS top) AS top_domains
    FROM training_examples`,
});

export interface TrainingExampleSummary {
  total: number;
  /** 0–100; null when no example has a score. */
  avg_quality_pct: number | null;
  avg_confidence: number | null;
  avg_difficulty: number | null;
  unique_domains: number;
  unique_agents: number;
  /** The ten largest domains, largest first (ties by name). */
  top_domains: Array<[domain: string, count: number]>;
}

export async function trainingExampleSummary(db: Queryable): Promise<TrainingExampleSummary> {
  const { rows } = await db.query<{
    total: string; avg_quality_pct: number | null; avg_confidence: number | null; avg_difficulty: number | null;
    unique_domains: string; unique_agents: string; top_domains: Array<[string, number]>;
  }>(trainingExampleSummaryQuery());
  const r = rows[0]!;
  return {
    total: Number(r.total),
    avg_quality_pct: r.avg_quality_pct,
    avg_confidence: r.avg_confidence,
    avg_difficulty: r.avg_difficulty,
    unique_domains: Number(r.unique_domains),
    unique_agents: Number(r.unique_agents),
    top_domains: r.top_domains,
  };
}

/**
 * One agent's evaluations summarised over every metric, as the original's
 * `GET /evaluations/agent/{id}/stats`: an index-only range scan of
 * evaluations_agent_id_metric_score_idx (agent_id leads it, score is in it).
 */
export const evaluationSummaryQuery = (agentId: string): QueryConfig => ({
  name: 'evaluation_summary_of_agent',
  text: `
    SELECT count(*) AS total_evaluations, avg(score::numeric)::float8 AS avg_score, min(score) AS min_score, max(score) AS max_score
    FROM evaluations WHERE agent_id = $1`,
  values: [agentId],
});

export interface EvaluationSummary {
  total_evaluations: number;
  avg_score: number | null;
  min_score: number | null;
  max_score: number | null;
}

export async function evaluationSummary(db: Queryable, agentId: string): Promise<EvaluationSummary> {
  const { rows } = await db.query<Omit<EvaluationSummary, 'total_evaluations'> & { total_evaluations: string }>(evaluationSummaryQuery(agentId));
  const r = rows[0]!;
  return { ...r, total_evaluations: Number(r.total_evaluations) };
}
