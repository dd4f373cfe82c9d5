/** Percentiles and number formatting shared by the benchmarks. */

export interface Distribution {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** Points of the cumulative distribution (percentile → value), for plots. */
export function cdf(values: readonly number[], points = 200): Array<{ percentile: number; value: number }> {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const out: Array<{ percentile: number; value: number }> = [];
  for (let i = 0; i <= points; i++) {
    const p = (100 * i) / points;
    out.push({ percentile: p, value: i === 0 ? sorted[0]! : percentile(sorted, p) });
  }
  return out;
}

/** 1234567 → "1,234,567"; 12.345 → "12.3"; 0.1234 → "0.123". */
export function fmt(value: number | null | undefined, digits?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return '∞';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export const ratio = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
