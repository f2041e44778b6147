/**
 * Sparse MoE with two routers. Token choice (Switch for topK = 1): each token picks its top-k
 * experts from a softmax over experts; an expert takes at most `capacity` tokens per batch, and a
 * token past capacity skips that expert (its residual carries it through). Expert choice
 * (expert-choice.ts): at each position, each expert takes its top-c tokens among the batch's
 * sequences. Either way, y = sum over the experts that took the token of p(e | token) *
 * expert_e(token); expert choice then normalises y with a LayerNorm, as the authors' baseline does.
 *
 * Capacity order: first every token's 1st choice, then every token's 2nd choice, ...; within one
 * rank, tokens in flattened order b*T + t (batch-major, then position). So a later choice never
 * displaces an earlier one, and within a rank earlier examples and positions win.
 */
import * as tf from '@tensorflow/tfjs';
import type { MoeConfig } from '../config';
import { chooseTokens, expertChoiceCapacity } from './expert-choice';
import { gatherRows, linear, relu, scatterRows, stopGradient } from './ops';
import { createExperts } from './experts';
import { LayerNorm } from './layer-norm';
import type { Params } from './params';
import type { FfnLayer, FfnOptions, FfnOutput } from './ffn';
import { coverageFractions, type RoutingPlan } from './routing';

export type MoeRouting = Pick<
  MoeConfig,
  'experts' | 'topK' | 'capacityFactor' | 'loadBalanceWeight' | 'routerZLossWeight'
> &
  Partial<Pick<MoeConfig, 'router' | 'balanceChoices'>>; // absent = token choice, all choices

export class MoeFfn implements FfnLayer {
  readonly kind = 'moe' as const;
  readonly router: tf.Variable; // [d, E]
  readonly w1: tf.Variable[]; // E x [d, f]
  readonly w2: tf.Variable[]; // E x [f, d]
  /** Expert choice only: LayerNorm over the layer's output (the authors' baseline has it). */
  readonly outputNorm: LayerNorm | null;

