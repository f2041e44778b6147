/**
 * Data parallelism inside one training process: W replicas of the model, each computing the
 * gradient of its own rows of the global batch. The trainer keeps replica 0 (its own model, the
 * one that is checkpointed, evaluated and snapshotted) and samples the whole batch exactly as a
 * one-worker run does; `GradientPeers` are the other W - 1 (worker threads, see
 * src/services/train-workers). Worker w trains rows [w*B/W, (w+1)*B/W): a MoT group (g rows at
 * one position) never spans two workers when B/W is a multiple of g.
 *
 * Each slice's loss is the mean over its rows, so the mean of the W slice gradients is the
 * gradient of the global mean: dense and MoT train the same function as one worker, up to float
 * summation order. A sparse MoE's capacity and load-balancing loss are per slice (per worker),
 * which is what differs.
 */
import type * as tf from '@tensorflow/tfjs';

/** One slice's losses, in nats. */
export interface SliceLosses {
  loss: number;
  lmLoss: number;
  auxLoss: number;
}

export interface PeerGradients {
  /** The sum of the peers' gradients, flat, parameter after parameter in the model's order. */
  sum: Float32Array;
  /** Each peer's losses, peer order. */
  losses: SliceLosses[];
}

/** The replicas besides the trainer's own. */
export interface GradientPeers {
  /** How many (W - 1). */
  readonly count: number;
  /**
   * Gives every peer the current weights and its rows (slices[i] for peer i: B/W windows of
   * `width` = T+1 ids each) and resolves with their gradients. It sends at once and resolves
   * later, so the trainer computes its own rows in between.
   */
  gradients(
    params: Map<string, tf.Variable>,
    slices: Int32Array[],
    width: number,
  ): Promise<PeerGradients>;
}

/** Why `workers` cannot split this batch, or null when it can. */
export function workerSplitProblem(
  batchSize: number,
  workers: number,
  motGroupSize: number | null,
): string | null {
  if (batchSize % workers !== 0)
    return `must divide train.batchSize (${batchSize}): each worker trains batchSize / workers rows`;
  const rows = batchSize / workers;
  if (motGroupSize !== null && rows % motGroupSize !== 0)
    return `each worker gets ${rows} rows, not a multiple of model.mot.groupSize (${motGroupSize}): MoT groups must stay whole`;
  return null;
}

/** The W slices of a batch of `rows` windows of `width` ids: views, worker order. */
export function splitRows(batch: Int32Array, rows: number, width: number, workers: number) {
  const per = (rows / workers) * width;
  return Array.from({ length: workers }, (_, w) => batch.subarray(w * per, (w + 1) * per));
}

/** The mean of W slices' losses. */
export function meanLosses(slices: SliceLosses[]): SliceLosses {
  const mean = (key: keyof SliceLosses) =>
    slices.reduce((sum, s) => sum + s[key], 0) / slices.length;
  return { loss: mean('loss'), lmLoss: mean('lmLoss'), auxLoss: mean('auxLoss') };
}
