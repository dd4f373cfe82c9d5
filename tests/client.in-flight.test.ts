/**
 * The typed client when the connection breaks but the server goes on: its retry (same
 * Idempotency-Key) finds the first attempt still in flight (409), waits and asks again with
 * the same key, and gets the first attempt's answer — the write applied once. Throwing the
 * 409 instead would make the application retry with a new key and apply it twice.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../src/client/index.js';
import { useTestApp } from './helpers/app.js';

// The server closes a connection on which nothing moves for 700 ms: the client's first
// attempt is cut while its request waits for the entity, which the test holds.
const t = useTestApp({ L01_SOCKET_TIMEOUT_MS: '700' });
let base = '';
beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.app.close();
});

describe('a write whose connection broke while the server still works on it', () => {
  it('is answered once it is done, applied once', async () => {
    const l01 = createClient({ baseUrl: base, token: 'test_token_123', attempts: 10, backoffMs: 50 });
    const agent = await l01.entity('agents').create({ name: 'Held', agent_type: 'in-flight' });
    // Hold the entity's write lock (db/write.ts entityLock) for 2.5 s.
    const holder = await t.db.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended('agents:' || $1::uuid::text, 0))`, [agent.id]);
    const released = new Promise<void>((resolve) => setTimeout(() => void holder.query('COMMIT').finally(() => (holder.release(), resolve())), 2500));
    const updated = await l01.entity('agents').update(agent.id, { name: 'Held once' });
    await released;
    expect(updated).toMatchObject({ id: agent.id, name: 'Held once', version: 2 });
    const history = await l01.entity('agents').history(agent.id);
    expect(history.map((e) => e.event_type)).toEqual(['agent_created', 'agent_updated']);
  }, 30_000);
});
