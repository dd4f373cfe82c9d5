/**
 * One fresh, migrated database per test file. It is dropped when every test of the file
 * passed, and KEPT when one failed, with its name printed, so the rows that made the test
 * fail can be inspected with psql.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, inject, type RunnerTask } from 'vitest';
import { migrateDatabase } from '../../src/db/database.js';

export interface TestDatabase {
  /** Set once the file's `beforeAll` ran. */
  readonly name: string;
  readonly url: string;
}

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('postgresUrl'), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function newDatabaseName(prefix = 'l01_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Creates database `name` and applies every migration (as `npm start` does). */
export async function createDatabase(name = newDatabaseName()): Promise<TestDatabase> {
  const url = databaseUrl(name);
  await migrateDatabase(url);
  return { name, url };
}

export async function dropDatabase(name: string): Promise<void> {
  // FORCE: a pool that was not closed (a test that failed half-way) must not keep it alive.
  await onServer((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

function anyFailed(task: RunnerTask): boolean {
  if (task.result?.state === 'fail') return true;
  return 'tasks' in task ? task.tasks.some(anyFailed) : false;
}

/**
 * Registers the file's database hooks; call it at the top level of a test file. The
 * returned object is filled in by `beforeAll`.
 */
export function useTestDatabase(): TestDatabase {
  const state = { name: '', url: '' };
  let failed = false;
  beforeAll(async () => {
    // Named before it exists, so a failed migration still reports (and keeps) it.
    state.name = newDatabaseName();
    state.url = databaseUrl(state.name);
    await createDatabase(state.name);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(async ({}, suite) => {
    if (!state.name) return;
    if (failed || anyFailed(suite)) {
      process.stderr.write(`\nkept test database ${state.name} for inspection: psql '${state.url}'\n`);
      return;
    }
    await dropDatabase(state.name);
  });
  return state;
}
