/**
 * Whether a run is training sanely, judged from its own losses (not its experts): a loss above
 * ln(vocab) is worse than predicting every token uniformly, a NaN or Inf has broken the weights,
 * a gradient norm far above its recent median is a spike, and a loss jump right after a
 * transition means the converted model lost what it knew. Pure, so the Runs table (from a
 * record) and the Monitor (from the metrics) agree.
 */
import type { RunRecord } from '../../../core/api/run-record';
import type { TokenizerSpec } from '../../../core/config';

/** Byte tokenizer: 256 bytes and the end-of-text token (src/core/tokenizer/bytes.ts). */
const BYTE_VOCAB = 257;
/** A gradient norm this many times its trailing median is a spike. */
const GRAD_SPIKE_RATIO = 10;
/**
 * Steps of a run's own training before "worse than uniform" counts: a fresh model starts at
 * about ln(vocab), a little above it with a large init, and that is not divergence.
 */
const SETTLE_STEPS = 10;
/** Steps in the trailing window of the gradient-norm median. */
const GRAD_WINDOW = 20;
/** After a transition, a loss this many nats above the loss at the transition is a spike. */
const TRANSITION_JUMP_NATS = 0.5;
/** Steps after a transition that count as "right after" it. */
const TRANSITION_WINDOW = 50;

export type HealthKind = 'non-finite' | 'above-uniform' | 'grad-spike' | 'transition-spike';

export interface HealthWarning {
  kind: HealthKind;
  /** The first step it was seen at. */
  step: number;
  message: string;
}

/** The train-record fields health needs. */
export interface LossPoint {
  step: number;
  lmLoss: number;
  gradNorm: number;
}

export function vocabSizeOf(tokenizer: TokenizerSpec): number {
  return tokenizer.kind === 'bytes' ? BYTE_VOCAB : tokenizer.vocabSize;
}

/** The loss of the uniform guess over the vocabulary, nats per token. */
export function uniformLoss(vocabSize: number): number {
  return Math.log(vocabSize);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Every kind of trouble in `points` (train records in step order), once each, at the first step
 * it shows. `transitionStep`: the step a transition child starts from (its parent's step).
 */
export function trainingWarnings(
  points: readonly LossPoint[],
  options: { vocabSize: number; transitionStep?: number },
): HealthWarning[] {
  const found = new Map<HealthKind, HealthWarning>();
  const note = (kind: HealthKind, step: number, message: string): void => {
    if (!found.has(kind)) found.set(kind, { kind, step, message });
  };
  const uniform = uniformLoss(options.vocabSize);
  const transitionStart = options.transitionStep;
  const startLoss =
    transitionStart === undefined
      ? undefined
      : points.find((p) => p.step > transitionStart)?.lmLoss;
  for (const [i, p] of points.entries()) {
    if (!Number.isFinite(p.lmLoss) || !Number.isFinite(p.gradNorm)) {
      note(
        'non-finite',
        p.step,
        `Loss or gradient is ${p.lmLoss} at step ${p.step}: training broke.`,
      );
      continue;
    }
    if (p.lmLoss > uniform && i >= SETTLE_STEPS) {
      note(
        'above-uniform',
        p.step,
        `Loss ${p.lmLoss.toFixed(2)} at step ${p.step} is above ln(${options.vocabSize}) = ${uniform.toFixed(2)}, worse than a uniform guess.`,
      );
    }
    if (i >= 5) {
      const window = points.slice(Math.max(0, i - GRAD_WINDOW), i).map((q) => q.gradNorm);
      const typical = median(window.filter(Number.isFinite));
      if (typical > 0 && p.gradNorm > GRAD_SPIKE_RATIO * typical) {
        note(
          'grad-spike',
          p.step,
          `Gradient norm ${p.gradNorm.toPrecision(3)} at step ${p.step} is ${Math.round(p.gradNorm / typical)}× its recent median.`,
        );
      }
    }
    if (
      transitionStart !== undefined &&
      startLoss !== undefined &&
      p.step <= transitionStart + TRANSITION_WINDOW &&
      p.lmLoss > startLoss + TRANSITION_JUMP_NATS
    ) {
      note(
        'transition-spike',
        p.step,
        `Loss rose from ${startLoss.toFixed(2)} to ${p.lmLoss.toFixed(2)} within ${p.step - transitionStart} steps of the transition.`,
      );
    }
  }
  return [...found.values()].sort((a, b) => a.step - b.step);
}

/**
 * Diverged: the run's last train loss (or its best validation loss) is not finite or is worse
 * than the uniform guess. Judged from the record, so the table needs no metrics.
 */
export function isDiverged(
  record: Pick<RunRecord, 'finalTrainLoss' | 'bestValidationLoss'>,
  vocabSize: number,
): boolean {
  const uniform = uniformLoss(vocabSize);
  return [record.finalTrainLoss, record.bestValidationLoss].some(
    // NaN fails every comparison, so `!(loss <= uniform)` holds for it too.
    (loss) => loss !== undefined && !(loss <= uniform),
  );
}

/** Diverged judged from metrics while a run trains: its newest few losses above uniform. */
export function divergedFromPoints(points: readonly LossPoint[], vocabSize: number): boolean {
  const recent = points.slice(-5);
  if (recent.length === 0) return false;
  const uniform = uniformLoss(vocabSize);
  return recent.every((p) => !Number.isFinite(p.lmLoss) || p.lmLoss > uniform);
}
