/**
 * A study's grid: `{path: values[]}` over config paths (`"model.ffn": ["dense", "mot"]`), laid
 * over a base config to give one run config per combination. Pure: the API, the CLI and the UI's
 * preview all expand a grid the same way, so the preview's run count is the count that trains.
 *
 * Order: the first key varies fastest. With `model.ffn` first, each dense/MoT pair is queued back
 * to back, so the study's report fills in pair by pair while the rest trains.
 */
import { ConfigError, validateConfig, type FfnKind, type RunConfig } from '../config';

/** Values to try per config path; each value replaces what the base config has at that path. */
export type StudyGrid = Record<string, unknown[]>;

/** One combination: the value chosen for each grid path, and the full config it gives. */
export interface GridPoint {
  values: Record<string, unknown>;
  config: RunConfig;
}

export interface GridIssue {
  path: string;
  message: string;
}

/**
 * What a study may ask for. With three seeds per point, 192 runs is 64 seeded points, about what a
 * desktop trains in a night at smoke-to-tiny sizes; more is a mistake in the grid more often than
 * a plan.
 */
export const STUDY_LIMITS = { maxRuns: 192, maxKeys: 7, maxValues: 16 } as const;

/** Seeds per point when a study does not say: three, the fewest that give an interval worth reading. */
export const DEFAULT_SEEDS = [1, 2, 3] as const;

/**
 * The grid with the training seed as a dimension: `seeds` (default DEFAULT_SEEDS) placed right
 * after `model.ffn`, so each dense/MoT pair of one seed trains back to back. A grid that already
 * varies `train.seed` keeps its own seeds (passing `seeds` as well is then an error for the caller).
 */
export function withSeeds(grid: StudyGrid, seeds?: readonly number[]): StudyGrid {
  if ('train.seed' in grid) return grid;
  const out: StudyGrid = {};
  const list = [...(seeds ?? DEFAULT_SEEDS)];
  for (const [key, values] of Object.entries(grid)) {
    out[key] = values;
    if (key === 'model.ffn') out['train.seed'] = list;
  }
  if (!('train.seed' in out)) out['train.seed'] = list;
  return out;
}

/** Set by the study for every run, so a grid may not vary them. */
const RESERVED = new Set(['name', 'description']);

/**
 * Every combination of the grid over `base`, each validated in full. Problems are returned, not
 * thrown, with paths under `grid` (`grid.model.mot.groupSize`) so a form can point at the key.
 */
export function expandGrid(
  base: RunConfig,
  grid: StudyGrid,
): { points: GridPoint[]; issues: GridIssue[] } {
  const keys = Object.keys(grid);
  const issues = keyIssues(base, grid);
  if (keys.length === 0) issues.push({ path: 'grid', message: 'needs at least one config path' });
  const count = keys.reduce((n, key) => n * Math.max(1, grid[key]?.length ?? 0), 1);
  if (count > STUDY_LIMITS.maxRuns) {
    issues.push({
      path: 'grid',
      message: `gives ${count} runs; a study may have at most ${STUDY_LIMITS.maxRuns}`,
    });
  }
  if (issues.length > 0) return { points: [], issues };

  const points: GridPoint[] = [];
  const seen = new Set<string>();
  for (const values of combinations(keys, grid)) {
    const draft = structuredClone(base) as unknown as Record<string, unknown>;
    for (const key of keys) setPath(draft, key, structuredClone(values[key]));
    // A shorter budget keeps a sensible warm-up, as `mot train --steps` does.
    if ('train.steps' in values && !('train.warmupSteps' in values)) {
      const train = draft['train'] as { steps: number; warmupSteps: number };
      train.warmupSteps = Math.min(train.warmupSteps, train.steps);
    }
    try {
      points.push({ values, config: validateConfig(draft) });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of pointIssues(error, values, keys)) {
        const id = `${issue.path}|${issue.message}`;
        if (!seen.has(id)) issues.push(issue);
        seen.add(id);
      }
    }
  }
  return issues.length > 0 ? { points: [], issues } : { points, issues: [] };
}

/** `ffn=mot steps=200`: the last segment of each path, or the whole path where two would clash. */
export function pointLabel(values: Record<string, unknown>): string {
  const keys = Object.keys(values);
  const short = (key: string) => key.split('.').at(-1) as string;
  const clash = (key: string) => keys.some((other) => other !== key && short(other) === short(key));
  return keys
    .map((key) => `${clash(key) ? key : short(key)}=${formatGridValue(values[key])}`)
    .join(' ');
}

