/**
 * What a dense-vs-MoT study found (shared/MOT.md, "Comparing honestly"). A point of the grid is
 * every key but the FFN, the training seed and the learning rate (a budget, a group size, ...).
 * At each point each arm stands at its best learning rate (lowest mean final validation loss over
 * its seeds, chosen once every rate of the sweep has finished), the MoT-minus-dense gap is taken
 * per seed (paired: same seed, same data and validation sample), and the point reports the mean
 * gap with a 95% t-interval over the seeds. MoT is "ahead" only where the interval is wholly below
 * zero, "behind" only where it is wholly above, and "indistinguishable at this budget" otherwise.
 * Every series is reported; none is picked as the best. Pure: records in, report out.
 */
import { formatGridValue, pointLabel, type StudyGrid } from './grid';
import {
  armOf,
  LR_KEY,
  mean,
  pairBySeed,
  SEED_KEY,
  type SeedGap,
  type StudyArm,
  type StudyRunOutcome,
} from './arms';
import { gapVerdict, meanInterval, type GapVerdict } from './interval';

export type { SeedGap, StudyArm, StudyRunOutcome } from './arms';

export const FFN_KEY = 'model.ffn';
/** The budget axis when the grid has it; otherwise the first other numeric key. */
const BUDGET_KEY = 'train.steps';

export interface StudyGapPoint {
  /** `steps=200` (the point's values without the FFN, seed and rate keys). */
  label: string;
  values: Record<string, unknown>;
  dense: StudyArm | null;
  mot: StudyArm | null;
  /** Per seed, once both arms' rate sweeps finished at this point. */
  seeds: SeedGap[];
  /** Mean MoT-minus-dense gap over the paired seeds. Negative: MoT ahead. */
  gap: number | null;
  /** 95% t-interval of the mean gap over seeds; null with fewer than two seeds. */
  interval: { low: number; high: number } | null;
  verdict: GapVerdict | null;
  /** MoT's training FLOPs over dense's (about 1 when FLOP-matched). */
  flopsRatio: number | null;
  /** Passes over the training split at this point's budget (the largest over its runs). */
  passes: number | null;
}

export interface StudySeriesFinding {
  /** The other keys' values (`groupSize=8`), '' when the budget is the only point key. */
  label: string;
  ahead: string[];
  behind: string[];
  indistinguishable: string[];
  /** The smallest budget from which MoT is ahead at every finished budget, or null. */
  aheadFrom: string | null;
}

export interface StudyReport {
  /** Whether the grid has `model.ffn` with both dense and mot. */
  comparesDenseAndMot: boolean;
  /** The axis the series run along (`train.steps` when the grid varies it). */
  budgetKey: string | null;
  /** Seeds per point the grid plans (1 when it has no train.seed key). */
  seedsPerPoint: number;
  /** Whether the grid sweeps the learning rate (each arm then stands at its best rate). */
  sweepsLearningRate: boolean;
  points: StudyGapPoint[];
  finishedPoints: number;
  totalPoints: number;
  series: StudySeriesFinding[];
  /** The largest passes over the training split among finished points; a warning above 1. */
  maxPasses: number | null;
  verdict: string;
}

export function studyReport(grid: StudyGrid, outcomes: StudyRunOutcome[]): StudyReport {
  const ffnValues = grid[FFN_KEY] ?? [];
  const comparesDenseAndMot = ffnValues.includes('dense') && ffnValues.includes('mot');
  const pointKeys = Object.keys(grid).filter((k) => ![FFN_KEY, SEED_KEY, LR_KEY].includes(k));
  const budgetKey = pointKeys.includes(BUDGET_KEY)
    ? BUDGET_KEY
    : (pointKeys.find((key) => (grid[key] ?? []).every((x) => typeof x === 'number')) ?? null);
  const seedsPerPoint = grid[SEED_KEY]?.length ?? 1;
  const sweepsLearningRate = (grid[LR_KEY]?.length ?? 0) > 1;
  const base = { comparesDenseAndMot, budgetKey, seedsPerPoint, sweepsLearningRate };
  if (!comparesDenseAndMot) {
    return {
      ...base,
      points: [],
      finishedPoints: 0,
      totalPoints: 0,
      series: [],
      maxPasses: null,
      verdict:
        'This study does not compare dense with MoT: its grid has no model.ffn key with both "dense" and "mot".',
    };
  }
  const planned = { seeds: seedsPerPoint, rates: grid[LR_KEY]?.length ?? 1 };
  const points = pointsOf(pointKeys, outcomes, planned);
  const finished = points.filter((p) => p.gap !== null);
  const series = seriesOf(points, budgetKey).map((s) => findings(s, budgetKey));
  const passes = finished.map((p) => p.passes).filter((x): x is number => x !== null);
  const maxPasses = passes.length > 0 ? Math.max(...passes) : null;
  return {
    ...base,
    points,
    finishedPoints: finished.length,
    totalPoints: points.length,
    series,
    maxPasses,
    verdict: verdictText(series, finished.length, points.length, seedsPerPoint, maxPasses),
  };
}

