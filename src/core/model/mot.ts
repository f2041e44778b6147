/**
 * The Mixture of Tokens layer (shared/MOT.md, arXiv 2310.15961).
 *
 * For each position t, batch rows k*g .. k*g+g-1 form group k (tokens of *different* examples at
 * the same position, so nothing leaks across time). For each group x_1..x_g and expert e:
 *   z[i,e] = x_i . C[:,e]                    controller logits
 *   w[i,e] = softmax_i(z[i,e] / tau)          sum over the group is 1, per expert
 *   m_e    = sum_i w[i,e] x_i                 the mix expert e receives
 *   y_e    = ReLU(m_e W1[e]) W2[e]            expert MLP d -> f -> d
 *   out_i  = sum_e w[i,e] y_e                 the same weights send the results back
 * No biases, no renormalisation across experts.
 */
import * as tf from '@tensorflow/tfjs';
import type { MotConfig } from '../config';
import {
  channelMatMul,
  fastProducts,
  linear,
  relu,
  stackRows,
  stopGradient,
  unstackRows,
} from './ops';
import { createExperts } from './experts';
import type { Params } from './params';
import type { FfnLayer, FfnOptions, FfnOutput } from './ffn';

export class MotFfn implements FfnLayer {
  readonly kind = 'mot' as const;
  readonly controller: tf.Variable; // C [d, E]
  /** Expert weights as separate 2-D variables: the fast path on wasm is a plain 2-D matMul. */
  readonly w1: tf.Variable[]; // E x [d, f]
  readonly w2: tf.Variable[]; // E x [f, d]

  constructor(
    params: Params,
    name: string,
    readonly dModel: number,
    readonly expertWidth: number,
    readonly config: Pick<MotConfig, 'groupSize' | 'experts' | 'temperature' | 'initScale'>,
  ) {
    const { experts, initScale: scale } = config;
    this.controller = params.create(`${name}.C`, [dModel, experts], {
      kind: 'truncated-normal',
      scale,
      fanIn: dModel,
    });
    ({ w1: this.w1, w2: this.w2 } = createExperts(
      params,
      name,
      dModel,
      expertWidth,
      experts,
      scale,
    ));
  }

  apply(x: tf.Tensor3D, options: FfnOptions = {}): FfnOutput {
    const { experts: E, temperature } = this.config;
    const g = options.groupSize ?? this.config.groupSize;
    const [B, T, d] = x.shape;
    if (B % g !== 0) {
      throw new Error(
        `MoT needs the batch (${B}) to be a multiple of the group size (${g}): groups are made across examples`,
      );
    }
    const K = B / g; // groups per position

    // Controller logits for every token at once: [B*T, d] @ [d, E], then grouped [K*T, g, E].
    const logits = linear(x.reshape([B * T, d]) as tf.Tensor2D, this.controller as tf.Tensor2D);
    const grouped = toGroups(logits.reshape([B, T, E]) as tf.Tensor3D, g); // [K*T, g, E]
    const weights = options.discrete
      ? topTokenWeights(grouped)
      : softmaxOverGroup(grouped, temperature);

    // Merge: m[e, n, :] = sum_i w[n, i, e] x[n, i, :] for every group n = k*T + t -> [E, N, d].
    const mix = fastProducts() ? batchedMixing(x, weights, g) : channelMixing(x, weights, g);
    const mixes = mix.merge();

    // Emit: out[i, :] = sum_e w[n, i, e] y[e, n, :], back to [B, T, d].
    const y = mix.emit(this.experts(mixes));

    const out: FfnOutput = { y, stats: mixStats(weights, logits, g) };
    if (options.capture) out.mixWeights = weights.reshape([K, T, g, E]) as tf.Tensor4D;
    return out;
  }

  /**
   * y_e = ReLU(m_e W1[e]) W2[e] for mixes [E, N, d] -> [E, N, d]: one batched product per layer
   * where those are fast (the weights stacked per step), else two plain 2-D products per expert.
   */
  private experts(mixes: tf.Tensor3D): tf.Tensor3D {
    if (fastProducts()) {
      const w1 = stackRows(this.w1) as tf.Tensor3D; // [E, d, f]
      const w2 = stackRows(this.w2) as tf.Tensor3D; // [E, f, d]
      return tf.matMul(relu(tf.matMul(mixes, w1)), w2);
    }
    const results = unstackRows(mixes).map((m, e) =>
      linear(relu(linear(m as tf.Tensor2D, this.w1[e] as tf.Tensor2D)), this.w2[e] as tf.Tensor2D),
    );
    return stackRows(results) as tf.Tensor3D;
  }
}

