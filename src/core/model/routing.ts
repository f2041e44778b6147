/**
 * What a sparse-MoE router decided for one batch, whichever router made the plan (token choice in
 * moe.ts, expert choice in expert-choice.ts): which tokens each expert processes.
 */

export interface RoutingPlan {
  /** For each expert, the flattened token indices (b*T + t) it processes, in capacity order. */
  tokensOf: number[][];
  /** Token choice: (token, choice) pairs that found their expert full. Expert choice: tokens no expert took. */
  dropped: number;
  /**
   * For the load-balancing loss: how many (token, choice) pairs chose expert e, counted over
   * the choices the loss counts (the first, or all k).
   */
  choiceCount: number[];
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
