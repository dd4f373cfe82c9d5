/**
 * The admin pages without a browser (app.inject, real PostgreSQL and Redis): how a browser
 * signs in without a token in the URL, what the guard refuses, the dead-letter page and its
 * Retry/Discard actions, escaping, and the read-only queue board.
 * The Chromium test is dashboard.browser.test.ts.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { keyStore, sessions } from '../src/api/auth/index.js';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createPublishQueue } from '../src/workers/queue.js';
import { claimBatch, deadLetter } from '../src/outbox/sql.js';
import { ZERO_ENTRY } from '../src/wire/entry-id.js';
import { useTestApp } from './helpers/app.js';
import { deleteKeys, testPrefix, waitFor } from './metrics.support.js';

const userKey = 'dashboard-test-user-key-0123456789abcdef';
const adminKey = 'dashboard-test-admin-key-0123456789abcdef';
const prefix = testPrefix('dashboard');
const t = useTestApp({ L01_API_KEY: userKey, L01_ADMIN_API_KEY: adminKey, L01_REDIS_PREFIX: prefix });
const form = { 'content-type': 'application/x-www-form-urlencoded' };
let cookie: string;

/** Writes agents and dead-letters them as the relay does after the last attempt; returns their event ids. */
async function deadLetters(errors: string[]): Promise<string[]> {
  for (const [i] of errors.entries()) {
    const res = await t.app.inject({ method: 'POST', url: '/api/agents', headers: { authorization: `Bearer ${userKey}` }, payload: { name: `dl-${i}`, agent_type: 'dashboard' } });
    expect(res.statusCode).toBe(201);
  }
  // Rows become claimable once every older transaction on the server has ended (other test files run too).
  const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
  const batch = await waitFor(async () => {
    const b = await claimBatch(t.db, 1000, ZERO_ENTRY);
    return b.length === Number(rows[0]!.n) && b;
  }, 20_000, 'the outbox rows to be claimable');
  const mine = batch.slice(-errors.length);
  for (const [i, e] of mine.entries()) await deadLetter(t.db, e, 8, errors[i]!);
  await t.db.query('DELETE FROM outbox'); // the rest, as if published
  return mine.map((e) => e.event_id);
}

const login = (token: string, next?: string) =>
  t.app.inject({ method: 'POST', url: '/admin/login', headers: form, payload: new URLSearchParams({ token, ...(next ? { next } : {}) }).toString() });
const page = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie, ...headers } });
const post = (url: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, headers: { cookie, 'sec-fetch-site': 'same-origin', ...form, ...headers }, payload: '' });
const statusOf = async (id: string) => (await t.db.query<{ status: string }>('SELECT status FROM dead_letters WHERE event_id = $1', [id])).rows[0]?.status;

beforeAll(async () => {
  const res = await login(adminKey);
  cookie = String(res.headers['set-cookie']).split(';')[0]!;
});

