/**
 * The paper's headline comparison for our runs: final and best validation loss, when each run
 * first reaches the dense baseline's final validation loss, the speed-up that implies (in steps
 * and in training wall-clock), and each MoT layer's mixing entropy at the end; with the paper's
 * published figures beside them (shared/MOT.md). `compareRuns` is pure (records in, report out);
 * `reportRuns` reads the runs from the store.
 */
import { blockKinds, ffnSummary, type RunConfig } from '../core/config';
import { trainingIdentity } from '../core/study/grid';
import { meanInterval, type MeanInterval } from '../core/study/interval';
import type { EvalRecord, MetricRecord, TrainRecord } from '../core/train/metrics';
import { readRunConfig } from './run-data';
import type { RunStore } from './store';

export interface RunMetrics {
  runId: string;
  name: string;
  config: RunConfig;
  records: MetricRecord[];
}

export interface RunComparison {
  runId: string;
  name: string;
  ffn: string;
  /** Last step with a train record. */
  steps: number;
  finalValidationLoss: number | null;
  bestValidationLoss: number | null;
  /** Mean train LM loss over the last 10 train records (one step's loss is noisy). */
  finalTrainLoss: number | null;
  finalValidationStdError: number | null;
  /** Passes over the training split at the last record (null in records from before it). */
  epochs: number | null;
  /**
   * The step where the validation loss reaches the baseline's final one, interpolated linearly
   * between the last eval above it and the first at or below it (null: never). Not an integer.
   */
  stepReachingBaseline: number | null;
  /**
   * The resolution of that step: the spacing of the two evals it lies between (the true crossing
   * is somewhere in that bracket; the interpolation assumes a straight loss curve across it).
   * When the first eval is already at or below, the crossing is somewhere before it: this is
   * that eval's step, and stepReachingBaseline is an upper bound.
   */
  reachingResolutionSteps: number | null;
  /** Training time (pauses excluded) at that step, ms, interpolated the same way. */
  elapsedMsReachingBaseline: number | null;
  /** Baseline's final eval step / stepReachingBaseline (> 1: fewer steps than the baseline). */
  speedupSteps: number | null;
  /** Baseline's elapsed ms at its final eval / elapsedMsReachingBaseline. */
  speedupWallClock: number | null;
  /** Per MoT layer (block order): mean over experts of H(w[:,e]) / log g at the last train step. */
  mixEntropy: { block: number; value: number }[];
}

/** Runs that differ only in their training seed: their final losses side by side and the mean. */
export interface SeedGroup {
  ffn: string;
  runIds: string[];
  seeds: number[];
  finalValidationLosses: number[];
  /** Mean with its 95% t-interval over the seeds (low/high null with one seed). */
  mean: MeanInterval;
}

export interface RunsReport {
  baselineId: string | null;
  baselineFinalValidationLoss: number | null;
  runs: RunComparison[];
  /** Groups of two or more runs that differ only in train.seed. */
  seedGroups: SeedGroup[];
  paper: typeof PAPER_FIGURES;
}

/** The published numbers of shared/MOT.md, to read beside ours. */
export const PAPER_FIGURES = {
  smallProofOfConcept: {
    setup: 'd 256, 4 blocks, C4, GPT-2 BPE, batch 256 x 256; MoT g 32, E 512 (train loss)',
    trainLoss: [
      { steps: 50_000, dense: 4.225, mot: 4.036 },
      { steps: 250_000, dense: 4.003, mot: 3.799 },
    ],
    motReachesDenseFinalAtSteps: 63_000,
    speedupSteps: 4,
    speedupWallClock: 3.2,
  },
  desktopReference: {
    setup: 'PyTorch, Brown bytes, d 128, 4 blocks, T 64, B 32, 1,500 steps (validation loss)',
    steps: 1500,
    dense: 1.617,
    mot: 1.669,
  },
} as const;

const TRAIN_TAIL = 10;

/** Compares runs; the baseline is `baselineId`, else the first run whose every block is dense. */
export function compareRuns(runs: RunMetrics[], baselineId?: string): RunsReport {
  const baseline = baselineId
    ? runs.find((r) => r.runId === baselineId)
    : runs.find((r) => blockKinds(r.config.model).every((k) => k === 'dense'));
  if (baselineId && !baseline) throw new Error(`baseline ${baselineId} is not among the runs`);
  const baselineFinal = baseline ? evalsOf(baseline).at(-1) : undefined;
  return {
    baselineId: baseline?.runId ?? null,
    baselineFinalValidationLoss: baselineFinal?.validationLoss ?? null,
    runs: runs.map((run) => compareOne(run, baselineFinal)),
    seedGroups: seedGroupsOf(runs),
    paper: PAPER_FIGURES,
  };
}

