/**
 * Differentiable primitives shaped around what the backends do fast.
 *
 * What tfjs-wasm (the embedded default) does slowly, measured on the reference model, and what
 * these ops do instead:
 * - batched or transposed matMul: ~10x slower than a plain 2-D one, and matMul's stock gradient
 *   uses transposed products. `linear` transposes explicitly; `channelMatMul` runs batches of
 *   small products as a depthwise convolution.
 * - gather: slow, and no kernel for its gradient (UnsortedSegmentSum). gatherND / scatterND.
 * - Slice, Unpack, SplitV: read the whole input into JavaScript per output. `unstackRows`.
 * - sums over a leading axis: transpose first. `sumRows`.
 * - 5-D transposes: ~100x slower than 4-D ones (callers keep to 4-D).
 * Each op computes exactly what the tfjs op it replaces computes (test/core/ops.test.ts).
 *
 * With native kernels (BLAS on the wasm heap, src/services/native-kernels.ts) wasm's batched and
 * transposed products are as fast as any: `fastProducts()` is then true and the layers use
 * plain (batched) matMul with transpose flags instead of the workarounds above.
 */
import * as tf from '@tensorflow/tfjs';

/** The tfjs flag that is true while native kernels serve the wasm backend. */
export const NATIVE_KERNELS_FLAG = 'MOT_NATIVE_KERNELS';
tf.env().registerFlag(NATIVE_KERNELS_FLAG, () => false);

/** Whether the native kernels serve the current backend (wasm). */
export function nativeKernels(): boolean {
  return tf.getBackend() === 'wasm' && tf.env().getBool(NATIVE_KERNELS_FLAG);
}

/** Whether batched / transposed matMul is fast on the current backend (all but plain wasm). */
export function fastProducts(): boolean {
  return tf.getBackend() !== 'wasm' || nativeKernels();
}

/** A kernel the native addon adds: inputs dy, y (= relu(x)); output dy where y > 0, else 0. */
export const RELU_GRAD_KERNEL = 'MotReluGrad';

type Save = tf.GradSaveFunc;
type GradResult<T extends tf.Tensor> = {
  value: T;
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
};

/** tf.customGrad with typed inputs: `op(inputs, save)` gets the tensors as an array. */
export function customOp<T extends tf.Tensor>(
  op: (inputs: tf.Tensor[], save: Save) => GradResult<T>,
) {
  return tf.customGrad(((...args: (tf.Tensor | Save)[]) => {
    const save = args.pop() as Save;
    return op(args as tf.Tensor[], save);
  }) as Parameters<typeof tf.customGrad<T>>[0]);
}

/**
 * y[n, o] = x[n, i] @ w[i, o]. Where transposed products are fast, tf.matMul (its gradient folds
 * the transposes into the products' flags). On plain wasm, dx = dy @ w^T and dw = x^T @ dy as
 * plain 2-D products after explicit transposes. wasm transposes a tall matrix at a cost that
 * grows with its width, so dw transposes the narrower of x and dy: when x is wider (the [N, 4d]
 * hidden layer of an FFN), dw = (dy^T @ x)^T, whose last transpose is only [o, i].
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return fastProducts() ? tf.matMul(x, w) : explicitLinear(x, w);
}

const explicitLinear = customOp(([x, w], save) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy, [xs, ws]) => {
      const [x2, dy2] = [xs as tf.Tensor2D, dy as tf.Tensor2D];
      const dw =
        x2.shape[1] > dy2.shape[1]
          ? tf.transpose(tf.matMul(tf.transpose(dy2), x2))
          : tf.matMul(tf.transpose(x2), dy2);
      return [tf.matMul(dy2, tf.transpose(ws as tf.Tensor2D)), dw];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * N independent matrix products, with the batch axis n where a depthwise convolution wants it:
 *   out[m, n, p] = sum_k a[m, k, n] * b[k, n, p]      a [M, K, N], b [K, N, P] -> out [M, N, P]
 * i.e. out[:, n, :] = a[:, :, n] @ b[:, n, :]. Attention (n = example x head) and the MoT merge /
 * emit (n = group) are written in this layout.
 *
 * Why a convolution: on wasm a batched tf.matMul runs a generic loop at about 1.5 GFLOP/s, while
 * tf.depthwiseConv2d (XNNPACK, one group per channel n) computes the same sums 3-5x faster: with
 * input [1, M, K, N] and filter [1, K, N, P], a 'valid' convolution gives
 * out[0, m, 0, n*P + p] = sum_k a[m, k, n] b[k, n, p], which is `out` reshaped. Its gradients are
 * again such products (written out below: wasm has no kernel for the depthwise backprops). For
 * plain wasm only: where batched matMul is fast (`fastProducts`), the layers call it directly.
 */
export function channelMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return convChannelMatMul(a, b);
}

