/** Pure helpers for comparing runs: interpolation on a shared x grid, nearest points, bands. */
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