export function formatGridValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The number of runs a grid gives (before validation), for previews. */
export function gridSize(grid: StudyGrid): number {
  const keys = Object.keys(grid);
  return keys.length === 0 ? 0 : keys.reduce((n, key) => n * (grid[key]?.length ?? 0), 1);
}

/**
 * Config paths a run with this FFN never reads. A grid over `model.mot.groupSize` with dense in it
 * would otherwise train the same dense run once per group size: on two cores, hours for nothing.
 */
export function unusedPaths(ffn: FfnKind): string[] {
  if (ffn === 'dense') return ['model.mot', 'model.moe', 'model.placement'];
  return ffn === 'mot' ? ['model.moe'] : ['model.mot'];
}

/** The grid values that make a difference to a run with this FFN (the rest it never reads). */
export function usedValues(values: Record<string, unknown>, ffn: FfnKind): Record<string, unknown> {
  const unused = unusedPaths(ffn);
  return Object.fromEntries(
    Object.entries(values).filter(
      ([key]) => !unused.some((path) => key === path || key.startsWith(`${path}.`)),
    ),
  );
}

/**
 * What a run trains, as a string: the config without its name, description and the paths its FFN
 * never reads. Two grid points with the same identity are one run (a study shares it).
 */
export function trainingIdentity(config: RunConfig): string {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  delete copy['name'];
  delete copy['description'];
  const model = copy['model'] as Record<string, unknown>;
  for (const path of unusedPaths(config.model.ffn)) delete model[path.split('.')[1] as string];
  return JSON.stringify(copy);
}

function keyIssues(base: RunConfig, grid: StudyGrid): GridIssue[] {
  const issues: GridIssue[] = [];
  const keys = Object.keys(grid);
  if (keys.length > STUDY_LIMITS.maxKeys)
    issues.push({ path: 'grid', message: `at most ${STUDY_LIMITS.maxKeys} config paths` });
  for (const key of keys) {
    const path = `grid.${key}`;
    const values = grid[key];
    if (RESERVED.has(key)) {
      issues.push({ path, message: 'set by the study for every run (its name and point)' });
    } else if (!hasPath(base, key)) {
      issues.push({ path, message: 'not a config path (see `mot presets --json` for the keys)' });
    } else if (!Array.isArray(values) || values.length === 0) {
      issues.push({ path, message: 'needs a non-empty list of values' });
    } else if (values.length > STUDY_LIMITS.maxValues) {
      issues.push({ path, message: `at most ${STUDY_LIMITS.maxValues} values` });
    } else if (new Set(values.map((x) => JSON.stringify(x))).size !== values.length) {
      issues.push({ path, message: 'lists a value twice' });
    }
  }
  return issues;
}

/** A config problem of one point, named by the grid key that caused it where one did. */
function pointIssues(
  error: ConfigError,
  values: Record<string, unknown>,
  keys: string[],
): GridIssue[] {
  // Without the seed: a config problem never depends on it, so one message covers every seed.
  const at = pointLabel(
    Object.fromEntries(Object.entries(values).filter(([key]) => key !== 'train.seed')),
  );
  return error.issues.map((issue) => {
    const key = keys.find(
      (k) => issue.path === k || issue.path.startsWith(`${k}.`) || k.startsWith(`${issue.path}.`),
    );
    if (key !== undefined) {
      return {
        path: `grid.${key}`,
        message: `${JSON.stringify(values[key])} (at ${at}): ${issue.message}`,
      };
    }
    return { path: 'grid', message: `at ${at}: ${issue.path}: ${issue.message}` };
  });
}

function* combinations(keys: string[], grid: StudyGrid): Generator<Record<string, unknown>> {
  const sizes = keys.map((key) => grid[key]?.length ?? 0);
  const total = sizes.reduce((n, s) => n * s, 1);
  for (let index = 0; index < total; index++) {
    const values: Record<string, unknown> = {};
    let rest = index;
    keys.forEach((key, i) => {
      const size = sizes[i] as number;
      values[key] = (grid[key] as unknown[])[rest % size];
      rest = Math.floor(rest / size);
    });
    yield values;
  }
}

/** Whether `path` names a key that exists in the config (a leaf or a whole sub-object). */
function hasPath(config: RunConfig, path: string): boolean {
  let current: unknown = config;
  for (const part of path.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, part)) return false;
    current = current[part];
  }
  return true;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = target;
  for (const part of parts.slice(0, -1)) current = current[part] as Record<string, unknown>;
  current[parts.at(-1) as string] = value;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
