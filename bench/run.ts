/**
 * `npm run bench [-- --short]`: runs the benchmarks against the real service processes
 * on this machine's PostgreSQL and Redis, each beside its baseline, then prints and
 * writes the summary (bench/results/latest.json, bench/RESULTS.md).
 *
 * Exit code: 0 when every benchmark ran (a missed target is a finding, not a failure),
 * 1 when one could not run, 2 for a bad command line.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { latency } from './latency.js';
import type { RunContext } from './lib/context.js';
import { cleanupAll, cleanupOnSignals } from './lib/cleanup.js';
import { BENCHES, parseOptions, type BenchName, type Options } from './lib/options.js';
import { progress } from './lib/progress.js';
import { saveBench, summaryTable, type BenchResult } from './lib/report.js';
import { RssSampler } from './lib/rss.js';
import { describeMachine, writeLatest, writeResultsMd, type Run } from './lib/summary.js';
import { textTable } from './lib/table.js';
import { memory } from './memory.js';
import { partitions } from './partitions.js';
import { reads } from './reads.js';
import { relayDrain } from './relay-drain.js';
import { writePath } from './write-path.js';

const RUNNERS: Record<BenchName, { title: string; run: (ctx: RunContext) => Promise<BenchResult> }> = {
  write: { title: 'write path', run: writePath },
  latency: { title: 'end-to-end latency', run: latency },
  drain: { title: 'relay drain', run: relayDrain },
  partitions: { title: 'relay partitions', run: partitions },
  reads: { title: 'reads, small vs large event log', run: reads },
  memory: { title: 'memory', run: memory },
};

function runId(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}_${process.pid}`;
}

function requireTools(): void {
  for (const tool of ['pgbench', 'redis-benchmark']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error) {
      throw new Error(`${tool} not found on PATH (Debian: apt-get install ${tool === 'pgbench' ? 'postgresql-contrib or postgresql-client' : 'redis-tools'})`);
    }
  }
}

function parse(): Options {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<number> {
  const opts = parse();
  requireTools();
  cleanupOnSignals((signal) => {
    progress.done();
    process.stderr.write(`\n${signal}: stopping the service processes and dropping this run's databases…\n`);
  });
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  const machine = await describeMachine(opts, redis);
  redis.disconnect();
  const ctx: RunContext = { opts, runId: runId(), rss: new RssSampler() };
  const started = performance.now();
  const names = BENCHES.filter((b) => opts.only.has(b));
  const run: Run = {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    mode: opts.short ? 'short' : 'full',
    machine,
    seconds: 0,
    results: [],
    failures: [],
  };
  process.stdout.write(`L01 benchmarks, ${run.mode} mode: ${machine.cores} cores, ${machine.ramGiB} GiB, load ${machine.loadAverageAtStart.join(' ')}; run ${ctx.runId}\n`);
  if (machine.loadAverageAtStart[0]! > 1) {
    process.stdout.write(`note: the machine is busy (load ${machine.loadAverageAtStart[0]}): absolute figures will be noisy; the ratios to baselines of the same run less so\n`);
  }
  try {
    for (const [i, name] of names.entries()) {
      progress.bench(`[${i + 1}/${names.length}] ${RUNNERS[name].title}`);
      try {
        const result = await RUNNERS[name].run(ctx);
        run.results.push(result);
        await saveBench(result, { date: run.date, mode: run.mode, machine });
        progress.print(textTable(result.title, result.table) + result.notes.map((n) => `note: ${n}\n`).join(''));
      } catch (err) {
        const error = (err as Error).stack ?? String(err);
        run.failures.push({ bench: name, error: (err as Error).message });
        progress.print(`\n${name} FAILED: ${error}\n`);
      }
    }
  } finally {
    progress.done();
    ctx.rss.stop();
    await cleanupAll();
  }
  run.seconds = (performance.now() - started) / 1000;
  machine.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
  const figures = run.results.flatMap((r) => r.figures);
  process.stdout.write(textTable(`Summary (${run.mode} mode, ${Math.round(run.seconds)} s)`, summaryTable(figures)));
  writeLatest(run);
  writeResultsMd(run);
  process.stdout.write('wrote bench/results/latest.json, bench/RESULTS.md and bench/results/*.{json,svg}\n');
  return run.failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    progress.done();
    process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
    await cleanupAll();
    process.exit(1);
  },
);
