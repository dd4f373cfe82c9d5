/**
 * Fault: the relay's completion of a batch (DELETE of its outbox rows + checkpoint) fails
 * while the next batch is being published — what a Postgres restart does at that moment.
 * A trigger on the outbox makes the first DELETEs fail, deterministically, on the real
 * worker process. The failure must reach the relay's loop (back off, claim again), never
 * an unhandled rejection that closes the process: the worker keeps its pid, and every
 * event reaches the stream exactly once.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { globalStream } from '../src/wire/names.js';
import { useTestApp } from './helpers/app.js';
import { deleteKeys, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

const prefix = testPrefix('completion_fails');
const t = useTestApp({ L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix });
const FAILURES = 3;
const EVENTS = 1500;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  await t.db.query(`CREATE SEQUENCE outbox_delete_attempts`);
  await t.db.query(`
    CREATE FUNCTION fail_first_outbox_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- nextval is not rolled back with the failing statement: it counts every attempt.
      IF nextval('outbox_delete_attempts') <= ${FAILURES} THEN RAISE EXCEPTION 'injected: completing the batch failed'; END IF;
      RETURN NULL;
    END $$`);
  await t.db.query(`CREATE TRIGGER fail_first_outbox_deletes BEFORE DELETE ON outbox FOR EACH STATEMENT EXECUTE FUNCTION fail_first_outbox_deletes()`);
  // A backlog of many batches, so completions run while later batches publish.
  await t.db.query(`
    WITH a AS (
      INSERT INTO agents (name, agent_type) SELECT 'a' || n, 'fault' FROM generate_series(1, ${EVENTS}) AS n RETURNING *
    ), ev AS (
      INSERT INTO events (event_type, entity_type, entity_id, entity_version, payload)
      SELECT 'agent_created', 'agent', a.id, 1, to_jsonb(a) FROM a ORDER BY a.name RETURNING transaction_id, position, id, entity_id
    )
    INSERT INTO outbox (transaction_id, position, event_id, entity_type, event_type, shard)
    SELECT transaction_id, position, id, 'agent', 'agent_created', l01_shard(entity_id) FROM ev`);
});
afterAll(async () => {
  await worker?.stop();
  if (t.redis) await deleteKeys(t.redis, prefix);
});

it('a completion that fails while the next batch publishes is retried by the relay; the worker lives on', async () => {
  worker = await startWorker({
    DATABASE_URL: t.database.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix,
    L01_WORKER_METRICS_PORT: '0', L01_RELAY_BATCH_SIZE: '50', L01_RELAY_LINGER_MS: '0',
  });
  const outbox = async () => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
  await waitFor(async () => (await outbox()) === 0 || worker!.exitCode() !== null, 60_000, 'the backlog to drain');

  const failures = worker.output.filter((l) => l.includes('relay step failed'));
  const crashed = worker.output.filter((l) => /closing after an error|PromiseRejectionHandledWarning|Unhandled/i.test(l));
  const entries = await t.redis.xlen(globalStream({ prefix }));
  const { rows } = await t.db.query<{ n: string }>(`SELECT last_value AS n FROM outbox_delete_attempts`);
  console.log(`[completion fails] ${rows[0]!.n} completion attempts, ${failures.length} relay steps failed and retried, ${entries} stream entries for ${EVENTS} events, worker exit code ${worker.exitCode()}`);
  expect(crashed, crashed.join('\n')).toEqual([]);
  expect(worker.exitCode()).toBeNull();
  expect(failures.length).toBeGreaterThanOrEqual(1);
  expect(await outbox()).toBe(0);
  expect(entries).toBe(EVENTS); // ids are unique in a stream: exactly once
});
