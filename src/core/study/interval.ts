/**
 * A mean with its 95% confidence interval from a few paired differences (one per seed): Student's
 * t with n - 1 degrees of freedom, because with 3 seeds the normal's 1.96 would claim far more
 * certainty than 3 numbers hold (the t quantile is 4.30).
 */

/** Two-sided 95% quantiles of Student's t, df 1..30. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

/** t_{0.975, df}: from the table up to 30, then 1.96 + 2.4 / df (within 0.002 of exact). */
export function tQuantile95(df: number): number {
  if (!Number.isInteger(df) || df < 1)
    throw new RangeError(`df must be a positive integer, got ${df}`);
  return df <= T95.length ? (T95[df - 1] as number) : 1.96 + 2.4 / df;
}

export interface MeanInterval {
  mean: number;
  /** 95% interval; null with fewer than two values (no spread to measure). */
  low: number | null;
  high: number | null;
  n: number;
}

export function meanInterval(values: number[]): MeanInterval {
  const n = values.length;
  if (n === 0) throw new RangeError('meanInterval needs at least one value');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, low: null, high: null, n };
  const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const half = tQuantile95(n - 1) * Math.sqrt(variance / n);
  return { mean, low: mean - half, high: mean + half, n };
}

/** ahead: wholly below zero; behind: wholly above; otherwise (or with one value) we cannot tell. */
export type GapVerdict = 'ahead' | 'behind' | 'indistinguishable';

export function gapVerdict(interval: MeanInterval): GapVerdict {
  if (interval.high !== null && interval.high < 0) return 'ahead';
  if (interval.low !== null && interval.low > 0) return 'behind';
  return 'indistinguishable';
}
