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
import { linear, stopGradient } from './ops';
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
    this.w1 = [];
    this.w2 = [];
    for (let e = 0; e < experts; e++) {
      this.w1.push(
        params.create(`${name}.W1.${e}`, [dModel, expertWidth], {
          kind: 'truncated-normal',
          scale,
          fanIn: dModel,
        }),
      );
      this.w2.push(
        params.create(`${name}.W2.${e}`, [expertWidth, dModel], {
          kind: 'truncated-normal',
          scale,
          fanIn: expertWidth,
        }),
      );
    }
  }

  apply(x: tf.Tensor3D, options: FfnOptions = {}): FfnOutput {
    const { groupSize: g, experts: E, temperature } = this.config;
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

    // Merge: m[n, e, :] = sum_i w[n, i, e] x[n, i, :]   ([K*T, E, g] @ [K*T, g, d])
    const tokens = toGroups(x, g); // [K*T, g, d]
    const mixes = tf.matMul(weights, tokens, true, false); // [K*T, E, d]

    // Experts, expert-major: each runs two plain 2-D products on its K*T mixes.
    const perExpert = tf.unstack(mixes.transpose([1, 0, 2])) as tf.Tensor2D[]; // E x [K*T, d]
    const results = perExpert.map((m, e) =>
      linear(tf.relu(linear(m, this.w1[e] as tf.Tensor2D)), this.w2[e] as tf.Tensor2D),
    );
    const expertOut = tf.stack(results, 1) as tf.Tensor3D; // [K*T, E, d]

    // Emit: out[n, i, :] = sum_e w[n, i, e] y[n, e, :]   ([K*T, g, E] @ [K*T, E, d])
    const emitted = tf.matMul(weights, expertOut) as tf.Tensor3D; // [K*T, g, d]
    const y = fromGroups(emitted, K, T, g);

    const out: FfnOutput = { y, stats: mixStats(weights, logits, g) };
    if (options.capture) out.mixWeights = weights.reshape([K, T, g, E]) as tf.Tensor4D;
    return out;
  }
}

/** [B, T, c] -> [K*T, g, c]: row b = k*g + i goes to group (k, t), slot i. */
export function toGroups(x: tf.Tensor3D, g: number): tf.Tensor3D {
  const [B, T, c] = x.shape;
  return x
    .reshape([B / g, g, T, c])
    .transpose([0, 2, 1, 3])
    .reshape([(B / g) * T, g, c]) as tf.Tensor3D;
}

/** Inverse of toGroups: [K*T, g, c] -> [B, T, c]. */
function fromGroups(x: tf.Tensor3D, K: number, T: number, g: number): tf.Tensor3D {
  const c = x.shape[2];
  return x
    .reshape([K, T, g, c])
    .transpose([0, 2, 1, 3])
    .reshape([K * g, T, c]) as tf.Tensor3D;
}

/** w = softmax over the group axis (1) of z / tau, with the max subtracted first. */
function softmaxOverGroup(z: tf.Tensor3D, temperature: number): tf.Tensor3D {
  const scaled = z.div(temperature);
  const shifted = scaled.sub(stopGradient(scaled.max(1, true)));
  const e = shifted.exp();
  return e.div(e.sum(1, true));
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