describe('signing in (no token in any URL)', () => {
  it('a browser without a session is sent to the login page; a script gets 401', async () => {
    const html = await t.app.inject({ method: 'GET', url: '/admin/dead-letters?status=dead', headers: { accept: 'text/html' } });
    expect(html.statusCode).toBe(303);
    expect(html.headers.location).toBe('/admin/login?next=%2Fadmin%2Fdead-letters%3Fstatus%3Ddead');
    const api = await t.app.inject({ method: 'GET', url: '/admin/dead-letters' });
    expect(api.statusCode).toBe(401);
    expect(api.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('the login page is a form posting the token in the body, under a strict CSP', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/login?next=/admin/queues' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<form method="post" action="\/admin\/login">/);
    expect(res.body).toContain('type="password" name="token"');
    expect(res.body).toContain('value="/admin/queues"');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('the admin token gets a short-lived HttpOnly SameSite=Strict cookie scoped to /admin', async () => {
    const res = await login(adminKey, '/admin/queues');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/queues');
    const set = String(res.headers['set-cookie']);
    // <key id>.<expires ms>.<HMAC-SHA256, base64 without padding: 43 characters> (URL-encoded)
    const [, expires, signature] = /^l01_admin=[0-9a-f]{12}\.(\d+)\.([^;]+); /.exec(set) ?? [];
    expect(Number(expires) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(decodeURIComponent(signature ?? '')).toMatch(/^[A-Za-z0-9+/]{43}$/);
    expect(set).toContain('Path=/admin');
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Max-Age=900');
    expect(set).not.toContain(adminKey);
  });

  it('a user token or a wrong one is refused; the page is shown again', async () => {
    for (const token of [userKey, 'wrong', '']) {
      const res = await login(token);
      expect(res.statusCode).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body).toContain('That is not an admin token.');
    }
  });

  it('never redirects off /admin after login (no open redirect)', async () => {
    for (const next of ['https://evil.example/', '//evil.example/admin/', '/api/agents', '/admin//evil.example', '/admin\\x']) {
      expect((await login(adminKey, next)).headers.location, next).toBe('/admin/overview');
    }
  });

  it('refuses a tampered, expired or foreign session cookie', async () => {
    const [name, value] = cookie.split('=') as [string, string];
    const tampered = `${name}=${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
    const expired = `${name}=${sessions(keyStore([{ token: adminKey, scope: 'admin' }])).issue(adminKey, Date.now() - 16 * 60_000)}`;
    const foreign = `${name}=${sessions(keyStore([{ token: 'another-admin-key-0123456789abcdef', scope: 'admin' }])).issue('another-admin-key-0123456789abcdef')}`;
    for (const c of [tampered, expired, foreign, `${name}=`]) {
      expect((await page('/admin/dead-letters', { cookie: c })).statusCode, c).toBe(303);
    }
  });

  it('the Authorization header works too (admin scope only)', async () => {
    const admin = await t.app.inject({ method: 'GET', url: '/admin/dead-letters', headers: { authorization: `Bearer ${adminKey}` } });
    expect(admin.statusCode).toBe(200);
    const user = await t.app.inject({ method: 'GET', url: '/admin/dead-letters', headers: { authorization: `Bearer ${userKey}` } });
    expect(user.statusCode).toBe(403);
  });

  it('logout clears the cookie', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie } });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/^l01_admin=; .*Max-Age=0/);
  });
});

describe('the dead-letter page', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = await deadLetters(['message of 9000 bytes exceeds L01_MAX_MESSAGE_BYTES (4096)', '<script>alert("x")</script> & more', 'stream conflict']);
  });

  it('lists dead letters with event id, type, attempts and last error, escaped', async () => {
    const res = await page('/admin/dead-letters');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const id of ids) expect(res.body).toContain(`data-event-id="${id}"`);
    expect(res.body).toContain('agent_created');
    expect(res.body).toContain('exceeds L01_MAX_MESSAGE_BYTES (4096)');
    expect(res.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(res.body).not.toContain('<script>alert');
    expect(res.body.match(/data-action="retry"/g)).toHaveLength(3);
  });

  it('Retry puts the event back in the outbox (status retrying)', async () => {
    const res = await post(`/admin/dead-letters/${ids[0]}/retry`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/dead-letters?done=retried&n=1');
    expect(await statusOf(ids[0]!)).toBe('retrying');
    const { rows } = await t.db.query('SELECT requeued FROM outbox WHERE event_id = $1', [ids[0]]);
    expect(rows).toEqual([{ requeued: true }]);
    const after = await page(res.headers.location as string);
    expect(after.body).toContain('1 dead letter put back in the outbox');
    expect(after.body).not.toContain(`data-event-id="${ids[0]}"`);
    expect((await page('/admin/dead-letters?status=retrying')).body).toContain(`data-event-id="${ids[0]}"`);
  });

  it('Discard keeps it as discarded; a second click changes nothing', async () => {
    expect((await post(`/admin/dead-letters/${ids[1]}/discard`)).headers.location).toBe('/admin/dead-letters?done=discarded&n=1');
    expect(await statusOf(ids[1]!)).toBe('discarded');
    expect((await post(`/admin/dead-letters/${ids[1]}/discard`)).headers.location).toBe('/admin/dead-letters?done=unchanged&n=1');
    expect((await post(`/admin/dead-letters/${ids[1]}/retry`)).headers.location).toBe('/admin/dead-letters?done=unchanged&n=0');
    expect(await statusOf(ids[1]!)).toBe('discarded');
  });

  it('refuses a cross-site post made with the cookie, and unknown ids', async () => {
    const res = await post(`/admin/dead-letters/${ids[2]}/retry`, { 'sec-fetch-site': 'cross-site' });
    expect(res.statusCode).toBe(403);
    expect(await statusOf(ids[2]!)).toBe('dead');
    expect((await post('/admin/dead-letters/00000000-0000-4000-8000-000000000000/retry')).statusCode).toBe(404);
    expect((await post('/admin/dead-letters/not-a-uuid/discard')).statusCode).toBe(404);
  });

  it('shows one dead letter with its event', async () => {
    const res = await page(`/admin/dead-letters/${ids[2]}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('&quot;name&quot;: &quot;dl-2&quot;');
    expect(res.body).toContain('data-action="discard"');
  });

  it('Retry all requeues every dead one', async () => {
    expect((await post('/admin/dead-letters/retry-all')).headers.location).toBe('/admin/dead-letters?done=retried&n=1');
    expect(await statusOf(ids[2]!)).toBe('retrying');
    expect((await page('/admin/dead-letters')).body).toContain('No dead letters with status dead.');
  });
});

describe('the queue board (/admin/queues)', () => {
  const queue = createPublishQueue(loadConfig({ NODE_ENV: 'test', REDIS_URL: inject('redisUrl'), L01_REDIS_PREFIX: prefix }));
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', L01_ADMIN_API_KEY: adminKey, L01_REDIS_PREFIX: prefix });
    app = await buildApp({ config, db: t.db, redis: t.redis, logger: pino({ level: 'silent' }), publishQueues: [queue] });
  });
  afterAll(async () => {
    await app?.close();
    await queue.close();
    await deleteKeys(t.redis, prefix);
  });
  const admin = { authorization: `Bearer ${adminKey}` };

  it('serves Bull Board behind the same guard', async () => {
    expect((await app.inject({ method: 'GET', url: '/admin/queues', headers: { accept: 'text/html' } })).statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: '/admin/queues/api/queues' })).statusCode).toBe(401);
    const res = await app.inject({ method: 'GET', url: '/admin/queues', headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('__UI_CONFIG__');
    const css = /href="(static\/css\/[^"]+)"/.exec(res.body)![1];
    expect((await app.inject({ method: 'GET', url: `/admin/queues/${css}`, headers: admin })).statusCode).toBe(200);
  });

  it('shows the publish queue, read-only', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/queues/api/queues?activeQueue=publish&status=failed', headers: admin });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(body.queues.map((q) => q.name)).toContain('publish');
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  it('none of the admin routes is in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/admin') || p === '/metrics')).toEqual([]);
  });

  it('in production the session cookie is Secure', async () => {
    const strong = 'dashboard-production-admin-key-0123456789';
    const prod = await buildApp({ config: loadConfig({ NODE_ENV: 'production', L01_ADMIN_API_KEY: strong }), db: t.db, redis: t.redis, logger: pino({ level: 'silent' }) });
    const res = await prod.inject({ method: 'POST', url: '/admin/login', headers: form, payload: `token=${strong}` });
    expect(String(res.headers['set-cookie'])).toContain('; Secure');
    await prod.close();
  });
});
