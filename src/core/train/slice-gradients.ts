/**
 * The gradient of one slice of a batch: the forward pass and backward pass of `model` on some
 * rows, without an optimizer update. The trainer uses it for the whole batch (one worker) or for
 * its own rows (data parallel, src/core/train/data-parallel.ts); each worker thread for its rows.
 */
import * as tf from '@tensorflow/tfjs';
import type { Gpt, LayerReport } from '../model/gpt';
import type { SliceLosses } from './data-parallel';

export interface SliceGradients {
  /**
   * d(mean loss over these rows)/d(parameter), by parameter name, in the model's parameter order.
   * A variable the loss never reached (an MoE expert that got no tokens) gets zeros.
   */
  grads: Record<string, tf.Tensor>;
  /** lmLoss + auxLoss, the mean next-token loss in nats, and the MoE auxiliary loss. */
  value: tf.Scalar;
  lmLoss: tf.Scalar;
  auxLoss: tf.Scalar;
  /** Layer reports with their stat tensors kept alive (readStats frees them). */
  layers: LayerReport[];
}

/** windows: rows x (T+1) token ids, row-major. The caller disposes every tensor returned. */
export function sliceGradients(
  model: Gpt,
  windows: Int32Array,
  rows: number,
  windowLength: number,
): SliceGradients {
  const ids = tf.tensor2d(windows, [rows, windowLength], 'int32');
  const variables = [...model.params.variables];
  let kept: { lmLoss: tf.Scalar; auxLoss: tf.Scalar; layers: LayerReport[] } | null = null;
  const { value, grads } = tf.variableGrads(
    () => {
      const result = model.loss(ids);
      kept = {
        lmLoss: tf.keep(result.lmLoss),
        auxLoss: tf.keep(result.auxLoss),
        layers: keepStats(result.layers),
      };
      return result.total;
    },
    variables.map(([, v]) => v),
  );
  const byName: Record<string, tf.Tensor> = {};
  for (const [name, v] of variables) byName[name] = grads[v.name] ?? tf.zerosLike(v);
  ids.dispose();
  const { lmLoss, auxLoss, layers } = kept!;
  return { grads: byName, value, lmLoss, auxLoss, layers };
}

/** The slice's three losses as numbers (reads them back from the backend). */
export function readLosses(slice: SliceGradients): SliceLosses {
  return {
    loss: slice.value.dataSync()[0],
    lmLoss: slice.lmLoss.dataSync()[0],
    auxLoss: slice.auxLoss.dataSync()[0],
  };
}

/** Frees what sliceGradients returned, except the layer stats (see readStats). */
export function disposeSlice(slice: SliceGradients): void {
  tf.dispose([slice.value, slice.lmLoss, slice.auxLoss, ...Object.values(slice.grads)]);
}

/** Keeps a layer report's stat tensors alive past the gradient tape's tidy. */
function keepStats(layers: LayerReport[]): LayerReport[] {
  for (const layer of layers) {
    for (const value of Object.values(layer.stats ?? {}))
      if (value instanceof tf.Tensor) tf.keep(value);
  }
  return layers;
}

/** Frees the stat tensors of layer reports that will not be read (a worker's). */
export function disposeStats(layers: LayerReport[]): void {
  for (const layer of layers) {
    for (const value of Object.values(layer.stats ?? {}))
      if (value instanceof tf.Tensor) value.dispose();
  }
}
