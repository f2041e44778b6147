import * as tf from '@tensorflow/tfjs';
import { linearNd } from './ops';
import type { Params } from './params';

/**
 * Causal multi-head self-attention without biases. One fused [d, 3d] projection makes q, k, v in a
 * single fast 2-D product; scores and mixing are batched over (B * heads).
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
    const [batch, time] = x.shape;
    const headDim = this.dModel / this.heads;
    // [B, T, 3d] -> [3, B, H, T, hd]
    const qkv = linearNd(x, this.qkv as tf.Tensor2D)
      .reshape([batch, time, 3, this.heads, headDim])
      .transpose([2, 0, 3, 1, 4]);
    const [q, k, v] = tf.unstack(qkv).map((t) => t.reshape([batch * this.heads, time, headDim]));
    const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(headDim)); // [B*H, T, T]
    const masked = scores.add(causalMask(time));
    const mixed = tf.matMul(tf.softmax(masked), v); // [B*H, T, hd]
    const merged = mixed
      .reshape([batch, this.heads, time, headDim])
      .transpose([0, 2, 1, 3])
      .reshape([batch, time, this.dModel]);
    return linearNd(merged, this.out as tf.Tensor2D) as tf.Tensor3D;
  }
}

/** [T, T] with 0 where key <= query and -1e9 above the diagonal (the future). */
function causalMask(time: number): tf.Tensor2D {
  const allowed = tf.linalg.bandPart(tf.ones([time, time]), -1, 0);
  return tf.sub(1, allowed).mul(-1e9) as tf.Tensor2D;
}
