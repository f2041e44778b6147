/** The fast-path primitives of src/core/model/ops.ts against tfjs's own ops, values and gradients. */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/core/model/gpt';
import {
  convChannelMatMul,
  fastProducts,
  gatherRows,
  linear,
  nativeKernels,
  NATIVE_KERNELS_FLAG,
  scatterRows,
  stackRows,
  stopGradient,
  sumRows,
  unstackRows,
  withTensorScope,
} from '../../src/core/model/ops';
import { Rng } from '../../src/core/rng';

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-wasm');
});

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: size }, () => rng.normal() * scale),
    shape,
  );
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}

/** Value and gradients of sum(f(inputs) * weight), for a fixed random weight. */
function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) {
  const value = f(...inputs);
  const weight = random(value.shape, 99);
  const grads = tf.grads((...xs: tf.Tensor[]) =>
    f(...xs)
      .mul(weight)
      .sum(),
  )(inputs);
  return { value, grads };
}

function expectSame(
  ours: ReturnType<typeof withGrads>,
  reference: ReturnType<typeof withGrads>,
  tolerance = 1e-5,
) {
  expect(ours.value.shape).toEqual(reference.value.shape);
  expect(maxAbsDiff(ours.value, reference.value)).toBeLessThan(tolerance);
  ours.grads.forEach((g, i) => expect(maxAbsDiff(g, reference.grads[i])).toBeLessThan(tolerance));
}

describe.each(['cpu', 'wasm'])('fast-path ops on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('convChannelMatMul equals a batched tf.matMul, gradients included', () => {
    const [M, K, N, P] = [4, 5, 3, 6];
    const inputs = [random([M, K, N], 1), random([K, N, P], 2)];
    const reference = (a: tf.Tensor, b: tf.Tensor) =>
      tf.matMul(a.transpose([2, 0, 1]), b.transpose([1, 0, 2])).transpose([1, 0, 2]); // [M, N, P]
    expectSame(
      withGrads((a, b) => convChannelMatMul(a as tf.Tensor3D, b as tf.Tensor3D), inputs),
      withGrads(reference, inputs),
    );
  });

  it('linear equals tf.matMul, gradients included, for narrow and wide inputs', () => {
    for (const [rows, inner, outer] of [
      [7, 3, 5],
      [7, 5, 3],
    ]) {
      const inputs = [random([rows, inner], 3), random([inner, outer], 4)];
      expectSame(
        withGrads((x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D), inputs),
        withGrads((x, w) => tf.matMul(x, w), inputs),
      );
    }
  });

  it('gatherRows and scatterRows equal one-hot products, gradients included', () => {
    const ids = tf.tensor1d([2, 0, 2, 3], 'int32');
    const oneHot = tf.oneHot(ids, 4).toFloat(); // [4 ids, 4 rows]
    const table = [random([4, 3], 5)];
    expectSame(
      withGrads((t) => gatherRows(t as tf.Tensor2D, ids), table),
      withGrads((t) => tf.matMul(oneHot, t), table),
    );
    const values = [random([4, 3], 6)];
    expectSame(
      withGrads((v) => scatterRows(v as tf.Tensor2D, ids, 4), values),
      withGrads((v) => tf.matMul(oneHot, v, true, false), values),
    );
  });

  it('sumRows equals tf.sum over axis 0', () => {
    const x = random([300, 5], 8) as tf.Tensor2D;
    expect(maxAbsDiff(sumRows(x), x.sum(0))).toBeLessThan(1e-4);
  });

  it('unstackRows and stackRows equal tf.unstack and tf.stack, gradients included', () => {
    const x = [random([3, 2, 4], 9)];
    const scale = (parts: tf.Tensor[]) => parts.map((t, i) => t.mul(i + 1));
    expectSame(
      withGrads((t) => stackRows(scale(unstackRows(t))), x),
      withGrads((t) => tf.stack(scale(tf.unstack(t))), x),
    );
  });

  it('crossEntropy equals logsumexp - logit[target], gradients included, even for huge logits', () => {
    const targets = tf.tensor1d([0, 3, 1, 4, 4], 'int32');
    const reference = (z: tf.Tensor) =>
      tf
        .logSumExp(z, 1)
        .sub(z.mul(tf.oneHot(targets, 6).toFloat()).sum(1))
        .mean();
    for (const scale of [1, 1000]) {
      const logits = [random([5, 6], 7, scale)];
      expectSame(
        withGrads((z) => crossEntropy(z as tf.Tensor2D, targets), logits),
        withGrads(reference, logits),
        1e-5 * scale,
      );
    }
  });
});

describe('stopGradient and withTensorScope', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('stopGradient passes values through and no gradient back', () => {
    const x = random([2, 3], 10);
    const [dx] = tf.grads((t: tf.Tensor) => stopGradient(t).mul(t).sum())([x]);
    expect(maxAbsDiff(stopGradient(x), x)).toBe(0);
    expect(maxAbsDiff(dx, x)).toBe(0); // d/dt of sg(t) * t is sg(t) = t, nothing through sg
  });

  it('withTensorScope returns plain data and frees the tensors made inside, also on a throw', () => {
    const before = tf.memory().numTensors;
    expect(withTensorScope(() => tf.ones([4]).sum().dataSync()[0])).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    expect(() =>
      withTensorScope(() => {
        tf.ones([4]);
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('which products the backend gets', () => {
  afterEach(async () => {
    tf.env().set(NATIVE_KERNELS_FLAG, false);
    await tf.setBackend('cpu');
  });

  it('plain wasm gets the workarounds; wasm with native kernels and every other backend do not', async () => {
    await tf.setBackend('cpu');
    tf.env().set(NATIVE_KERNELS_FLAG, true); // the flag means nothing off wasm
    expect([nativeKernels(), fastProducts()]).toEqual([false, true]);
    await tf.setBackend('wasm');
    tf.env().set(NATIVE_KERNELS_FLAG, false);
    expect([nativeKernels(), fastProducts()]).toEqual([false, false]);
    tf.env().set(NATIVE_KERNELS_FLAG, true);
    expect([nativeKernels(), fastProducts()]).toEqual([true, true]);
  });
});
