/** Model usage over a time range, optionally for one model and/or one agent. */
import type { Page } from '../read.js';
import type { Queryable } from '../pool.js';

export interface UsageFilter {
  model_id?: string;
  agent_id?: string;
  /** ISO 8601 on created_at, inclusive. */
  from?: string;
  /** ISO 8601 on created_at, exclusive. */
  to?: string;
}

/**
 * A page of usage rows as JSON array text, oldest first. The WHERE clause lists only the
 * filters given, so each shape gets a plan that uses model_usage_model_id_created_at_id_idx or
 * model_usage_agent_id_created_at_id_idx for (id, time range) in one index range.
 */
export async function listModelUsage(db: Queryable, f: UsageFilter, page: Page): Promise<string> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(`$${values.length}`));
  };
  if (f.model_id !== undefined) add((p) => `model_id = ${p}`, f.model_id);
  if (f.agent_id !== undefined) add((p) => `agent_id = ${p}`, f.agent_id);
  if (f.from !== undefined) add((p) => `created_at >= ${p}::timestamptz`, f.from);
  if (f.to !== undefined) add((p) => `created_at < ${p}::timestamptz`, f.to);
  values.push(page.limit, page.offset);
  const { rows } = await db.query<{ body: string }>(`
    SELECT COALESCE(json_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')::text AS body
    FROM (
      SELECT * FROM model_usage ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at, id LIMIT $${values.length - 1} OFFSET $${values.length}
    ) AS t`, values);
  return rows[0]!.body;
}