interface Mixing {
  /** -> [E, N, d] */
  merge(): tf.Tensor3D;
  /** expert results [E, N, d] -> y [B, T, d] */
  emit(results: tf.Tensor3D): tf.Tensor3D;
}

/** Batched matMul per group in [N, g, .] (w^T as a transpose flag): where those are fast. */
function batchedMixing(x: tf.Tensor3D, weights: tf.Tensor3D, g: number): Mixing {
  const [B, T, d] = x.shape;
  return {
    merge: () => tf.matMul(weights, toGroups(x, g), true).transpose([1, 0, 2]) as tf.Tensor3D,
    emit: (results) =>
      tf
        .matMul(weights, results.transpose([1, 0, 2])) // [N, g, d]
        .reshape([B / g, T, g, d])
        .transpose([0, 2, 1, 3])
        .reshape([B, T, d]) as tf.Tensor3D,
  };
}

/** channelMatMul's layout (n as the channel; see ops.ts): depthwise convolutions on plain wasm. */
function channelMixing(x: tf.Tensor3D, weights: tf.Tensor3D, g: number): Mixing {
  const [B, T, d] = x.shape;
  const K = B / g;
  const N = K * T;
  // tokens [g, N, d], weights [E, g, N]
  const tokens = x.reshape([K, g, T, d]).transpose([1, 0, 2, 3]).reshape([g, N, d]) as tf.Tensor3D;
  return {
    merge: () => channelMatMul(weights.transpose([2, 1, 0]) as tf.Tensor3D, tokens),
    emit: (results) =>
      channelMatMul(weights.transpose([1, 2, 0]) as tf.Tensor3D, results) // [g, N, d]
        .reshape([g, K, T, d])
        .transpose([1, 0, 2, 3])
        .reshape([B, T, d]) as tf.Tensor3D,
  };
}

/** [B, T, c] -> [K*T, g, c]: row b = k*g + i goes to group (k, t), slot i. */
export function toGroups(x: tf.Tensor3D, g: number): tf.Tensor3D {
  const [B, T, c] = x.shape;
  return x
    .reshape([B / g, g, T, c])
    .transpose([0, 2, 1, 3])
    .reshape([(B / g) * T, g, c]) as tf.Tensor3D;
}

/**
 * w = softmax over the group axis (1) of z / tau. tf.softmax (which subtracts the max first) works
 * on the last axis, so the group axis goes there and back: two transposes of [K*T, g, E] cost less
 * than a hand-written softmax, whose stop-gradient max still runs max's gradient (zeros) on wasm.
 */
function softmaxOverGroup(z: tf.Tensor3D, temperature: number): tf.Tensor3D {
  return tf.softmax(z.div(temperature).transpose([0, 2, 1])).transpose([0, 2, 1]) as tf.Tensor3D;
}

/** Discrete MoT: weight 1 on each expert's top-scoring token of the group (first on ties). */
function topTokenWeights(z: tf.Tensor3D): tf.Tensor3D {
  const g = z.shape[1];
  const top = z.argMax(1); // [K*T, E]
  return tf.oneHot(top, g).transpose([0, 2, 1]).toFloat() as tf.Tensor3D; // [K*T, g, E]
}

/**
 * Per-expert diagnostics the paper's authors logged: normalised mixing entropy H(w[:,e]) / log g
 * (1 = uniform mix, 0 = a single token), the max weight, and controller logit mean / std.
 */
function mixStats(weights: tf.Tensor3D, logits: tf.Tensor2D, g: number): FfnOutput['stats'] {
  return tf.tidy(() => {
    const w = stopGradient(weights);
    const entropy = w.mul(w.add(1e-12).log()).sum(1).neg().mean(0); // [E]
    const { mean, variance } = tf.moments(stopGradient(logits));
    return {
      mixEntropy: g > 1 ? entropy.div(Math.log(g)) : entropy.mul(0),
      maxWeight: w.max(1).mean(0), // [E]
      logitMean: mean,
      logitStd: variance.sqrt(),
    };
  });
}
