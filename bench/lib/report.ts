/**
 * What a benchmark hands back, and how it is kept: bench/results/<name>.json with every
 * measured number, bench/results/<name>.svg with its plot, and one row per figure in the
 * summary (value, the baseline measured in the same run, their ratio, the target).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchName } from './options.js';
import { RESULTS_DIR } from './options.js';
import { renderSvg, type PlotSpec } from './plot.js';
import { fmt, ratio } from './stats.js';
import type { Table } from './table.js';

export interface Target {
  /** Whether the target applies to the figure's value or to its ratio to the baseline. */
  on: 'value' | 'ratio';
  op: '>=' | '<=';
  limit: number;
}

export interface Figure {
  bench: BenchName;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  ratio?: number;
  target?: Target;
  pass?: boolean;
}

export interface BenchResult {
  name: BenchName;
  title: string;
  table: Table;
  figures: Figure[];
  plot: PlotSpec;
  /** Everything measured, for the JSON file. */
  data: Record<string, unknown>;
  notes: string[];
}

export function figure(f: Omit<Figure, 'ratio' | 'pass'>): Figure {
  const r = f.baseline ? ratio(f.value, f.baseline.value) : undefined;
  let pass: boolean | undefined;
  if (f.target) {
    const x = f.target.on === 'ratio' ? r : f.value;
    pass = x !== undefined && Number.isFinite(x) && (f.target.op === '>=' ? x >= f.target.limit : x <= f.target.limit);
  }
  return { ...f, ...(r !== undefined ? { ratio: r } : {}), ...(pass !== undefined ? { pass } : {}) };
}

export function targetText(f: Figure): string {
  if (!f.target) return '';
  const op = f.target.op === '>=' ? '≥' : '≤';
  return f.target.on === 'ratio' ? `ratio ${op} ${fmt(f.target.limit, 2)}` : `${op} ${fmt(f.target.limit)} ${f.unit}`;
}

export function summaryTable(figures: Figure[]): Table {
  return {
    headers: ['benchmark', 'figure', 'value', 'baseline (same run)', 'ratio', 'target', 'result'],
    rows: figures.map((f) => [
      f.bench,
      f.name,
      `${fmt(f.value)} ${f.unit}`,
      f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value)}` : '',
      f.ratio !== undefined ? `${fmt(f.ratio, 2)} ×` : '',
      targetText(f),
      f.pass === undefined ? '' : f.pass ? 'pass' : 'MISS',
    ]),
  };
}

export const svgName = (name: BenchName) => `${name}.svg`;

/** Writes <name>.json and <name>.svg into bench/results/. */
export async function saveBench(result: BenchResult, meta: Record<string, unknown>): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = { ...meta, name: result.name, title: result.title, figures: result.figures, table: result.table, notes: result.notes, data: result.data };
  writeFileSync(join(RESULTS_DIR, `${result.name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, svgName(result.name)), await renderSvg(result.plot));
}
