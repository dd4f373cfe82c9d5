/**
 * The body budget's queue: a body that does not fit waits for room, unread, instead of being
 * refused at once (and drained by Node, which is what made an API flooded with 1 MiB bodies
 * pass its memory bound: tests/hardening/body-flood). The accounting alone with fake
 * timers, then through the app on a real socket.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBodyBudget, WAIT_MS } from '../src/api/plugins/body-budget.js';
import { rawClient, send } from './hardening/support/raw-http.js';
import { useTestApp } from './helpers/app.js';

const KiB = 1024;
const req = () => ({}) as IncomingMessage;

describe('the accounting', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('admits a body that fits at once, and one that does not once room is released', async () => {
    const b = createBodyBudget(100 * KiB);
    const [a, c] = [req(), req()];
    // When it fits, the answer is synchronous: no promise, no tick, on every request's path.
    expect(b.admit(a, 80 * KiB, 1000)).toBe(true);
    let admitted: boolean | undefined;
    void Promise.resolve(b.admit(c, 40 * KiB, 1000)).then((x) => (admitted = x));
    await Promise.resolve();
    expect(admitted).toBeUndefined();
    expect(b.waiting).toBe(1);
    b.release(a);
    await Promise.resolve();
    expect(admitted).toBe(true);
    expect(b.used).toBe(40 * KiB);
    expect(b.waiting).toBe(0);
  });

  it('refuses a waiting body after the wait, and frees its place', async () => {
    vi.useFakeTimers();
    const b = createBodyBudget(100 * KiB);
    expect(await b.admit(req(), 80 * KiB, 1000)).toBe(true);
    const waited = b.admit(req(), 40 * KiB, 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(b.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await waited).toBe(false);
    expect(b.waiting).toBe(0);
    expect(b.used).toBe(80 * KiB);
  });

  it('queues no more than one budget of what waiting requests hold (64 KiB of read-ahead each)', async () => {
    const b = createBodyBudget(256 * KiB);
    const holder = req();
    expect(await b.admit(holder, 256 * KiB, 1000)).toBe(true);
    const settled: boolean[] = [];
    for (let i = 0; i < 4; i++) void Promise.resolve(b.admit(req(), 1024 * KiB, 1000)).then((x) => settled.push(x));
    expect(b.waiting).toBe(4);
    expect(await b.admit(req(), 1024 * KiB, 1000)).toBe(false);
    // Each body is bigger than the budget: the first goes once it is alone, the others still wait.
    b.release(holder);
    await Promise.resolve();
    expect(settled).toEqual([true]);
    expect(b.waiting).toBe(3);
  });

  it('lets a small body that fits pass the big ones waiting before it', async () => {
    const b = createBodyBudget(100 * KiB);
    const first = req();
    expect(await b.admit(first, 60 * KiB, 1000)).toBe(true);
    let big: boolean | undefined;
    void Promise.resolve(b.admit(req(), 60 * KiB, 1000)).then((x) => (big = x));
    expect(await b.admit(req(), 10 * KiB, 1000)).toBe(true);
    b.release(first);
    await Promise.resolve();
    expect(big).toBe(true);
  });

  it('takes a waiting request out of the queue when its connection closes', async () => {
    const b = createBodyBudget(100 * KiB);
    const [a, c] = [req(), req()];
    expect(await b.admit(a, 100 * KiB, 1000)).toBe(true);
    const waited = b.admit(c, 100 * KiB, 1000);
    b.release(c);
    expect(await waited).toBe(false);
    expect(b.waiting).toBe(0);
    b.release(a);
    expect(b.used).toBe(0);
  });

  it('a request alone always fits, whatever its size', async () => {
    const b = createBodyBudget(100 * KiB);
    const a = req();
    expect(await b.admit(a, 900 * KiB, 1000)).toBe(true);
    expect(await b.grow(a, 5000 * KiB, 1000)).toBe(true);
    expect(b.used).toBe(5900 * KiB);
  });

  it('a parse that does not fit waits; bodies arriving meanwhile wait behind it, unread', async () => {
    const b = createBodyBudget(100 * KiB);
    const [a, c, d] = [req(), req(), req()];
    expect(await b.admit(a, 30 * KiB, 1000)).toBe(true);
    expect(await b.admit(c, 30 * KiB, 1000)).toBe(true);
    let grown: boolean | undefined;
    void Promise.resolve(b.grow(c, 500 * KiB, 1000)).then((x) => (grown = x));
    // Room for 40 KiB more, but a request waits to grow: d waits too.
    let admitted: boolean | undefined;
    void Promise.resolve(b.admit(d, 10 * KiB, 1000)).then((x) => (admitted = x));
    await Promise.resolve();
    expect([grown, admitted]).toEqual([undefined, undefined]);
    b.release(a);
    await Promise.resolve();
    expect(grown).toBe(true);
    expect(admitted).toBeUndefined();
    b.release(c);
    await Promise.resolve();
    expect(admitted).toBe(true);
  });

  it('requests that all wait to grow go one at a time, in arrival order (no deadlock)', async () => {
    const b = createBodyBudget(100 * KiB);
    const rs = [req(), req(), req()];
    for (const r of rs) expect(await b.admit(r, 30 * KiB, 1000)).toBe(true);
    const order: number[] = [];
    const g0 = Promise.resolve(b.grow(rs[0]!, 500 * KiB, 1000)).then((x) => x && order.push(0));
    const g1 = Promise.resolve(b.grow(rs[1]!, 500 * KiB, 1000)).then((x) => x && order.push(1));
    // The last one finds every other holder waiting to grow: it goes at once.
    expect(await b.grow(rs[2]!, 500 * KiB, 1000)).toBe(true);
    b.release(rs[2]!);
    await g0;
    expect(order).toEqual([0]);
    b.release(rs[0]!);
    await g1;
    expect(order).toEqual([0, 1]);
  });
});

describe('through the app', () => {
  const BUDGET = 64 * KiB;
  const t = useTestApp({ L01_INFLIGHT_BODY_BYTES: String(BUDGET)});
  let port = 0;
  const headers = { authorization: 'Bearer test_token_123', 'content-type': 'application/json' };
  const agent = (n: string, pad = 0) => JSON.stringify({ name: n, agent_type: 'budget', configuration: { pad: 'x'.repeat(pad) } });

  beforeAll(async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await t.app.close();
  });

  /** A connection that declares a body filling the whole budget and sends only its start. */
  function holder() {
    const c = rawClient(port);
    c.socket.write(`POST /api/agents HTTP/1.1\r\nHost: l01\r\nAuthorization: ${headers.authorization}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${BUDGET}\r\n\r\n{"name":"held","agent_type":"budget","configuration":{"s":"`);
    return c;
  }

  async function untilHeld() {
    for (let i = 0; i < 200 && t.app.bodyBudget.used < BUDGET; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.app.bodyBudget.used).toBe(BUDGET);
  }

  it('a body arriving while the budget is full is written once room frees, not refused', async () => {
    const c = holder();
    await untilHeld();
    const waiting = send(undefined, port, 'POST', '/api/agents', agent('waited', 1000), headers);
    await new Promise((r) => setTimeout(r, 100));
    c.socket.destroy();
    const o = await waiting;
    expect(o.status, o.body).toBe(201);
  });

  it('one that waits longer than the wait is 503 with Retry-After, and bodies are written again once room frees', async () => {
    const c = holder();
    await untilHeld();
    const t0 = Date.now();
    const o = await send(undefined, port, 'POST', '/api/agents', agent('refused', 1000), headers);
    expect(o.status).toBe(503);
    expect(o.retryAfter).toBe('1');
    expect(o.contentType).toMatch(/^application\/problem\+json/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(WAIT_MS - 50);
    c.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const after = await send(undefined, port, 'POST', '/api/agents', agent('after', 10), headers);
    expect(after.status).toBe(201);
  });
});