function compareOne(run: RunMetrics, baselineFinal: EvalRecord | undefined): RunComparison {
  const evals = evalsOf(run);
  const trains = run.records
    .filter((r): r is TrainRecord => r.type === 'train')
    .sort((a, b) => a.step - b.step);
  const tail = trains.slice(-TRAIN_TAIL);
  const reached = baselineFinal ? crossing(evals, baselineFinal.validationLoss) : null;
  const last = trains.at(-1);
  const mixEntropy = (last?.layers ?? []).flatMap((layer) =>
    layer.kind === 'mot' ? [{ block: layer.block, value: mean(layer.mixEntropy) }] : [],
  );
  return {
    runId: run.runId,
    name: run.name,
    ffn: ffnSummary(run.config.model),
    steps: last?.step ?? 0,
    finalValidationLoss: evals.at(-1)?.validationLoss ?? null,
    finalValidationStdError: evals.at(-1)?.validationStdError ?? null,
    epochs: last?.epochs ?? evals.at(-1)?.epochs ?? null,
    bestValidationLoss: evals.length ? Math.min(...evals.map((e) => e.validationLoss)) : null,
    finalTrainLoss: tail.length ? mean(tail.map((r) => r.lmLoss)) : null,
    stepReachingBaseline: reached?.step ?? null,
    reachingResolutionSteps: reached?.resolution ?? null,
    elapsedMsReachingBaseline: reached?.elapsedMs ?? null,
    speedupSteps:
      reached && baselineFinal && reached.step > 0 ? baselineFinal.step / reached.step : null,
    speedupWallClock:
      reached && baselineFinal && reached.elapsedMs > 0
        ? baselineFinal.elapsedMs / reached.elapsedMs
        : null,
    mixEntropy,
  };
}

export function reportRuns(store: RunStore, runIds: string[], baselineId?: string): RunsReport {
  const runs = runIds.map((runId): RunMetrics => {
    const record = store.get(runId);
    return {
      runId,
      name: record.name,
      config: readRunConfig(store, runId),
      records: store.readMetrics(runId).records as MetricRecord[],
    };
  });
  return compareRuns(runs, baselineId);
}

/** Runs whose configs are the same but for train.seed, two or more per group, with a final loss. */
function seedGroupsOf(runs: RunMetrics[]): SeedGroup[] {
  const groups = new Map<string, { run: RunMetrics; loss: number }[]>();
  for (const run of runs) {
    const loss = evalsOf(run).at(-1)?.validationLoss;
    if (loss === undefined) continue;
    const key = trainingIdentity({ ...run.config, train: { ...run.config.train, seed: 0 } });
    groups.set(key, [...(groups.get(key) ?? []), { run, loss }]);
  }
  return [...groups.values()]
    .filter((group) => group.length > 1)
    .map((group) => ({
      ffn: ffnSummary(group[0]!.run.config.model),
      runIds: group.map((g) => g.run.runId),
      seeds: group.map((g) => g.run.config.train.seed),
      finalValidationLosses: group.map((g) => g.loss),
      mean: meanInterval(group.map((g) => g.loss)),
    }));
}

/**
 * Where the eval curve first comes down to `target`: linear interpolation of step and training
 * time between the last eval above it and the first at or below it.
 */
function crossing(
  evals: EvalRecord[],
  target: number,
): { step: number; elapsedMs: number; resolution: number } | null {
  const i = evals.findIndex((e) => e.validationLoss <= target);
  if (i < 0) return null;
  const after = evals[i] as EvalRecord;
  if (i === 0) return { step: after.step, elapsedMs: after.elapsedMs, resolution: after.step };
  const before = evals[i - 1] as EvalRecord;
  const fraction =
    (before.validationLoss - target) / (before.validationLoss - after.validationLoss);
  const between = (a: number, b: number) => a + (b - a) * fraction;
  return {
    step: between(before.step, after.step),
    elapsedMs: between(before.elapsedMs, after.elapsedMs),
    resolution: after.step - before.step,
  };
}

function evalsOf(run: RunMetrics): EvalRecord[] {
  return run.records
    .filter((r): r is EvalRecord => r.type === 'eval')
    .sort((a, b) => a.step - b.step);
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