/** channelMatMul's convolutions, on any backend; exported for tests. */
export const convChannelMatMul = customOp(([a, b], save) => {
  save([a, b]);
  return {
    value: convProduct(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dOut, [savedA, savedB]) => {
      const [M, K, N] = (savedA as tf.Tensor3D).shape;
      const P = (savedB as tf.Tensor3D).shape[2];
      // da[m, k, n] = sum_p dOut[m, n, p] b[k, n, p]: the same product over p, then back to [M, K, N].
      const da = convProduct(
        dOut.transpose([0, 2, 1]) as tf.Tensor3D, // [M, P, N]
        savedB.transpose([2, 1, 0]) as tf.Tensor3D, // [P, N, K]
      ).transpose([0, 2, 1]);
      // db[k, n, p] = sum_m a[m, k, n] dOut[m, n, p]: a convolution along the other spatial axis
      // (input [1, M, K, N], filter [M, 1, N, P]) needs no transpose at all.
      const db = tf
        .depthwiseConv2d(
          savedA.reshape([1, M, K, N]) as tf.Tensor4D,
          dOut.reshape([M, 1, N, P]) as tf.Tensor4D,
          1,
          'valid',
        )
        .reshape([K, N, P]);
      return [da, db];
    },
  };
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

/** The forward convolution of channelMatMul: a [M, K, N], b [K, N, P] -> [M, N, P]. */
function convProduct(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [M, K, N] = a.shape;
  const P = b.shape[2];
  const input = a.reshape([1, M, K, N]) as tf.Tensor4D;
  const filter = b.reshape([1, K, N, P]) as tf.Tensor4D;
  return tf.depthwiseConv2d(input, filter, 1, 'valid').reshape([M, N, P]);
}

/**
 * Column sums of x [n, c] -> [c], as n times an average pool over all n rows. wasm reduces over a
 * leading axis by transposing first (about 1.6 ms for [2048, 128]), and a ones[1, n] @ x product
 * re-packs x as matMul weights; XNNPACK's pooling reads x once (about 0.2 ms).
 */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  const [n, c] = x.shape;
  const pooled = tf.avgPool(x.reshape([1, n, 1, c]) as tf.Tensor4D, [n, 1], 1, 'valid');
  return pooled.mul(n).reshape([c]);
}

/**
 * rows[n, c] = table[ids[n], c]. Gradient: dy scattered back (repeated ids add up); none for ids.
 * gatherND, not gather: on wasm it copies rows about 15x faster.
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  // The forward pass runs inside a tidy: only tensors handed to `save` live on for the backward.
  const op = customOp(([t], save) => {
    const indices = ids.expandDims(1) as tf.Tensor2D; // [n, 1]
    save([indices]);
    return {
      value: tf.gatherND(t, indices) as tf.Tensor2D,
      gradFunc: (dy, [savedIndices]) => tf.scatterND(savedIndices, dy, table.shape),
    };
  }) as (t: tf.Tensor2D) => tf.Tensor2D;
  return op(table);
}

/**
 * x [n, ...rest] -> n tensors [...rest], as tf.unstack. On wasm, Slice / Unpack / SplitV read the
 * whole input back into JavaScript once per output (milliseconds for a few MB); gatherND copies
 * only the part it returns, and its gradient scatters it back. Other backends unstack well.
 */
export function unstackRows(x: tf.Tensor): tf.Tensor[] {
  if (tf.getBackend() !== 'wasm') return tf.unstack(x);
  const [n, ...rest] = x.shape;
  const rows = x.reshape([n, -1]) as tf.Tensor2D;
  return Array.from({ length: n }, (_, i) =>
    gatherRows(rows, tf.tensor1d([i], 'int32')).reshape(rest),
  );
}

/** tf.stack along a new first axis; on wasm its gradient gathers rows (see unstackRows). */
export function stackRows(parts: tf.Tensor[]): tf.Tensor {
  if (tf.getBackend() !== 'wasm') return tf.stack(parts);
  const shape = parts[0].shape;
  const op = customOp((inputs, save) => {
    save([]);
    return {
      value: tf.stack(inputs),
      gradFunc: (dy) => {
        const rows = dy.reshape([inputs.length, -1]) as tf.Tensor2D;
        return inputs.map((_, i) =>
          tf.gatherND(rows, tf.tensor2d([[i]], [1, 1], 'int32')).reshape(shape),
        );
      },
    };
  });
  return op(...parts);
}

/** out[r, c] = sum over n with ids[n] = r of values[n, c], for `rows` rows. Gradient: gather of dy. */
export function scatterRows(values: tf.Tensor2D, ids: tf.Tensor1D, rows: number): tf.Tensor2D {
  const op = customOp(([x], save) => {
    const indices = ids.expandDims(1) as tf.Tensor2D; // [n, 1]
    save([indices]);
    return {
      value: tf.scatterND(indices, x, [rows, values.shape[1]]),
      gradFunc: (dy, [savedIndices]) => tf.gatherND(dy, savedIndices),
    };
  }) as (x: tf.Tensor2D) => tf.Tensor2D;
  return op(values);
}

/**
 * tf.relu. With native kernels its gradient is one pass (RELU_GRAD_KERNEL) instead of the stock
 * Step, Cast and Multiply, each a pass over the [N, 4d] hidden layer.
 */
export function relu<T extends tf.Tensor>(x: T): T {
  return nativeKernels() ? (nativeRelu(x) as T) : tf.relu(x);
}

const nativeRelu = customOp(([x], save) => {
  const y = tf.relu(x);
  save([y]);
  return {
    value: y,
    gradFunc: (dy, [ys]) => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, y: ys }) as tf.Tensor,
  };
});

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