function pointsOf(
  pointKeys: string[],
  outcomes: StudyRunOutcome[],
  planned: { seeds: number; rates: number },
): StudyGapPoint[] {
  const byPoint = new Map<
    string,
    { values: Record<string, unknown>; dense: StudyRunOutcome[]; mot: StudyRunOutcome[] }
  >();
  for (const outcome of outcomes) {
    const ffn = outcome.values[FFN_KEY];
    if (ffn !== 'dense' && ffn !== 'mot') continue;
    const values = Object.fromEntries(pointKeys.map((key) => [key, outcome.values[key]]));
    const id = JSON.stringify(values);
    const entry = byPoint.get(id) ?? { values, dense: [], mot: [] };
    entry[ffn].push(outcome);
    byPoint.set(id, entry);
  }
  return [...byPoint.values()].map(({ values, dense: d, mot: m }) => {
    const dense = d.length > 0 ? armOf(d, planned) : null;
    const mot = m.length > 0 ? armOf(m, planned) : null;
    const seeds = pairBySeed(dense, mot);
    const interval = seeds.length > 0 ? meanInterval(seeds.map((s) => s.gap)) : null;
    const all = [...(dense?.runs ?? []), ...(mot?.runs ?? [])];
    const flops = (arm: StudyArm | null) => mean(arm?.runs.map((r) => r.flops) ?? []);
    const passes = all
      .map((r) => (r.trainSplitTokens ? r.tokens / r.trainSplitTokens : null))
      .filter((x): x is number => x !== null);
    return {
      label: pointLabel(values),
      values,
      dense,
      mot,
      seeds,
      gap: interval?.mean ?? null,
      interval:
        interval?.low != null && interval.high != null
          ? { low: interval.low, high: interval.high }
          : null,
      verdict: interval ? gapVerdict(interval) : null,
      flopsRatio: seeds.length > 0 && flops(dense) > 0 ? flops(mot) / flops(dense) : null,
      passes: passes.length > 0 ? Math.max(...passes) : null,
    };
  });
}

interface Series {
  label: string;
  points: StudyGapPoint[];
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

function findings(series: Series, budgetKey: string | null): StudySeriesFinding {
  const done = series.points.filter((p) => p.verdict !== null);
  const at = (p: StudyGapPoint) => budgetLabel(p, budgetKey);
  const having = (v: GapVerdict) => done.filter((p) => p.verdict === v).map(at);
  const firstOfRun = done.findIndex((_, i) => done.slice(i).every((p) => p.verdict === 'ahead'));
  return {
    label: series.label,
    ahead: having('ahead'),
    behind: having('behind'),
    indistinguishable: having('indistinguishable'),
    aheadFrom: firstOfRun >= 0 ? at(done[firstOfRun] as StudyGapPoint) : null,
  };
}

function verdictText(
  series: StudySeriesFinding[],
  finished: number,
  total: number,
  seeds: number,
  maxPasses: number | null,
): string {
  if (finished === 0) return `No dense/MoT point has finished yet (0 of ${total}): no verdict.`;
  const sentences = series
    .filter((s) => s.ahead.length + s.behind.length + s.indistinguishable.length > 0)
    .map((s) => {
      const parts = [
        s.ahead.length > 0 && `MoT ahead of dense at ${s.ahead.join(', ')}`,
        s.behind.length > 0 && `MoT behind dense at ${s.behind.join(', ')}`,
        s.indistinguishable.length > 0 &&
          `MoT and dense indistinguishable at this budget at ${s.indistinguishable.join(', ')}`,
      ].filter(Boolean);
      return `${s.label ? `${s.label}: ` : ''}${parts.join('; ')}.`;
    });
  const how =
    seeds > 1
      ? ` (95% intervals of the mean gap over ${seeds} seeds, paired by seed: "ahead" or "behind" only where the interval excludes zero.)`
      : ' (one seed per point: no interval, so no point can be called; add seeds.)';
  const partial = finished < total ? ` So far: ${finished} of ${total} points finished.` : '';
  const repeats =
    maxPasses !== null && maxPasses > 1
      ? ` Warning: up to ${maxPasses.toFixed(1)} passes over the training split, so the comparison measures memorisation as much as the architecture.`
      : '';
  return sentences.join(' ') + how + partial + repeats;
}

function budgetOf(point: StudyGapPoint, budgetKey: string | null): number {
  const value = budgetKey === null ? undefined : point.values[budgetKey];
  return typeof value === 'number' ? value : 0;
}

function budgetLabel(point: StudyGapPoint, budgetKey: string | null): string {
  if (budgetKey === null) return point.label || 'the only point';
  return `${budgetKey.split('.').at(-1)}=${formatGridValue(point.values[budgetKey])}`;
}

/** `+0.042` / `-0.013`: the sign is the point of a gap. */
export function signed(gap: number | null): string {
  if (gap === null) return '–';
  return `${gap >= 0 ? '+' : '-'}${Math.abs(gap).toFixed(3)}`;
}

/** `+0.012 [-0.020, +0.044]`, or the mean alone without an interval. */
export function gapWithInterval(point: Pick<StudyGapPoint, 'gap' | 'interval'>): string {
  if (point.gap === null) return '–';
  const { interval } = point;
  return interval === null
    ? `${signed(point.gap)} (one seed)`
    : `${signed(point.gap)} [${signed(interval.low)}, ${signed(interval.high)}]`;
}

/** Passes over a training split: `0.42`, `2.17`, and `<0.01` for a sliver of one. */
export function formatPasses(value: number | null | undefined): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  return value > 0 && value < 0.01 ? '<0.01' : value.toFixed(2);
}
