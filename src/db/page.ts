/**
 * One page of a list, cut by count AND by bytes, in one statement: the rows in their order,
 * at most `limit` of them, and no more of them than fit in `maxBytes` of JSON (a running sum
 * of each row's JSON size; the first row always goes, however big, so a page always moves
 * the reader on). The page leaves Postgres as one JSON array text; Node never parses it.
 *
 * Whether more rows follow is known exactly: the statement looks at `limit + 1` candidates,
 * so `next` (the cursor text of the last row sent) is null only on the last page.
 *
 * Why two passes over the candidates: the JSON of a row costs what the row weighs
 * (detoasting, jsonb → text), and rows past the byte cap must not pay it — a page of
 * 1,000 rows of 4 MB each would otherwise serialise 4 GB to send 1 MB. The first pass reads
 * only the sort keys and `pg_column_size` of the wide columns (stored size: no detoasting)
 * and counts the candidates whose estimated preceding bytes are within the cap; the second
 * builds the JSON of that many rows (+ 1) and applies the exact rule. The estimate only
 * decides how much work the second pass does: too low (well-compressed values), it builds
 * JSON for some rows that are then left out; too high (jsonb binary above its text), the page
 * ends early with `next` set. Either way the exact running sum decides what is sent.
 *
 * Both passes read the same index range in the same snapshot (one statement); the second
 * starts at the first candidate's keys rather than skipping `offset` rows again, so a deep
 * offset is read once. Each window is ordered like the scan below it, so the plan has no
 * Sort node (tests/paging.test.ts checks every list of every entity):
 *
 *   Aggregate
 *     CTE __candidates → Aggregate → WindowAgg → Limit → Index Scan using agents_created_at_id_idx
 *     → WindowAgg → Subquery Scan → WindowAgg → Subquery Scan → Limit
 *         → Index Scan using agents_created_at_id_idx, Index Cond: ROW(created_at, id) >= ROW(<first candidate>)
 */
import { createHash } from 'node:crypto';
import type { Queryable } from './pool.js';

export interface PageSpec {
  /** CTEs the conditions refer to (`name AS (…)`, comma-separated), if any. */
  with?: string;
  /** The relation, aliased `t`: `"agents" AS t`. */
  from: string;
  /** Conditions on `t`; parameters are `$1…` of `values`. */
  where: readonly string[];
  values: readonly unknown[];
  /**
   * Sort columns of `t` (SQL identifiers), most significant first, unique together, all in
   * one direction. Empty: no order, for a query that can match one row at most.
   */
  order: readonly string[];
  desc?: boolean;
  /** The JSON text of a row `t` (`t` has the columns of `from`). */
  json: string;
  /** A cheap estimate of that JSON's size, from `t` without detoasting (see above). */
  estimate: string;
  /** Where the page ends, as text: the cursor of a row `t`. */
  cursor: string;
  limit: number;
  offset: number;
  maxBytes: number;
  /** A condition the request itself must meet (e.g. its cursor names a row), read with the page. */
  valid?: string;
}

export interface PageResult {
  /** A JSON array of the rows, as Postgres wrote it. */
  body: string;
  rows: number;
  /** The cursor text of the last row sent when more rows follow (cut by count or bytes); null on the last page. */
  next: string | null;
  /** Whether rows follow this page (also where the order has no cursor). */
  more: boolean;
  /** `PageSpec.valid`, when given. */
  valid?: boolean;
}

