/** Pure helpers for comparing runs: interpolation on a shared x grid and group mean bands. */
import type { Point } from './metrics';

/** y at x by linear interpolation in points sorted by x; undefined outside their range. */
export function interpolate(points: readonly Point[], x: number): number | undefined {
  const n = points.length;
  if (n === 0 || x < points[0].x || x > points[n - 1].x) return undefined;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x <= x) lo = mid;
    else hi = mid;
  }
  const a = points[lo];
  const b = points[hi];
  if (b.x === a.x) return a.y;
  return a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
}

/** The point nearest to x (by x), or undefined for an empty series. */
export function nearestPoint(points: readonly Point[], x: number): Point | undefined {
  const n = points.length;
  if (n === 0) return undefined;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].x < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && x - points[lo - 1].x <= points[lo].x - x) return points[lo - 1];
  return points[lo];
}

export interface Band {
  mean: Point[];
  lower: Point[];
  upper: Point[];
}

/**
 * Mean and min/max of several series on `samples` x values spread over the range any of them
 * covers; at each x, over the series that reach it. Null when there is no range.
 */
export function meanBand(series: readonly (readonly Point[])[], samples = 300): Band | null {
  const usable = series.filter((s) => s.length > 0);
  if (usable.length === 0) return null;
  const start = Math.min(...usable.map((s) => s[0].x));
  const end = Math.max(...usable.map((s) => s[s.length - 1].x));
  if (!(end > start)) return null;
  const band: Band = { mean: [], lower: [], upper: [] };
  for (let i = 0; i < samples; i++) {
    const x = start + ((end - start) * i) / (samples - 1);
    const ys = usable.map((s) => interpolate(s, x)).filter((y): y is number => y !== undefined);
    if (ys.length === 0) continue;
    band.mean.push({ x, y: ys.reduce((a, b) => a + b, 0) / ys.length });
    band.lower.push({ x, y: Math.min(...ys) });
    band.upper.push({ x, y: Math.max(...ys) });
  }
  return band;
}
