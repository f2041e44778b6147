/**
 * The crossover study's grid (shared/MOT.md, "What to expect at desktop scale"): dense against
 * FLOP-matched MoT at several token budgets, optionally across group sizes and placements. The
 * paper's advantage appeared after billions of tokens; at a few million MoT trails by about 0.04
 * nats. The question a desktop can answer is where along the budget axis, if anywhere, the gap
 * closes, so the budget is the axis and everything else is held at the base config.
 */
import type { RunConfig } from '../config';
import { DEFAULT_SEEDS, type StudyGrid } from './grid';

export interface CrossoverOptions {
  /** Training steps per run (the token budget is steps x batch x context); default: see below. */
  budgets?: number[];
  /** MoT group sizes to try (each must divide the batch). */
  groupSizes?: number[];
  /** MoT placements to try. */
  placements?: ('all' | 'second-half')[];
  /** Learning rates to sweep; the report gives each arm at its best (the paper: dense 4e-3, MoT 2e-3). */
  learningRates?: number[];
  /** Training seeds per point (default 1, 2, 3): the gap is reported with an interval over them. */
  seeds?: number[];
}

/**
 * Budgets a quarter, half, one and two times the base config's steps: one doubling past the base
 * shows which way the gap moves without a run four times longer than the one the user chose.
 */
export function defaultBudgets(base: RunConfig): number[] {
  const steps = base.train.steps;
  const budgets = [steps / 4, steps / 2, steps, steps * 2].map((s) => Math.max(1, Math.round(s)));
  return [...new Set(budgets)];
}

/**
 * `{model.ffn: [dense, mot], train.seed: seeds, train.steps: budgets, ...}`, ffn first so that
 * each pair of one seed trains back to back. The base's `mot.expertWidth` stays as it is: null
 * (the default) is FLOP-matched.
 */
export function crossoverGrid(base: RunConfig, options: CrossoverOptions = {}): StudyGrid {
  const grid: StudyGrid = {
    'model.ffn': ['dense', 'mot'],
    'train.seed': options.seeds ?? [...DEFAULT_SEEDS],
    'train.steps': options.budgets ?? defaultBudgets(base),
  };
  if (options.learningRates && options.learningRates.length > 0)
    grid['train.learningRate'] = options.learningRates;
  if (options.groupSizes && options.groupSizes.length > 0)
    grid['model.mot.groupSize'] = options.groupSizes;
  if (options.placements && options.placements.length > 0)
    grid['model.placement'] = options.placements;
  return grid;
}