/** The statement of a page (exported for EXPLAIN in tests). */
export function pageStatement(s: PageSpec): { text: string; values: unknown[] } {
  const values = [...s.values];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const limit = param(s.limit);
  const offset = param(s.offset);
  const max = param(s.maxBytes);
  const dir = s.desc ? ' DESC' : '';
  const keys = (alias: string) => s.order.map((c) => `${alias}.${c}${dir}`).join(', ');
  const keysAs = (alias: string) => s.order.map((c, i) => `, ${alias}.${c} AS __k${i}`).join('');
  const byKeys = (alias: string) => s.order.map((_, i) => `${alias}.__k${i}${dir}`).join(', ');
  const orderBy = s.order.length ? `ORDER BY ${keys('t')}` : '';
  // A frame ending at the current row: the sums are running sums, computed as rows stream by.
  const running = (by: string) => `${by ? `ORDER BY ${by} ` : ''}ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`;
  const conditions = (extra: string[]) => {
    const all = [...s.where, ...extra];
    return all.length ? `WHERE ${all.join(' AND ')}` : '';
  };
  const rows = (limitExpr: string, select: string, from: 'offset' | 'first') => {
    // The second pass starts at the first candidate's keys instead of skipping `offset` rows
    // again: a deep offset is read once, not twice.
    const seek = from === 'first' && s.order.length > 0;
    const start = seek ? [`(${s.order.map((c) => `t.${c}`).join(', ')}) ${s.desc ? '<=' : '>='} (SELECT ${s.order.map((_, i) => `__f${i}`).join(', ')} FROM __candidates)`] : [];
    return `SELECT ${select} FROM ${s.from} ${conditions(start)} ${orderBy} LIMIT ${limitExpr}${seek ? '' : ` OFFSET ${offset}`}`;
  };
  const firstKeys = s.order.map((_, i) => `, (array_agg(c.__k${i}) FILTER (WHERE c.n = 1))[1] AS __f${i}`).join('');
  const keyColumns = s.order.map((_, i) => `, c.__k${i}`).join('');

  const text = `
    WITH ${s.with ? `${s.with},` : ''}
    __candidates AS (
      SELECT count(*) AS k, count(*) FILTER (WHERE c.before <= ${max}) AS fit${firstKeys} FROM (
        SELECT sum(c.z) OVER w - c.z AS before, row_number() OVER w AS n${keyColumns}
        FROM (${rows(`${limit}::int + 1`, `${s.estimate} AS z${keysAs('t')}`, 'offset')}) AS c
        WINDOW w AS (${running(byKeys('c'))})
      ) AS c
    )
    SELECT '[' || COALESCE(string_agg(x.j, ',' ORDER BY x.n) FILTER (WHERE x.keep), '') || ']' AS body,
           (count(*) FILTER (WHERE x.keep))::int AS rows,
           (SELECT k FROM __candidates)::int AS candidates,
           (array_agg(x.c ORDER BY x.n DESC) FILTER (WHERE x.keep))[1] AS last,
           ${s.valid ?? 'true'} AS valid
    FROM (
      SELECT y.n, y.j, y.c,
             y.n <= ${limit} AND (y.n = 1 OR sum(octet_length(y.j)) OVER (${running(byKeys('y'))}) <= ${max}) AS keep
      FROM (
        SELECT row_number() OVER (${running(keys('t'))}) AS n, ${s.json} AS j, ${s.cursor} AS c${keysAs('t')}
        FROM (${rows('(SELECT LEAST(k, fit + 1) FROM __candidates)', 't.*', 'first')}) AS t
      ) AS y
    ) AS x`;
  return { text, values };
}

/**
 * Each shape of page (entity, filters given, cursor or not) is one text, so it is a named
 * statement: parsed once per connection instead of per request (a quarter of the cost of a
 * 100-event page, measured). Postgres still plans each execution with its values (custom
 * plans), so a filter value's selectivity still picks the index.
 */
const statementName = (text: string) => `page_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;

export async function readPage(db: Queryable, spec: PageSpec): Promise<PageResult> {
  const { text, values } = pageStatement(spec);
  const { rows } = await db.query<{ body: string; rows: number; candidates: number; last: string | null; valid: boolean }>({
    name: statementName(text), text, values,
  });
  const r = rows[0]!;
  // Candidates left out (by count or by bytes) are rows that follow.
  const more = r.rows < r.candidates;
  const page: PageResult = { body: r.body, rows: r.rows, next: more ? r.last : null, more };
  return spec.valid === undefined ? page : { ...page, valid: r.valid };
}
