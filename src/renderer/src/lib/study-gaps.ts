/**
 * A study report's gaps as chart lines: the mean MoT-minus-dense final validation loss over seeds
 * against the budget, one line per combination of the grid's other keys (group size, placement,
 * ...), with the 95% interval's ends where there is one. Points not finished are left out, so a
 * line grows as the study trains.
 */
import type { StudyReport } from '../../../core/study/report';
import { pointLabel } from '../../../core/study/grid';
import type { Point } from './metrics';

export interface GapLine {
  /** `groupSize=8`, or '' when the budget is the only other key. */
  label: string;
  points: Point[];
  /** The interval's lower and upper ends at the points that have one. */
  low: Point[];
  high: Point[];
}

export function gapLines(report: StudyReport): GapLine[] {
  const { budgetKey } = report;
  if (budgetKey === null) return [];
  const lines = new Map<string, GapLine>();
  for (const point of report.points) {
    const budget = point.values[budgetKey];
    if (typeof budget !== 'number' || point.gap === null) continue;
    const rest = Object.fromEntries(
      Object.entries(point.values).filter(([key]) => key !== budgetKey),
    );
    const id = JSON.stringify(rest);
    const line = lines.get(id) ?? { label: pointLabel(rest), points: [], low: [], high: [] };
    line.points.push({ x: budget, y: point.gap });
    if (point.interval) {
      line.low.push({ x: budget, y: point.interval.low });
      line.high.push({ x: budget, y: point.interval.high });
    }
    lines.set(id, line);
  }
  for (const line of lines.values())
    for (const points of [line.points, line.low, line.high]) points.sort((a, b) => a.x - b.x);
  return [...lines.values()];
}
