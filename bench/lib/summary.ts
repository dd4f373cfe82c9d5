/**
 * The run as a whole: the machine it ran on, and the files that report it —
 * bench/results/latest.json (every figure and every benchmark's data) and
 * bench/RESULTS.md (the summary table and the plots, for people).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import pg from 'pg';
import type { Options } from './options.js';
import { REPO_ROOT, RESULTS_DIR } from './options.js';
import { summaryTable, svgName, type BenchResult } from './report.js';
import { markdownTable } from './table.js';
import { withDatabase } from './sandbox.js';

export interface Machine {
  cores: number;
  cpu: string;
  ramGiB: number;
  node: string;
  postgres: string;
  redis: string;
  loadAverageAtStart: number[];
  /** Set when the run ends: other work on the machine makes every figure noisier. */
  loadAverageAtEnd?: number[];
  commit: string;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(opts: Options, redis: Redis): Promise<Machine> {
  const client = new pg.Client({ connectionString: withDatabase(opts.pgUrl, 'postgres') });
  await client.connect();
  let postgres: string;
  try {
    postgres = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  } finally {
    await client.end();
  }
  const info = await redis.info('server');
  const dirty = git(['status', '--porcelain', '--', 'src', 'drizzle', 'bench/lib', 'bench/*.ts']) ? ' (with uncommitted changes)' : '';
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    ramGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    postgres,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${dirty}`,
  };
}

export interface Run {
  date: string;
  command: string;
  mode: 'full' | 'short';
  machine: Machine;
  seconds: number;
  results: BenchResult[];
  failures: Array<{ bench: string; error: string }>;
}

export function writeLatest(run: Run): void {
  const json = {
    date: run.date,
    command: run.command,
    mode: run.mode,
    machine: run.machine,
    seconds: run.seconds,
    figures: run.results.flatMap((r) => r.figures),
    failures: run.failures,
    benchmarks: Object.fromEntries(run.results.map((r) => [r.name, { title: r.title, table: r.table, notes: r.notes, data: r.data }])),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
}

export function writeResultsMd(run: Run): void {
  const m = run.machine;
  const figures = run.results.flatMap((r) => r.figures);
  const missed = figures.filter((f) => f.pass === false).length;
  const targets = figures.filter((f) => f.pass !== undefined).length;
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (see bench/run.ts); every baseline ran in the same invocation, on the same machine.',
    '',
    `- Date: ${run.date}`,
    `- Command: \`${run.command}\` (${run.mode} mode, ${Math.round(run.seconds)} s)`,
    `- Machine: ${m.cores} cores (${m.cpu}), ${m.ramGiB} GiB RAM, load average (1/5/15 min) at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd?.join(' / ') ?? '–'}`,
    `- Software: Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}; commit ${m.commit}`,
    `- Targets met: ${targets - missed} of ${targets}`,
    '',
    '## Summary',
    '',
    markdownTable(summaryTable(figures)),
    '',
  ];
  for (const f of run.failures) lines.push(`**${f.bench} failed:** ${f.error}`, '');
  for (const r of run.results) {
    lines.push(`## ${r.title}`, '', markdownTable(r.table), '');
    for (const note of r.notes) lines.push(`> ${note}`, '');
    lines.push(`![${r.name}](results/${svgName(r.name)})`, '');
  }
  writeFileSync(join(RESULTS_DIR, '..', 'RESULTS.md'), lines.join('\n'));
}
