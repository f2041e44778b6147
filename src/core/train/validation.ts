/**
 * The validation set and its loss. One function picks the windows (the trainer's evaluations,
 * `mot eval` and the probe snapshots all score the same ones), one scores them under a chosen
 * way of running the model (the batch, MoT group size or discrete mixing, MoE without capacity).
 */
import * as tf from '@tensorflow/tfjs';
import { dataSeedOf, type RunConfig } from '../config';
import { sequentialWindows } from '../data/pack';
import type { FfnOptions } from '../model/ffn';
import type { Gpt } from '../model/gpt';
import { Rng } from '../rng';

/** Salt of the validation-sample stream, so it never coincides with the split's shuffle. */
const SAMPLE_SALT = 0x7a11da7a;

/**
 * The validation sample, row-major [windows, T+1], a whole number of batches:
 * - with `data.validationTokens`: the validation stream cut into non-overlapping windows (every
 *   target token in at most one window), shuffled once with the data seed, and the first
 *   ceil(validationTokens / (B*T)) batches of them (all whole batches when there are fewer). So
 *   the sample spans every validation document, is the same for every run with the same data
 *   seed and split, and MoT groups at validation are random windows, as in training.
 * - without it (runs made before it): the first train.evalBatches batches of consecutive windows.
 */
export function validationWindows(config: RunConfig, validation: Int32Array): Int32Array {
  const { model: m, train: t, data } = config;
  const T = m.contextLength;
  const available = Math.floor((validation.length - 1) / T);
  const wanted =
    data.validationTokens === undefined
      ? t.evalBatches
      : Math.ceil(data.validationTokens / (t.batchSize * T));
  const count = Math.min(wanted * t.batchSize, available - (available % t.batchSize));
  if (count < t.batchSize) {
    throw new Error(
      `validation data holds ${available} windows of ${T} tokens; one batch needs ${t.batchSize}: raise data.validationFraction or lower train.batchSize`,
    );
  }
  if (data.validationTokens === undefined) return sequentialWindows(validation, T, count);
  const tiles = sequentialWindows(validation, T, available);
  const order = new Rng(dataSeedOf(config) ^ SAMPLE_SALT).shuffle(
    Array.from({ length: available }, (_, i) => i),
  );
  const width = T + 1;
  const windows = new Int32Array(count * width);
  for (let row = 0; row < count; row++) {
    const from = order[row] * width;
    windows.set(tiles.subarray(from, from + width), row * width);
  }
  return windows;
}

export interface ValidationResult {
  /** Mean next-token loss, nats. */
  loss: number;
  /**
   * Standard error of that mean: the standard deviation of the per-batch losses over
   * sqrt(batches). Batches, not tokens, are the units, because tokens of one window (and, with
   * MoT or expert choice, windows of one batch) are not independent. null with one batch.
   */
  stdError: number | null;
  /** Tokens scored. */
  tokens: number;
}

/**
 * Mean next-token loss (nats) over `windows` [n, T+1], scored `batchSize` windows at a time
 * (a trailing partial batch is skipped).
 */
export function validationLoss(
  model: Gpt,
  windows: Int32Array,
  contextLength: number,
  batchSize: number,
  options: FfnOptions = {},
): ValidationResult {
  const width = contextLength + 1;
  const count = windows.length / width;
  const losses: number[] = [];
  for (let start = 0; start + batchSize <= count; start += batchSize) {
    const slice = windows.subarray(start * width, (start + batchSize) * width);
    losses.push(
      tf.tidy(() => {
        const batch = tf.tensor2d(slice, [batchSize, width], 'int32');
        return model.loss(batch, options).lmLoss.dataSync()[0];
      }),
    );
  }
  if (losses.length === 0) throw new Error(`no whole batch of ${batchSize} among ${count} windows`);
  const n = losses.length;
  const mean = losses.reduce((a, b) => a + b, 0) / n;
  const variance = losses.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1);
  return {
    loss: mean,
    stdError: n > 1 ? Math.sqrt(variance / n) : null,
    tokens: n * batchSize * contextLength,
  };
}
