/**
 * 5. Memory: peak resident set (VmRSS, sampled every 200 ms) of the API and of the relay
 * worker while benchmarks 1–3 ran. Baseline: the same process's RSS once it had started
 * and before any load, so the ratio is how much it grew under load.
 */
import type { RunContext } from './lib/context.js';
import { figure, type BenchResult, type Figure } from './lib/report.js';
import type { RssSample } from './lib/rss.js';
import { fmt } from './lib/stats.js';

const TARGET_MB = 200;
const UNDER_LOAD = ['write', 'latency', 'drain'];

export async function memory(ctx: RunContext): Promise<BenchResult> {
  const samples = ctx.rss.samples.filter((s) => UNDER_LOAD.includes(s.bench));
  const notes: string[] = [];
  if (samples.length === 0) notes.push('no samples: run it with write, latency or drain (e.g. --only write,memory)');
  const figures: Figure[] = [];
  const rows: string[][] = [];
  for (const role of ['api', 'worker'] as const) {
    const mine = samples.filter((s) => s.role === role);
    if (mine.length === 0) continue;
    const peak = mine.reduce((a, b) => (b.mb > a.mb ? b : a));
    const idle = mine.find((s) => s.idle) ?? mine[0]!;
    figures.push(figure({
      bench: 'memory', name: `${role === 'api' ? 'API' : 'relay worker'} peak RSS`, value: peak.mb, unit: 'MB',
      baseline: { name: `idle after start (${idle.bench})`, value: idle.mb }, target: { on: 'value', op: '<=', limit: TARGET_MB },
    }));
    for (const bench of UNDER_LOAD) {
      const b = mine.filter((s) => s.bench === bench);
      if (b.length === 0) continue;
      const idleMb = b.find((s) => s.idle)?.mb;
      rows.push([role, bench, fmt(idleMb), fmt(Math.max(...b.map((s) => s.mb))), fmt(b.at(-1)!.mb), String(b.length)]);
    }
  }
  return {
    name: 'memory',
    title: 'Memory: RSS of the API and the relay worker during benchmarks 1–3',
    table: { headers: ['process', 'during', 'idle MB', 'peak MB', 'end MB', 'samples'], rows },
    figures,
    notes,
    data: { targetMb: TARGET_MB, intervalMs: 200, samples: samples.map((s) => ({ ...s, t: Number(s.t.toFixed(2)), mb: Number(s.mb.toFixed(1)) })) },
    plot: plot(samples),
  };
}

function plot(samples: RssSample[]): BenchResult['plot'] {
  const values = samples.map((s) => ({ t: Number(s.t.toFixed(2)), mb: Number(s.mb.toFixed(1)), process: s.role === 'api' ? 'API' : 'relay worker', bench: s.bench, series: `${s.role}/${s.bench}` }));
  return {
    title: 'RSS of the service processes (VmRSS every 200 ms)',
    width: 600,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 's since the harness started' },
          y: { field: 'mb', type: 'quantitative', title: 'RSS (MB)' },
          color: { field: 'process', type: 'nominal', title: null },
          detail: { field: 'series', type: 'nominal' },
        },
      },
      {
        data: { values: [{ mb: TARGET_MB, label: `target ${TARGET_MB} MB` }] },
        layer: [
          { mark: { type: 'rule', color: 'red', strokeDash: [4, 4] }, encoding: { y: { field: 'mb', type: 'quantitative' } } },
          { mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: 'red' }, encoding: { y: { field: 'mb', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } } },
        ],
      },
    ],
  };
}
