/**
 * What a dense-vs-MoT study found: at each point of the grid other than the FFN (a token budget,
 * a group size, ...), MoT's final validation loss minus dense's, and one plain verdict line. A
 * negative gap is MoT ahead. When no point has MoT ahead the verdict says so and gives the trend
 * along the budget axis, because at desktop scale "not yet, but closing" (or "not closing") is the
 * honest result (shared/MOT.md). Pure: records in, report out.
 */
import { formatGridValue, pointLabel, type StudyGrid } from './grid';

const FFN_KEY = 'model.ffn';
/** The budget axis when the grid has it; otherwise the first other numeric key. */
const BUDGET_KEY = 'train.steps';
/** Gap changes smaller than this (nats) are noise at evalBatches-sized validation sets. */
export const STEADY_NATS = 0.002;

/** One run of a study as the report needs it. */
export interface StudyRunOutcome {
  runId: string;
  values: Record<string, unknown>;
  /** The run's status, or `missing` when it was deleted. */
  status: string;
  /** The last evaluation's validation loss (final once the run completed). */
  finalValidationLoss: number | null;
  tokens: number;
  /** Cumulative training FLOPs at the last step. */
  flops: number;
}

export interface StudyGapPoint {
  /** `steps=200` (the point's values without the FFN key). */
  label: string;
  values: Record<string, unknown>;
  dense: StudyRunOutcome | null;
  mot: StudyRunOutcome | null;
  /** MoT minus dense final validation loss, once both runs completed. Negative: MoT ahead. */
  gap: number | null;
  /** MoT's training FLOPs over dense's (about 1 when FLOP-matched), once both completed. */
  flopsRatio: number | null;
}

export interface StudyReport {
  /** Whether the grid has `model.ffn` with both dense and mot. */
  comparesDenseAndMot: boolean;
  /** The axis the trend is read along (`train.steps` when the grid varies it). */
  budgetKey: string | null;
  points: StudyGapPoint[];
  finishedPairs: number;
  totalPairs: number;
  /** The first point (smallest budget) with MoT ahead, or null. */
  overtakesAt: string | null;
  trend: 'narrowing' | 'widening' | 'steady' | null;
  /**
   * Where a straight line through the last two gaps (in log budget) crosses zero, when the gap
   * narrows: a guess to size the next study, never a result.
   */
  projectedCrossover: number | null;
  verdict: string;
}

export function studyReport(grid: StudyGrid, outcomes: StudyRunOutcome[]): StudyReport {
  const ffnValues = grid[FFN_KEY] ?? [];
  const comparesDenseAndMot = ffnValues.includes('dense') && ffnValues.includes('mot');
  const otherKeys = Object.keys(grid).filter((key) => key !== FFN_KEY);
  const budgetKey = otherKeys.includes(BUDGET_KEY)
    ? BUDGET_KEY
    : (otherKeys.find((key) => (grid[key] ?? []).every((x) => typeof x === 'number')) ?? null);
  if (!comparesDenseAndMot) {
    return {
      comparesDenseAndMot,
      budgetKey,
      points: [],
      finishedPairs: 0,
      totalPairs: 0,
      overtakesAt: null,
      trend: null,
      projectedCrossover: null,
      verdict:
        'This study does not compare dense with MoT: its grid has no model.ffn key with both "dense" and "mot".',
    };
  }

  const points = pairUp(otherKeys, outcomes);
  const finished = points.filter((p) => p.gap !== null);
  const findings = seriesOf(points, budgetKey)
    .map((series) => classify(series))
    .filter((f): f is Finding => f !== null);
  const found = findings.length === 0 ? null : headline(findings, budgetKey);
  const verdict =
    found?.text ?? `No dense/MoT pair has finished yet (0 of ${points.length}): no verdict.`;
  const { overtakesAt = null, trend = null, projectedCrossover = null } = found ?? {};
  const partial =
    finished.length > 0 && finished.length < points.length
      ? ` So far: ${finished.length} of ${points.length} pairs finished.`
      : '';
  return {
    comparesDenseAndMot,
    budgetKey,
    points,
    finishedPairs: finished.length,
    totalPairs: points.length,
    overtakesAt,
    trend,
    projectedCrossover,
    verdict: verdict + partial,
  };
}

