/** What every benchmark receives from the runner. */
import type { Options } from './options.js';
import type { RssSampler } from './rss.js';

export interface RunContext {
  opts: Options;
  /** Names this run's databases and key prefixes: l01_bench_<runId>_<bench>. */
  runId: string;
  rss: RssSampler;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it returns true; false when `timeoutMs` passed first. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** The body of every POST /api/agents the harness sends (and pgbench mirrors). */
export const AGENT_BODY = {
  name: 'bench-agent',
  agent_type: 'worker',
  capabilities: ['search'],
  configuration: { model: 'bench' },
} as const;
