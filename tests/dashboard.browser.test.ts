/**
 * The dashboard in a real browser: Debian's Chromium, driven by playwright-core, against
 * the API listening on a real port and the real worker process. An event too large for
 * L01_MAX_MESSAGE_BYTES is dead-lettered by the relay; the operator logs in with the admin
 * token, sees it on /admin/dead-letters, looks at the queue board, clicks Retry, and a
 * worker with a normal limit publishes it (marked replayed). Then the overview: the relay
 * partition's leader and the streams with a consumer group, updating live as events are
 * written and when the relay stops.
 *
 * Screenshots go to tests/artifacts/ (gitignored). Skipped, saying so, where
 * /usr/bin/chromium is absent.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { createPublishQueue } from '../src/workers/queue.js';
import { globalStream } from '../src/wire/names.js';
import { createRedis } from '../src/redis.js';
import { useTestDatabase } from './helpers/database.js';
import { deleteKeys, startWorker, testPrefix, waitFor, type WorkerProcess } from './metrics.support.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  process.stderr.write(`\nSKIPPED dashboard browser test: ${CHROMIUM} not found (apt-get install -y chromium)\n`);
}
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const adminKey = 'dashboard-browser-admin-key-0123456789abcdef';

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  const database = useTestDatabase();
  const prefix = testPrefix('dashboard_browser');
  const logger = pino({ level: 'silent' });
  const cleanups: Array<() => Promise<unknown>> = [];
  let base: string;
  let db: ReturnType<typeof createPool>;
  let redis: ReturnType<typeof createRedis>;
  const workerEnv = () => ({
    DATABASE_URL: database.url, REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix,
    L01_WORKER_METRICS_PORT: '0', L01_RELAY_MAX_ATTEMPTS: '2', L01_RELAY_BACKOFF_MS: '10',
  });

  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, REDIS_URL: inject('redisUrl'), L01_ADMIN_API_KEY: adminKey, L01_REDIS_PREFIX: prefix, L01_CHANNEL_PREFIX: prefix });
    db = createPool({ url: database.url, size: 4, timeoutMs: 10_000, name: 'l01-test-dashboard' }, logger);
    redis = createRedis(config.REDIS_URL, logger, 'l01-test-dashboard', { lazyConnect: false });
    const publishQueue = createPublishQueue(config);
    const app = await buildApp({ config, db, redis, logger, publishQueues: [publishQueue] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    cleanups.push(() => app.close(), () => publishQueue.close(), () => db.end(), () => deleteKeys(redis, prefix).finally(() => redis.disconnect()));
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  const post = (payload: unknown) =>
    fetch(`${base}/api/agents`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  const deadLetter = async (id: string) =>
    (await db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM dead_letters WHERE event_id = $1', [id])).rows[0];

  it('lists a dead-lettered event, and its Retry button gets it published', { timeout: 180_000 }, async () => {
    // 1. The relay dead-letters an event too big for the worker's L01_MAX_MESSAGE_BYTES.
    expect((await post({ name: 'fits', agent_type: 'dashboard' })).status).toBe(201);
    const big = await post({ name: 'too big', agent_type: 'dashboard', configuration: { blob: 'x'.repeat(5000) } });
    expect(big.status).toBe(201);
    const agentId = ((await big.json()) as { id: string }).id;
    const { rows } = await db.query<{ id: string }>('SELECT id FROM events WHERE entity_id = $1', [agentId]);
    const eventId = rows[0]!.id;
    let worker: WorkerProcess = await startWorker({ ...workerEnv(), L01_MAX_MESSAGE_BYTES: '2048' });
    try {
      await waitFor(async () => (await deadLetter(eventId))?.status === 'dead', 30_000, 'the relay to dead-letter the big event');
    } finally {
      await worker.stop();
    }

    const { context, page, close } = await openBrowser();
    try {

      // 2. No session: the page sends the browser to the login form; the token goes in the form body.
      await page.goto(`${base}/admin/dead-letters`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.fill('input[name=token]', adminKey);
      await Promise.all([page.waitForURL(`${base}/admin/dead-letters`), page.click('button[type=submit]')]);
      const cookies = await context.cookies(`${base}/admin/dead-letters`);
      expect(cookies.find((c) => c.name === 'l01_admin')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });

      // 3. The dead letter is listed with its type, attempts and reason.
      const row = page.locator(`tr[data-event-id="${eventId}"]`);
      await expect.poll(() => row.count()).toBe(1);
      const text = await row.innerText();
      expect(text).toContain('agent_created');
      expect(text).toMatch(/exceeds L01_MAX_MESSAGE_BYTES \(2048\)/);
      expect(text).toContain('dead');
      expect(await row.locator('td').nth(3).innerText()).toBe(String((await deadLetter(eventId))!.attempts));
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-dead-letters.png'), fullPage: true });

      // 4. The queue board renders the publish queue (the failed batch is in its failed set).
      await page.goto(`${base}/admin/queues/queue/publish?status=failed`);
      await page.getByText('publish', { exact: true }).first().waitFor({ timeout: 20_000 });
      await page.getByText(/exceeds L01_MAX_MESSAGE_BYTES/).first().waitFor({ timeout: 20_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-queues.png'), fullPage: true });

      // 5. Retry: the row goes back to the outbox, status retrying.
      await page.goto(`${base}/admin/dead-letters`);
      await Promise.all([page.waitForURL(/done=retried/), row.locator('button[data-action=retry]').click()]);
      expect(await page.locator('.notice').innerText()).toContain('1 dead letter put back in the outbox');
      expect(await row.count()).toBe(0);
      expect((await deadLetter(eventId))!.status).toBe('retrying');
      const requeued = await db.query('SELECT requeued FROM outbox WHERE event_id = $1', [eventId]);
      expect(requeued.rows).toEqual([{ requeued: true }]);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-after-retry.png'), fullPage: true });

      // 6. A worker with the normal limit publishes it, marked replayed; the page says published.
      worker = await startWorker(workerEnv());
      try {
        await waitFor(async () => (await deadLetter(eventId))?.status === 'published', 30_000, 'the retried event to be published');
      } finally {
        await worker.stop();
      }
      const entries = await redis.xrange(globalStream({ prefix, channelPrefix: prefix }), '-', '+');
      const published = entries.map(([, f]) => JSON.parse(f[f.indexOf('data') + 1]!) as { event_id: string; replayed: boolean }).filter((m) => m.event_id === eventId);
      expect(published).toEqual([expect.objectContaining({ event_id: eventId, replayed: true })]);
      await page.goto(`${base}/admin/dead-letters?status=published`);
      expect(await row.innerText()).toContain('published');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-published.png'), fullPage: true });
    } finally {
      await close();
    }
  });

  it('the overview shows the relay partition and the streams, and follows them live', { timeout: 120_000 }, async () => {
    const global = globalStream({ prefix, channelPrefix: prefix });
    const worker = await startWorker(workerEnv());
    const { page, close } = await openBrowser();
    try {
      // 1. Events published; a consumer group that has read one entry and acknowledged none.
      for (const name of ['overview-1', 'overview-2']) expect((await post({ name, agent_type: 'dashboard' })).status).toBe(201);
      await waitFor(async () => (await db.query('SELECT 1 FROM outbox')).rowCount === 0, 30_000, 'the relay to publish');
      await redis.xgroup('CREATE', global, 'dashboard-readers', '0');
      await redis.xreadgroup('GROUP', 'dashboard-readers', 'reader-1', 'COUNT', 1, 'STREAMS', global, '>');
      const length = await redis.xlen(global);
      const { rows: [leader] } = await db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'l01-relay-leader%'`);

      // 2. Logging in lands on the overview: the partition's leader, the stream and its group.
      await page.goto(`${base}/admin`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.fill('input[name=token]', adminKey);
      await Promise.all([page.waitForURL(`${base}/admin/overview`), page.click('button[type=submit]')]);
      const partition = page.locator('tr[data-partition="0"]');
      expect(await partition.locator('td[data-field=leader]').innerText()).toContain(`pid ${leader!.pid}`);
      expect(await partition.locator('td[data-field=backlog]').innerText()).toBe('0');
      const lengthCell = page.locator(`tr[data-stream="${global}"] td[data-field=length]`);
      const group = page.locator(`tr[data-stream="${global}"][data-group="dashboard-readers"]`);
      expect(await lengthCell.innerText()).toBe(String(length));
      expect(await group.locator('td[data-field=lag]').innerText()).toBe(String(length - 1));
      expect(await group.locator('td[data-field=pending]').innerText()).toBe('1');
      expect(await group.locator('td[data-field=consumers]').innerText()).toContain('reader-1');

      // 3. More events: the page follows without reloading (a value set on the window survives).
      await page.evaluate(() => Object.assign(window, { sameDocument: true }));
      for (const name of ['overview-3', 'overview-4', 'overview-5']) expect((await post({ name, agent_type: 'dashboard' })).status).toBe(201);
      await page.locator(`tr[data-stream="${global}"] td[data-field=length]`, { hasText: new RegExp(`^${length + 3}$`) }).waitFor({ timeout: 30_000 });
      await group.locator('td[data-field=lag]', { hasText: new RegExp(`^${length + 2}$`) }).waitFor({ timeout: 10_000 });
      expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
      expect(await page.locator('#refresh-status').innerText()).toMatch(/^Live: refreshed/);
      expect(await redis.xlen(global)).toBe(length + 3);
      await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });

      // 4. The relay stops: the page says nobody leads, and counts what waits.
      await worker.stop();
      await partition.locator('td[data-field=leader]', { hasText: 'none' }).waitFor({ timeout: 30_000 });
      expect((await post({ name: 'overview-6', agent_type: 'dashboard' })).status).toBe(201);
      await partition.locator('td[data-field=backlog]', { hasText: /^1$/ }).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'overview-no-leader.png'), fullPage: true });
    } finally {
      await close();
      await worker.stop();
    }
  });
});

/** Chromium with a throwaway profile; `close` removes it. */
async function openBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'l01-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1400, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
