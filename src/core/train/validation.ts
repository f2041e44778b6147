/**
 * Validation loss of a model under a chosen way of running it: the batch it is scored in and the
 * FFN options (MoT group size or discrete mixing, MoE without capacity). The same fixed windows
 * as the trainer's evaluation, so every number is comparable with the run's eval records.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config';
import { sequentialWindows } from '../data/pack';
import type { FfnOptions } from '../model/ffn';
import type { Gpt } from '../model/gpt';

/**
 * The trainer's validation set: up to evalBatches * batchSize windows of T+1 tokens from the
 * start of the validation stream, cut to whole batches. Row-major [windows, T+1].
 */
export function validationWindows(config: RunConfig, validation: Int32Array): Int32Array {
  const { model: m, train: t } = config;
  const count = Math.min(
    t.evalBatches * t.batchSize,
    Math.floor((validation.length - 1) / m.contextLength),
  );
  return sequentialWindows(validation, m.contextLength, count - (count % t.batchSize));
}

/**
 * Mean next-token loss (nats) over `windows` [n, T+1], scored `batchSize` windows at a time
 * (a trailing partial batch is skipped). Returns the loss and the tokens scored.
 */
export function validationLoss(
  model: Gpt,
  windows: Int32Array,
  contextLength: number,
  batchSize: number,
  options: FfnOptions = {},
): { loss: number; tokens: number } {
  const width = contextLength + 1;
  const count = windows.length / width;
  let total = 0;
  let batches = 0;
  for (let start = 0; start + batchSize <= count; start += batchSize) {
    const slice = windows.subarray(start * width, (start + batchSize) * width);
    total += tf.tidy(() => {
      const batch = tf.tensor2d(slice, [batchSize, width], 'int32');
      return model.loss(batch, options).lmLoss.dataSync()[0];
    });
    batches++;
  }
  if (batches === 0) throw new Error(`no whole batch of ${batchSize} among ${count} windows`);
  return { loss: total / batches, tokens: batches * batchSize * contextLength };
}
