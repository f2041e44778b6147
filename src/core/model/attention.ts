import * as tf from '@tensorflow/tfjs';
import { channelMatMul, customOp, fastProducts, linear, nativeKernels, unstackRows } from './ops';
import type { Params } from './params';

/**
 * Causal multi-head self-attention without biases. One fused [d, 3d] projection makes q, k, v in a
 * single fast 2-D product; scores and mixing are one matrix product per (example, head): a batched
 * matMul where those are fast (k^T as a transpose flag), else `channelMatMul`, which runs them as
 * depthwise convolutions on plain wasm.
 */
export class CausalSelfAttention {
  private readonly qkv: tf.Variable;
  private readonly out: tf.Variable;

  constructor(
    params: Params,
    name: string,
    private readonly dModel: number,
    private readonly heads: number,
    initScale: number,
  ) {
    const init = { kind: 'truncated-normal', scale: initScale, fanIn: dModel } as const;
    this.qkv = params.create(`${name}.qkv`, [dModel, 3 * dModel], init);
    this.out = params.create(`${name}.out`, [dModel, dModel], init);
  }

  /** x [B, T, d] -> [B, T, d] */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    return fastProducts() ? this.batched(x) : this.channels(x);
  }

  /** Batched matMul over n = b*H + h, in [N, T, hd]. */
  private batched(x: tf.Tensor3D): tf.Tensor3D {
    const [B, T, d] = x.shape;
    const H = this.heads;
    const headDim = d / H;
    // q, k and v each from its own [d, d] column block of the weight: splitting the [d, 3d]
    // weight copies 3d^2 floats, while splitting the [B*T, 3d] product (and scattering its
    // gradient back) costs several passes over 3BTd.
    const rows = x.reshape([B * T, d]) as tf.Tensor2D;
    // The 1/sqrt(hd) of the scores goes on q's weights: d^2 multiplies instead of B*T*d.
    const scale = tf.tensor3d([1 / Math.sqrt(headDim), 1, 1], [3, 1, 1]);
    const blocks = unstackRows(this.qkv.reshape([d, 3, d]).transpose([1, 0, 2]).mul(scale)); // 3 x [d, d]
    const [q, k, v] = blocks.map(
      (w) =>
        linear(rows, w as tf.Tensor2D)
          .reshape([B, T, H, headDim])
          .transpose([0, 2, 1, 3])
          .reshape([B * H, T, headDim]) as tf.Tensor3D, // [N, T, hd]
    );
    const scores = tf.matMul(q, k, false, true) as tf.Tensor3D; // [N, T_q, T_k]
    // Over keys; the native kernel masks as it goes (one pass each way, no mask to add).
    const probs = nativeKernels() ? causalSoftmax(scores) : tf.softmax(scores.add(causalMask(T)));
    const mixed = tf.matMul(probs, v); // [N, T, hd]
    const merged = mixed
      .reshape([B, H, T, headDim])
      .transpose([0, 2, 1, 3])
      .reshape([B * T, d]);
    return linear(merged as tf.Tensor2D, this.out as tf.Tensor2D).reshape([B, T, d]) as tf.Tensor3D;
  }

  /** One product per (example, head) in channelMatMul's layout (n as the channel). */
  private channels(x: tf.Tensor3D): tf.Tensor3D {
    const [B, T, d] = x.shape;
    const H = this.heads;
    const headDim = d / H;
    const N = B * H; // one attention problem per (example, head): n = b*H + h
    // [B*T, 3d] -> [3, B, T, d], so that q, k and v are whole rows of one tensor.
    const qkv = linear(x.reshape([B * T, d]) as tf.Tensor2D, this.qkv as tf.Tensor2D)
      .reshape([B, T, 3, d])
      .transpose([2, 0, 1, 3]);
    const [q, k, v] = unstackRows(qkv).map((t) => t.reshape([B, T, H, headDim]));
    // Each into the layout channelMatMul wants (n as the channel). All 4-D: a 5-D transpose is
    // ~100x slower on wasm. Scaling q (hd wide) costs less than scaling the scores (T wide).
    const queries = q
      .mul(1 / Math.sqrt(headDim))
      .transpose([1, 3, 0, 2])
      .reshape([T, headDim, N]) as tf.Tensor3D; // [T_q, hd, N]
    const keys = k.transpose([3, 0, 2, 1]).reshape([headDim, N, T]) as tf.Tensor3D; // [hd, N, T_k]
    const values = v.transpose([1, 0, 2, 3]).reshape([T, N, headDim]) as tf.Tensor3D; // [T_k, N, hd]

    const scores = channelMatMul(queries, keys); // [T_q, N, T_k]
    const probs = tf.softmax(scores.add(causalMask(T).reshape([T, 1, T]))); // over keys
    const mixed = channelMatMul(probs.transpose([0, 2, 1]) as tf.Tensor3D, values); // [T_q, N, hd]
    // [T, B, H, hd] -> [B, T, d]: heads side by side, as the output projection expects.
    const merged = mixed
      .reshape([T, B, d])
      .transpose([1, 0, 2])
      .reshape([B * T, d]);
    return linear(merged as tf.Tensor2D, this.out as tf.Tensor2D).reshape([B, T, d]) as tf.Tensor3D;
  }
}

/**
 * Kernels the native addon adds to the wasm backend. CAUSAL_SOFTMAX_KERNEL: input x [N, T, T]
 * (query, key); output the softmax over keys 0..q of each row q, 0 for the later keys (what
 * softmax(x + causalMask) gives). SOFTMAX_GRAD_KERNEL: inputs dy, y (= softmax over the last
 * axis); output y * (dy - sum(dy * y)) per row.
 */
export const CAUSAL_SOFTMAX_KERNEL = 'MotCausalSoftmax';
export const SOFTMAX_GRAD_KERNEL = 'MotSoftmaxGrad';

const causalSoftmax = customOp(([scores], save) => {
  const engine = tf.engine();
  const probs = engine.runKernel(CAUSAL_SOFTMAX_KERNEL, { x: scores }) as tf.Tensor3D;
  save([probs]);
  return {
    value: probs,
    gradFunc: (dy, [p]) => engine.runKernel(SOFTMAX_GRAD_KERNEL, { dy, y: p }) as tf.Tensor,
  };
}) as (scores: tf.Tensor3D) => tf.Tensor3D;

/**
 * [T, T] with 0 where key <= query and -1e9 above the diagonal (the future). The values are
 * built once per length on the CPU; each call only uploads them (no per-step mask arithmetic,
 * and no tensor that outlives the caller's scope).
 */
function causalMask(time: number): tf.Tensor2D {
  let values = maskValues.get(time);
  if (!values) {
    values = new Float32Array(time * time);
    for (let query = 0; query < time; query++)
      for (let key = query + 1; key < time; key++) values[query * time + key] = -1e9;
    maskValues.set(time, values);
  }
  return tf.tensor2d(values, [time, time]);
}
const maskValues = new Map<number, Float32Array>();
