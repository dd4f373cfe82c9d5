/**
 * The compatibility cases of `tests/compat` against a running server:
 *
 *   node --import tsx bench/compat-callers.ts [baseUrl] [apiKey]
 *
 * (defaults http://127.0.0.1:8001 and test_token_123). Prints one line per failing caller call
 * and the summary line; exits 0 whatever the result (it is a measurement, not a gate).
 */
import { ALL_CASES } from '../tests/compat/cases/index.js';
import { CompatContext, fetchSend, runCases, summaryLine } from '../tests/compat/support/harness.js';

const [baseUrl = 'http://127.0.0.1:8001', apiKey = 'test_token_123'] = process.argv.slice(2);

const ctx = new CompatContext({ send: fetchSend(baseUrl), key: apiKey });
const unreachable = ALL_CASES.filter((c) => c.unreachable !== undefined);
const results = await runCases(ALL_CASES.filter((c) => c.unreachable === undefined), ctx);
for (const r of results) {
  if (!r.passed) console.log(`FAIL ${r.id}${r.originalWorked ? '' : ' (failed on the original)'}: ${r.error ?? 'failed'}`);
}
console.log(summaryLine(results, unreachable));
process.exitCode = 0;
