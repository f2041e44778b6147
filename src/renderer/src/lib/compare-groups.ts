/**
 * Grouping runs in Compare: by chosen config keys, or by everything but the seed (the runs that
 * are repeats of one setting), and always apart by run length, so a band never averages a 30-step
 * run with a 120-step one. Each group's band is its mean ± a 95% t-interval (its range for two
 * runs) over the runs, which all reach each x, since members share their length.
 */
import type { RunConfig } from '../../../core/config';
import { flatten, formatValue, getPath } from './config-paths';
import { interpolate, type Band } from './compare';
import type { Point } from './metrics';

export type Grouping = { kind: 'none' } | { kind: 'keys'; keys: string[] } | { kind: 'seed' };

/** Keys never compared: they name or describe a run, or (for `seed`) are what repeats vary. */
const IDENTITY_KEYS = ['name', 'description'];
const SEED_KEY = 'train.seed';
const LENGTH_KEY = 'train.steps';

export interface RunGroup<R> {
  /** "model.ffn = mot · lr 0.001", what its members share that other groups do not. */
  label: string;
  members: R[];
}

/** Leaves that differ between any two of `configs`, other than names and `except`. */
export function differingKeys(configs: readonly RunConfig[], except: string[] = []): string[] {
  const flats = configs.map((c) => flatten(c));
  const paths = new Set(flats.flatMap((f) => [...f.keys()]));
  return [...paths].filter((path) => {
    if (IDENTITY_KEYS.includes(path) || except.includes(path)) return false;
    const first = JSON.stringify(flats[0]?.get(path));
    return flats.some((f) => JSON.stringify(f.get(path)) !== first);
  });
}

/**
 * The groups of `runs` (in first-seen order). Runs without a config are left out of groups.
 * Lengths always split a group; the label names the length only where lengths differ.
 */
export function groupRuns<R extends { id: string }>(
  runs: readonly R[],
  configs: ReadonlyMap<string, RunConfig>,
  grouping: Grouping,
): RunGroup<R>[] {
  if (grouping.kind === 'none') return [];
  const known = runs.filter((r) => configs.has(r.id));
  const all = known.map((r) => configs.get(r.id) as RunConfig);
  const keys =
    grouping.kind === 'keys'
      ? grouping.keys
      : differingKeys(all, [SEED_KEY]).filter((k) => k !== LENGTH_KEY);
  const lengths = new Set(all.map((c) => c.train.steps));
  const groups = new Map<string, RunGroup<R>>();
  for (const run of known) {
    const config = configs.get(run.id) as RunConfig;
    const parts = keys.map((key) => `${key} = ${formatValue(getPath(config, key))}`);
    if (lengths.size > 1) parts.push(`${config.train.steps} steps`);
    const id = JSON.stringify([...parts, config.train.steps]);
    const group = groups.get(id);
    if (group) group.members.push(run);
    else groups.set(id, { label: parts.join(' · ') || 'all runs', members: [run] });
  }
  return [...groups.values()];
}

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

export function t95(degreesOfFreedom: number): number {
  return T95[degreesOfFreedom - 1] ?? 1.96;
}

/** What a group's band spans: a 95% t-interval of the mean, or (two runs) their range. */
export type BandKind = 'ci95' | 'range';

/** Two runs give a t-interval 12.7 standard errors wide: their range says more. */
export function bandKind(runs: number): BandKind {
  return runs >= 3 ? 'ci95' : 'range';
}

/**
 * The mean of the series and a band around it on `samples` x values over the range that every
 * one of them covers (so the count never changes along the band): the 95% t-interval of the
 * mean for three or more series, min to max for two. Null for fewer than two series or no
 * shared range.
 */
export function intervalBand(series: readonly (readonly Point[])[], samples = 300): Band | null {
  const usable = series.filter((s) => s.length > 0);
  if (usable.length < 2) return null;
  const start = Math.max(...usable.map((s) => s[0].x));
  const end = Math.min(...usable.map((s) => s[s.length - 1].x));
  if (!(end > start)) return null;
  const n = usable.length;
  const t = t95(n - 1);
  const band: Band = { mean: [], lower: [], upper: [] };
  for (let i = 0; i < samples; i++) {
    const x = start + ((end - start) * i) / (samples - 1);
    const ys = usable.map((s) => interpolate(s, x) as number);
    const mean = ys.reduce((a, b) => a + b, 0) / n;
    const variance = ys.reduce((a, y) => a + (y - mean) ** 2, 0) / (n - 1);
    const half = (t * Math.sqrt(variance)) / Math.sqrt(n);
    band.mean.push({ x, y: mean });
    band.lower.push({ x, y: n >= 3 ? mean - half : Math.min(...ys) });
    band.upper.push({ x, y: n >= 3 ? mean + half : Math.max(...ys) });
  }
  return band;
}