/** How one series (points that differ only in budget) went, over its finished points. */
interface Finding {
  series: Series;
  done: StudyGapPoint[];
  /**
   * overtakes: behind at first, ahead later. ahead: ahead at every finished point. fallsBehind:
   * ahead at first, behind later. behind: never ahead.
   */
  kind: 'overtakes' | 'ahead' | 'fallsBehind' | 'behind';
  /** overtakes: the first point ahead. fallsBehind: the first point behind. */
  at?: StudyGapPoint;
}

function classify(series: Series): Finding | null {
  const done = series.points.filter((p) => p.gap !== null);
  if (done.length === 0) return null;
  const ahead = (p: StudyGapPoint) => (p.gap as number) < 0;
  const firstAhead = done.findIndex(ahead);
  if (firstAhead < 0) return { series, done, kind: 'behind' };
  if (firstAhead > 0) return { series, done, kind: 'overtakes', at: done[firstAhead] };
  const behind = done.find((p) => !ahead(p));
  return behind
    ? { series, done, kind: 'fallsBehind', at: behind }
    : { series, done, kind: 'ahead' };
}

/** The verdict over every series: a crossing wins, then MoT ahead throughout, then the trend. */
function headline(
  findings: Finding[],
  budgetKey: string | null,
): Pick<StudyReport, 'overtakesAt' | 'trend' | 'projectedCrossover'> & { text: string } {
  const at = (p: StudyGapPoint) => budgetLabel(p, budgetKey);
  const where = (f: Finding) => (f.series.label ? ` for ${f.series.label}` : '');
  const span = (f: Finding) => {
    const first = f.done[0] as StudyGapPoint;
    const last = f.done.at(-1) as StudyGapPoint;
    return f.done.length < 2
      ? `gap ${signed(first.gap)} at ${at(first)}`
      : `gap ${signed(first.gap)} at ${at(first)} to ${signed(last.gap)} at ${at(last)}`;
  };
  const byBudget = (a: StudyGapPoint, b: StudyGapPoint) =>
    budgetOf(a, budgetKey) - budgetOf(b, budgetKey);
  const none = { trend: null, projectedCrossover: null };

  const crossings = findings.filter((f) => f.kind === 'overtakes');
  if (crossings.length > 0) {
    const f = [...crossings].sort((a, b) => byBudget(a.at!, b.at!))[0] as Finding;
    const point = f.at as StudyGapPoint;
    const stays = f.done.slice(f.done.indexOf(point)).every((p) => (p.gap as number) < 0);
    return {
      ...none,
      overtakesAt: point.label,
      text:
        `MoT overtakes dense at ${at(point)}${where(f)} (${span(f)})` +
        (stays ? '.' : ', but does not stay ahead at every larger budget.'),
    };
  }
  const ahead = findings.find((f) => f.kind === 'ahead');
  if (ahead) {
    const first = ahead.done[0] as StudyGapPoint;
    return {
      ...none,
      overtakesAt: first.label,
      text: `MoT overtakes dense at ${at(first)} or earlier${where(ahead)}: it is ahead at every finished point (${span(ahead)}).`,
    };
  }
  // Never ahead at a larger budget than the smallest: read the trend of the most promising series.
  const latest = (f: Finding) => f.done.at(-1)?.gap ?? Infinity;
  const best = [...findings].sort((a, b) => latest(a) - latest(b))[0] as Finding;
  const first = best.done[0] as StudyGapPoint;
  const last = best.done.at(-1) as StudyGapPoint;
  if (best.done.length < 2) {
    return {
      ...none,
      overtakesAt: null,
      text: `MoT does not overtake dense within this budget (${span(best)}${where(best)}; one point, no trend yet).`,
    };
  }
  const change = (last.gap as number) - (first.gap as number);
  const trend = change < -STEADY_NATS ? 'narrowing' : change > STEADY_NATS ? 'widening' : 'steady';
  const projectedCrossover = trend === 'narrowing' ? project(best.done, budgetKey) : null;
  const lead =
    best.kind === 'fallsBehind'
      ? `MoT leads dense only at ${at(first)} and falls behind from ${at(best.at as StudyGapPoint)}: it does not overtake dense within this budget`
      : 'MoT does not overtake dense within this budget';
  let text =
    `${lead} (gap ${trend} from ${signed(first.gap)} at ${at(first)} to ` +
    `${signed(last.gap)} at ${at(last)}${where(best)}).`;
  if (projectedCrossover !== null && budgetKey !== null) {
    text += ` A straight line through the last two gaps (log budget) would reach zero near ${shortKey(budgetKey)}=${Math.round(projectedCrossover).toLocaleString('en-US')}: a guess, not a result.`;
  }
  return { overtakesAt: null, trend, projectedCrossover, text };
}