  constructor(
    params: Params,
    name: string,
    readonly dModel: number,
    readonly expertWidth: number,
    readonly config: MoeRouting & { initScale: number },
  ) {
    const { experts, initScale: scale } = config;
    this.router = params.create(`${name}.router`, [dModel, experts], {
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
    this.outputNorm =
      config.router === 'expert-choice' ? new LayerNorm(params, `${name}.out_norm`, dModel) : null;
  }

  apply(x: tf.Tensor3D, options: FfnOptions = {}): FfnOutput {
    const { experts: E, topK } = this.config;
    const [B, T, d] = x.shape;
    const N = B * T;
    const tokens = x.reshape([N, d]) as tf.Tensor2D;
    const logits = linear(tokens, this.router as tf.Tensor2D); // [N, E]
    const probs = tf.softmax(logits); // over experts, per token

    const expertChoice = this.config.router === 'expert-choice';
    // Token choice at inference runs without a capacity limit, so a token's output does not
    // depend on the rest of the batch. Expert choice has no such mode: at each position the
    // experts choose among the batch's sequences, so even at inference an output depends on the
    // other sequences' tokens at the same position (never on later positions).
    const capacity = expertChoice
      ? expertChoiceCapacity(B, E, this.config.capacityFactor) // per position
      : options.inference
        ? N
        : tokenCapacity(N, E, topK, this.config.capacityFactor);
    const probsData = probs.dataSync() as Float32Array;
    const plan = expertChoice
      ? chooseTokens(probsData, B, T, E, capacity)
      : routeTokens(probsData, N, E, topK, capacity, this.config.balanceChoices ?? 'all');

    // Gate probabilities p(e | token) for every (token, expert) pair that was taken.
    const flatProbs = probs.reshape([N * E, 1]) as tf.Tensor2D;
    const parts: tf.Tensor2D[] = [];
    const destinations: number[] = [];
    for (let e = 0; e < E; e++) {
      const ids = plan.tokensOf[e];
      if (ids.length === 0) continue;
      const idsTensor = tf.tensor1d(ids, 'int32');
      const expertIn = gatherRows(tokens, idsTensor); // [n_e, d]
      const expertOut = linear(
        relu(linear(expertIn, this.w1[e] as tf.Tensor2D)),
        this.w2[e] as tf.Tensor2D,
      );
      const gate = gatherRows(
        flatProbs,
        tf.tensor1d(
          ids.map((i) => i * E + e),
          'int32',
        ),
      ); // [n_e, 1]
      parts.push(expertOut.mul(gate));
      destinations.push(...ids);
    }
    const mixed =
      parts.length === 0
        ? tf.zerosLike(tokens)
        : scatterRows(tf.concat(parts, 0), tf.tensor1d(destinations, 'int32'), N);
    const y = this.outputNorm ? (this.outputNorm.apply(mixed) as tf.Tensor2D) : mixed;

    // Switch load balancing: E * sum_e f_e * P_e, f_e = share of the counted (token, choice)
    // pairs that chose e (a constant; all k choices as the authors count them, or only the
    // first), P_e = mean router probability of e (differentiable). 1 when perfectly balanced.
    // Expert choice is balanced by construction: no such loss (reported as 0).
    const counted = plan.choiceCount.reduce((a, b) => a + b, 0);
    const choiceShare = tf.tensor1d(plan.choiceCount.map((c) => c / counted));
    const loadBalanceLoss = expertChoice
      ? tf.scalar(0)
      : (choiceShare.mul(probs.mean(0)).sum().mul(E) as tf.Scalar);
    // Router z-loss: mean over tokens of logsumexp(logits)^2 (keeps logits small).
    const routerZLoss = tf.logSumExp(logits, 1).square().mean() as tf.Scalar;
    const auxLoss = loadBalanceLoss
      .mul(this.config.loadBalanceWeight)
      .add(routerZLoss.mul(this.config.routerZLossWeight)) as tf.Scalar;

    const out: FfnOutput = {
      y: y.reshape([B, T, d]) as tf.Tensor3D,
      auxLoss,
      stats: {
        load: plan.tokensOf.map((ids) => ids.length / N),
        // Token choice: (token, choice) pairs that found their expert full; expert choice:
        // tokens no expert took.
        droppedFraction: expertChoice ? plan.dropped / N : plan.dropped / (N * topK),
        capacity,
        ...coverageFractions(plan.tokensOf, N),
        loadBalanceLoss: stopGradient(loadBalanceLoss),
        routerZLoss: stopGradient(routerZLoss),
      },
    };
    if (options.capture) out.taken = takenMatrix(plan.tokensOf, B, T, E);
    return out;
  }
}

/** floor(capacityFactor * tokens * topK / E), at least 1. */
export function tokenCapacity(
  tokens: number,
  experts: number,
  topK: number,
  capacityFactor: number,
): number {
  return Math.max(1, Math.floor((capacityFactor * tokens * topK) / experts));
}

/**
 * Greedy capacity assignment in the order the file header describes. probs: [N, E] row-major.
 * `balance` says which choices `choiceCount` counts: all k (the authors) or only the first.
 */
export function routeTokens(
  probs: Float32Array,
  N: number,
  E: number,
  topK: number,
  capacity: number,
  balance: 'all' | 'first' = 'all',
): RoutingPlan {
  const choices = new Int32Array(N * topK);
  for (let n = 0; n < N; n++) {
    const row = Array.from(probs.subarray(n * E, n * E + E), (p, e) => [p, e] as const);
    row.sort((a, b) => b[0] - a[0] || a[1] - b[1]); // highest probability first, ties to lower e
    for (let r = 0; r < topK; r++) choices[n * topK + r] = row[r][1];
  }
  const tokensOf: number[][] = Array.from({ length: E }, () => []);
  const choiceCount = new Array<number>(E).fill(0);
  let dropped = 0;
  for (let r = 0; r < topK; r++) {
    for (let n = 0; n < N; n++) {
      const e = choices[n * topK + r];
      if (r === 0 || balance === 'all') choiceCount[e]++;
      if (tokensOf[e].length < capacity) tokensOf[e].push(n);
      else dropped++;
    }
  }
  return { tokensOf, dropped, choiceCount };
}

function takenMatrix(tokensOf: number[][], B: number, T: number, E: number): number[][][] {
  const taken = Array.from({ length: B }, () =>
    Array.from({ length: T }, () => new Array<number>(E).fill(0)),
  );
  tokensOf.forEach((ids, e) => ids.forEach((n) => (taken[Math.floor(n / T)][n % T][e] = 1)));
  return taken;
}
