/**
 * The row a write points at, found by its unique name or created through the writer (an
 * event like any other): the model a usage row names by provider and name, the tool an
 * execution names by `tool_name`. The original's callers never registered those; the
 * entities here require the link.
 */
import { findByKey } from '../../db/domain/lookup.js';
import type { Entity } from '../../db/entity.js';
import { permits } from '../auth/index.js';
import { Problem } from '../problems.js';
import type { WriteContext } from './resource.js';

/** A unique violation: another request created the row first. */
const lostRace = (err: unknown) => (err as { code?: string }).code === '23505';

/**
 * The id of the `entity` row with `key` (a unique key), created with `data` when there is
 * none: then the caller needs write on that table too (403 otherwise), not only on the route's.
 */
export async function findOrCreate(ctx: WriteContext, entity: Entity, key: Record<string, unknown>, data: Record<string, unknown>): Promise<string> {
  const found = await findByKey(ctx.db, entity, key);
  if (found) return found.id;
  if (ctx.caller && !permits(ctx.caller, entity.table, 'write')) {
    throw new Problem(403, 'Forbidden', `creating this ${entity.singular} needs the scope ${entity.table}:write`);
  }
  try {
    const created = await ctx.write({ op: 'create', entity, data: { ...data, ...key }, metadata: ctx.metadata });
    if (created.ok) return created.id;
  } catch (err) {
    if (!lostRace(err)) throw err;
  }
  const raced = await findByKey(ctx.db, entity, key);
  if (!raced) throw new Error(`${entity.table} ${JSON.stringify(key)} could be neither found nor created`);
  return raced.id;
}