interface Series {
  label: string;
  points: StudyGapPoint[];
}

/** One point per combination of the non-FFN keys, with its dense and MoT runs. */
function pairUp(otherKeys: string[], outcomes: StudyRunOutcome[]): StudyGapPoint[] {
  const byPoint = new Map<string, StudyGapPoint>();
  for (const outcome of outcomes) {
    const ffn = outcome.values[FFN_KEY];
    if (ffn !== 'dense' && ffn !== 'mot') continue;
    const values = Object.fromEntries(otherKeys.map((key) => [key, outcome.values[key]]));
    const id = JSON.stringify(values);
    let point = byPoint.get(id);
    if (point === undefined) {
      point = {
        label: pointLabel(values),
        values,
        dense: null,
        mot: null,
        gap: null,
        flopsRatio: null,
      };
      byPoint.set(id, point);
    }
    point[ffn] = outcome;
  }
  for (const point of byPoint.values()) {
    const { dense, mot } = point;
    const done = (o: StudyRunOutcome | null): o is StudyRunOutcome =>
      o !== null && o.status === 'completed' && o.finalValidationLoss !== null;
    if (done(dense) && done(mot)) {
      point.gap = (mot.finalValidationLoss as number) - (dense.finalValidationLoss as number);
      point.flopsRatio = dense.flops > 0 ? mot.flops / dense.flops : null;
    }
  }
  return [...byPoint.values()];
}

/** Points grouped by everything but the budget, each group in budget order. */
function seriesOf(points: StudyGapPoint[], budgetKey: string | null): Series[] {
  const groups = new Map<string, Series>();
  for (const point of points) {
    const rest = Object.fromEntries(
      Object.entries(point.values).filter(([key]) => key !== budgetKey),
    );
    const id = JSON.stringify(rest);
    const group = groups.get(id) ?? { label: pointLabel(rest), points: [] };
    group.points.push(point);
    groups.set(id, group);
  }
  for (const group of groups.values())
    group.points.sort((a, b) => budgetOf(a, budgetKey) - budgetOf(b, budgetKey));
  return [...groups.values()];
}

function budgetOf(point: StudyGapPoint, budgetKey: string | null): number {
  const value = budgetKey === null ? undefined : point.values[budgetKey];
  return typeof value === 'number' ? value : 0;
}

function budgetLabel(point: StudyGapPoint, budgetKey: string | null): string {
  if (budgetKey === null) return point.label || 'the only point';
  return `${shortKey(budgetKey)}=${formatGridValue(point.values[budgetKey])}`;
}

/** Zero crossing of the line through the last two (log budget, gap) points; null if none ahead. */
function project(done: StudyGapPoint[], budgetKey: string | null): number | null {
  if (budgetKey === null || done.length < 2) return null;
  const [a, b] = done.slice(-2) as [StudyGapPoint, StudyGapPoint];
  const [xa, xb] = [budgetOf(a, budgetKey), budgetOf(b, budgetKey)];
  if (!(xa > 0 && xb > xa)) return null;
  const [ya, yb] = [a.gap as number, b.gap as number];
  if (!(yb < ya) || yb <= 0) return null;
  const slope = (yb - ya) / (Math.log(xb) - Math.log(xa));
  return Math.exp(Math.log(xb) - yb / slope);
}

function shortKey(key: string): string {
  return key.split('.').at(-1) as string;
}

/** `+0.042` / `-0.013`: the sign is the point of a gap. */
export function signed(gap: number | null): string {
  if (gap === null) return '–';
  return `${gap >= 0 ? '+' : '-'}${Math.abs(gap).toFixed(3)}`;
}
