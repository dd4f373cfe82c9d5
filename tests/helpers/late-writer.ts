/**
 * A transaction that starts first and commits last: it takes its transaction id, lets
 * `meanwhile` write and look (the cursor must not hand out what committed after it), then
 * creates an agent through the write path (a HIGHER position than what `meanwhile` wrote,
 * a LOWER transaction id) and commits. Its event's metadata says `request_id: late-writer`.
 */
import { expect } from 'vitest';
import type pg from 'pg';
import { entitySchemas } from '../../src/api/schemas.js';
import { entityByTable } from '../../src/db/entities/index.js';
import { applyChange } from '../../src/db/write.js';
import type { Samples } from './samples.js';

export async function lateWriter(db: pg.Pool, samples: Samples, meanwhile: () => Promise<void>): Promise<void> {
  const agents = entityByTable.get('agents')!;
  const late = await db.connect();
  try {
    await late.query('BEGIN');
    await late.query('SELECT pg_current_xact_id()');
    await meanwhile();
    const result = await applyChange(late, {
      op: 'create',
      entity: agents,
      // Validated as the API would (the write path trusts its input: defaults come from here).
      data: entitySchemas(agents).create.parse(await samples.body(agents)),
      metadata: { request_id: 'late-writer' },
    });
    expect(result.ok).toBe(true);
    await late.query('COMMIT');
  } catch (err) {
    await late.query('ROLLBACK');
    throw err;
  } finally {
    late.release();
  }
}
