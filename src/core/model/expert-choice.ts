/**
 * Expert-choice routing (Zhou et al. 2022, "Mixture-of-Experts with Expert Choice Routing"):
 * the experts pick tokens instead of tokens picking experts. With router probabilities
 * p(e | token) (softmax over experts, per token), expert e takes the c tokens of the batch with
 * the highest p(e | token), c = floor(capacityFactor * N / E). Every expert is exactly full, so no
 * load-balancing loss is needed; a token may be taken by several experts or by none (it then
 * passes through the residual only).
 *
 * The choice is made over the whole batch: a token's output depends on the other tokens of the
 * batch (and, in a causal LM, on later positions of other sequences). Like MoT, it cannot decode
 * one sequence alone as trained.
 */
import type { RoutingPlan } from './moe';

/** c = floor(capacityFactor * N / E), at least 1 and at most N. */
export function expertChoiceCapacity(
  tokens: number,
  experts: number,
  capacityFactor: number,
): number {
  return Math.min(tokens, Math.max(1, Math.floor((capacityFactor * tokens) / experts)));
}

/**
 * probs: [N, E] row-major. For each expert, its top-`capacity` tokens by probability, best first
 * (ties to the lower token index). `dropped` counts tokens no expert took; `firstChoiceCount` is
 * each expert's count of tokens whose most likely expert it is (a diagnostic only here).
 */
export function chooseTokens(
  probs: Float32Array,
  N: number,
  E: number,
  capacity: number,
): RoutingPlan {
  const tokensOf: number[][] = [];
  const order = Array.from({ length: N }, (_, n) => n);
  for (let e = 0; e < E; e++) {
    order.sort((a, b) => probs[b * E + e] - probs[a * E + e] || a - b);
    tokensOf.push(order.slice(0, capacity));
  }
  const coverage = takenCounts(tokensOf, N);
  const firstChoiceCount = new Array<number>(E).fill(0);
  for (let n = 0; n < N; n++) {
    let best = 0;
    for (let e = 1; e < E; e++) if (probs[n * E + e] > probs[n * E + best]) best = e;
    firstChoiceCount[best]++;
  }
  return { tokensOf, dropped: coverage.filter((c) => c === 0).length, firstChoiceCount };
}

/** How many experts took each of the N tokens. */
export function takenCounts(tokensOf: number[][], N: number): Int32Array {
  const counts = new Int32Array(N);
  for (const ids of tokensOf) for (const n of ids) counts[n]++;
  return counts;
}

/** Fractions of the N tokens taken by no expert, by exactly one, and by several. */
export function coverageFractions(
  tokensOf: number[][],
  N: number,
): { takenByNone: number; takenByOne: number; takenBySeveral: number } {
  let none = 0;
  let one = 0;
  for (const c of takenCounts(tokensOf, N)) {
    if (c === 0) none++;
    else if (c === 1) one++;
  }
  return { takenByNone: none / N, takenByOne: one / N, takenBySeveral: (N - none - one) / N };
}
