/**
 * Differentiable primitives shaped around what the backends do fast.
 *
 * tfjs-wasm runs a plain, untransposed 2-D matMul about 10x faster than a batched or transposed
 * one, and matMul's stock gradient uses transposed products; it also has no kernel for the
 * gradient of `gather` (UnsortedSegmentSum). So the hot path uses these ops, whose gradients
 * transpose explicitly and scatter with ScatterNd, which every backend has.
 */
import * as tf from '@tensorflow/tfjs';

type Save = tf.GradSaveFunc;
type GradResult<T extends tf.Tensor> = {
  value: T;
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
};

/** tf.customGrad with typed inputs: `op(inputs, save)` gets the tensors as an array. */
function customOp<T extends tf.Tensor>(op: (inputs: tf.Tensor[], save: Save) => GradResult<T>) {
  return tf.customGrad(((...args: (tf.Tensor | Save)[]) => {
    const save = args.pop() as Save;
    return op(args as tf.Tensor[], save);
  }) as Parameters<typeof tf.customGrad<T>>[0]);
}

/** y[n, o] = x[n, i] @ w[i, o], with dx = dy @ w^T and dw = x^T @ dy as plain 2-D products. */
export const linear = customOp(([x, w], save) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy, [xs, ws]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(ws as tf.Tensor2D)),
      tf.matMul(tf.transpose(xs as tf.Tensor2D), dy as tf.Tensor2D),
    ],
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** x[..., i] @ w[i, o] for x of any rank: flattens the leading axes, multiplies, restores them. */
export function linearNd(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  const y = linear(x.reshape([-1, w.shape[0]]) as tf.Tensor2D, w);
  return y.reshape([...lead, w.shape[1]]);
}

/** rows[n, c] = table[ids[n], c]. Gradient: dy scattered back (repeated ids add up); none for ids. */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  // The forward pass runs inside a tidy: only tensors handed to `save` live on for the backward.
  const op = customOp(([t], save) => {
    save([ids]);
    return {
      value: tf.gather(t as tf.Tensor2D, ids),
      gradFunc: (dy, [savedIds]) => tf.scatterND(savedIds.expandDims(1), dy, table.shape),
    };
  }) as (t: tf.Tensor2D) => tf.Tensor2D;
  return op(table);
}

/** out[r, c] = sum over n with ids[n] = r of values[n, c], for `rows` rows. Gradient: gather of dy. */
export function scatterRows(values: tf.Tensor2D, ids: tf.Tensor1D, rows: number): tf.Tensor2D {
  const op = customOp(([x], save) => {
    save([ids]);
    return {
      value: tf.scatterND(ids.expandDims(1), x, [rows, values.shape[1]]),
      gradFunc: (dy, [savedIds]) => tf.gather(dy, savedIds),
    };
  }) as (x: tf.Tensor2D) => tf.Tensor2D;
  return op(values);
}

/** Identity forward, zero gradient: for shifts that cancel out (softmax) and for diagnostics. */
export const stopGradient = customOp<tf.Tensor>(([x], save) => {
  save([]);
  return { value: tf.clone(x), gradFunc: (dy) => tf.zerosLike(dy) };
}) as <T extends tf.Tensor>(x: T) => T;

/** Like tf.tidy, for computations that return plain data (tidy only accepts tensor containers). */
export function withTensorScope<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}
