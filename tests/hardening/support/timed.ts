/** Timed HTTP calls against a real process, and the small figures the outage tests print. */

export const TOKEN = 'test_token_123';

export interface Timed {
  status: number;
  ms: number;
  contentType: string;
  retryAfter: string | null;
  body: string;
  /** When the request started (ms since epoch). */
  at: number;
}

/** One request; a network error or no answer within `timeoutMs` is status 0 (and counts as a hang). */
export async function timed(baseUrl: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Timed> {
  const at = Date.now();
  const t0 = performance.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, ms: performance.now() - t0, contentType: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), body: text, at };
  } catch (err) {
    return { status: 0, ms: performance.now() - t0, contentType: '', retryAfter: null, body: String((err as Error).message), at };
  }
}

export const agentBody = (n: number | string) => ({ name: `outage ${n}`, agent_type: 'hardening' });

/** Writes and reads at once: creates, a list, a get and an update of `id`. */
export function mixed(baseUrl: string, id: string, n = 4): Promise<Timed[]> {
  return Promise.all([
    ...Array.from({ length: n }, (_, i) => timed(baseUrl, 'POST', '/api/agents', agentBody(`m${i}`))),
    ...Array.from({ length: n }, () => timed(baseUrl, 'GET', '/api/agents?limit=5')),
    ...Array.from({ length: n }, () => timed(baseUrl, 'GET', `/api/agents/${id}`)),
    timed(baseUrl, 'PATCH', `/api/agents/${id}`, { name: 'patched during outage' }),
  ]);
}

/** Polls `probe` every 50 ms until it returns true; resolves with the ms it took. */
export async function until(probe: () => Promise<boolean>, deadlineMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - t0;
    if (performance.now() - t0 > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const summary = (rs: Timed[]) => {
  const by: Record<string, number> = {};
  for (const r of rs) by[r.status] = (by[r.status] ?? 0) + 1;
  return { count: rs.length, byStatus: by, maxMs: Math.round(Math.max(0, ...rs.map((r) => r.ms))) };
};
