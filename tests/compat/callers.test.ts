/**
 * The original service's callers (ORIGINAL-L01-API.md section 5) against this service: one
 * `it` per caller call, in order (they share state), then a summary line. A failing case is a
 * caller that would not work; the summary says how many of all calls, and of the calls the
 * original served, are answered as their callers expect.
 *
 * The same cases run against a live server: `node --import tsx bench/compat-callers.ts`.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { ALL_CASES } from './cases/index.js';
import { CompatContext, injectSend, runCase, summaryLine, type CaseResult } from './support/harness.js';

/** A 40-character key; the compatibility surface reads L01_API_KEYS as the original did. */
const KEY = randomBytes(20).toString('hex');
const t = useTestApp({ L01_API_KEYS: KEY });

describe.sequential('original callers', () => {
  let ctx: CompatContext | undefined;
  const context = () => (ctx ??= new CompatContext({ send: injectSend(() => t.app), key: KEY }));
  const results: CaseResult[] = [];

  const unreachable = ALL_CASES.filter((c) => c.unreachable !== undefined);
  for (const c of ALL_CASES) {
    if (c.unreachable !== undefined) {
      it.skip(`[${c.section}] ${c.id} (${c.source}): never reaches a server: ${c.unreachable}`, () => {});
      continue;
    }
    it(`[${c.section}] ${c.id} (${c.source})${c.originalWorked ? '' : ' [failed on the original]'}`, async () => {
      const result = await runCase(c, context());
      results.push(result);
      if (!result.passed) throw result.cause instanceof Error ? result.cause : new Error(result.error);
    });
  }

  it('summary', () => {
    console.log(summaryLine(results, unreachable));
    expect(results).toHaveLength(ALL_CASES.length - unreachable.length);
  });
});
