/**
 * Expert-choice routing (Zhou et al. 2022, "Mixture-of-Experts with Expert Choice Routing"), made
 * causal the way the MoT authors' baseline is (llm-random, `group_granular_moe_by_batch`): the
 * experts pick tokens, **per position across the batch**. With router probabilities p(e | token)
 * (softmax over experts, per token), at each position t expert e takes the c of the B tokens
 * (b, t), b = 0..B-1, with the highest p(e | token), c = floor(capacityFactor * B / E). Every
 * expert is exactly full at every position, so no load-balancing loss is needed; a token may be
 * taken by several experts or by none (it then passes through the residual only).
 *
 * Why per position: ranking all B*T tokens of a batch lets a later token of a sequence decide
 * whether an earlier one is processed, which leaks the future in a causal LM. Ranked per position,
 * token (b, t)'s output depends on the other sequences' tokens at position t (and, through
 * attention, on everything before t) and on nothing later. Like MoT, it therefore cannot decode
 * one sequence alone as trained: at inference an output depends on the other sequences of the
 * batch at the same position.
 */
import type { RoutingPlan } from './routing';

/** c = floor(capacityFactor * B / E) tokens per expert and position, at least 1 and at most B. */
export function expertChoiceCapacity(
  batch: number,
  experts: number,
  capacityFactor: number,
): number {
  return Math.min(batch, Math.max(1, Math.floor((capacityFactor * batch) / experts)));
}

/**
 * probs: [B*T, E] row-major (row b*T + t). For each position t and expert e, the `capacity` rows
 * b with the highest p(e | (b, t)), best first (ties to the lower b); `tokensOf[e]` lists them
 * position by position. `dropped` counts tokens no expert took; `choiceCount` is each expert's
 * count of tokens whose most likely expert it is (a diagnostic only here).
 */
export function chooseTokens(
  probs: Float32Array,
  B: number,
  T: number,
  E: number,
  capacity: number,
): RoutingPlan {
  const N = B * T;
  const tokensOf: number[][] = Array.from({ length: E }, () => []);
  const rows = Array.from({ length: B }, (_, b) => b);
  for (let t = 0; t < T; t++) {
    for (let e = 0; e < E; e++) {
      const p = (b: number) => probs[(b * T + t) * E + e];
      rows.sort((a, b) => p(b) - p(a) || a - b);
      for (let r = 0; r < capacity; r++) tokensOf[e].push(rows[r] * T + t);
    }
  }
  const taken = new Uint8Array(N);
  for (const ids of tokensOf) for (const n of ids) taken[n] = 1;
  const choiceCount = new Array<number>(E).fill(0);
  for (let n = 0; n < N; n++) {
    let best = 0;
    for (let e = 1; e < E; e++) if (probs[n * E + e] > probs[n * E + best]) best = e;
    choiceCount[best]++;
  }
  return { tokensOf, dropped: N - taken.reduce((s, x) => s + x, 0), choiceCount };
}
