/**
 * Every MoT / MoE statistic the UI shows, against a direct computation in plain numbers from the
 * layer's own weights: MoT mixing entropy, max weight, controller logit mean / std; MoE load,
 * dropped share, capacity, coverage and the auxiliary losses.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MoeFfn } from '../../src/core/model/moe';
import { MotFfn } from '../../src/core/model/mot';
import { Params } from '../../src/core/model/params';
import { Rng } from '../../src/core/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const made: Params[] = [];
afterAll(() => made.forEach((p) => p.dispose()));

/** Tokens [N][d] of a [B, T, d] input, in flattened order n = b*T + t. */
function randomTokens(B: number, T: number, d: number, seed: number) {
  const rng = new Rng(seed);
  const flat = Array.from({ length: B * T * d }, () => rng.normal());
  const tokens = Array.from({ length: B * T }, (_, n) => flat.slice(n * d, (n + 1) * d));
  return { x: tf.tensor3d(flat, [B, T, d]), tokens };
}

/** tokens [N][d] @ w [d][E] */
function project(tokens: number[][], w: number[][]): number[][] {
  return tokens.map((x) => w[0].map((_, e) => x.reduce((s, v, j) => s + v * w[j][e], 0)));
}

function softmax(z: number[]): number[] {
  const top = Math.max(...z);
  const ex = z.map((v) => Math.exp(v - top));
  const total = ex.reduce((a, b) => a + b, 0);
  return ex.map((v) => v / total);
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const scalar = (value: unknown) => (value as tf.Tensor).dataSync()[0];
const vector = (value: unknown) => Array.from((value as tf.Tensor).dataSync());

function expectClose(actual: number[], expected: number[], digits = 5) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
}

describe('MoT statistics', () => {
  it('mixEntropy, maxWeight, logitMean and logitStd equal their definitions', () => {
    const [B, T, d, g, E, tau] = [8, 3, 5, 4, 3, 0.7];
    const params = new Params(new Rng(4));
    made.push(params);
    const layer = new MotFfn(params, 'mot', d, 6, {
      groupSize: g,
      experts: E,
      temperature: tau,
      initScale: 2, // sharper weights than uniform: max and entropy differ across experts
    });
    const { x, tokens } = randomTokens(B, T, d, 9);
    const stats = layer.apply(x).stats!;
    const logits = project(tokens, layer.controller.arraySync() as number[][]); // [N][E]

    // Group (k, t) holds rows k*g .. k*g+g-1 at position t; per expert a softmax over the group.
    const entropy: number[][] = Array.from({ length: E }, () => []);
    const maxWeight: number[][] = Array.from({ length: E }, () => []);
    for (let k = 0; k < B / g; k++) {
      for (let t = 0; t < T; t++) {
        for (let e = 0; e < E; e++) {
          const w = softmax(
            Array.from({ length: g }, (_, i) => logits[(k * g + i) * T + t][e] / tau),
          );
          entropy[e].push(-w.reduce((s, p) => s + p * Math.log(p), 0) / Math.log(g));
          maxWeight[e].push(Math.max(...w));
        }
      }
    }
    const all = logits.flat();
    const logitMean = mean(all);
    expectClose(vector(stats.mixEntropy), entropy.map(mean));
    expectClose(vector(stats.maxWeight), maxWeight.map(mean));
    expect(scalar(stats.logitMean)).toBeCloseTo(logitMean, 5);
    expect(scalar(stats.logitStd)).toBeCloseTo(
      Math.sqrt(mean(all.map((z) => (z - logitMean) ** 2))),
      5,
    );
    // The statistics are informative here: neither uniform nor one-hot mixes.
    for (const h of vector(stats.mixEntropy)) expect(h).toBeGreaterThan(0.05);
    for (const h of vector(stats.mixEntropy)) expect(h).toBeLessThan(0.95);
    expect(layer.apply(x).mixWeights).toBeUndefined(); // kept only when asked to capture
  });

  it('with g = 1 the mix is a single token: entropy 0 (not 0 / log 1), max weight 1', () => {
    const params = new Params(new Rng(4));
    made.push(params);
    const layer = new MotFfn(params, 'mot', 5, 6, {
      groupSize: 1,
      experts: 3,
      temperature: 1,
      initScale: 1,
    });
    const stats = layer.apply(randomTokens(2, 3, 5, 9).x).stats!;
    expect(vector(stats.mixEntropy)).toEqual([0, 0, 0]);
    expect(vector(stats.maxWeight)).toEqual([1, 1, 1]);
  });
});

/**
 * Token-choice routing written out: every token's choices ranked by probability (ties to the
 * lower expert), then rank by rank, tokens in order, each expert takes at most `capacity`.
 */
function routeByHand(probs: number[][], topK: number, capacity: number) {
  const E = probs[0].length;
  const ranked = probs.map((row) =>
    row
      .map((p, e) => ({ p, e }))
      .sort((a, b) => b.p - a.p || a.e - b.e)
      .map((c) => c.e),
  );
  const takenBy: number[][] = Array.from({ length: E }, () => []);
  let dropped = 0;
  for (let r = 0; r < topK; r++) {
    ranked.forEach((choices, n) => {
      if (takenBy[choices[r]].length < capacity) takenBy[choices[r]].push(n);
      else dropped++;
    });
  }
  const chosen = new Array<number>(E).fill(0); // every (token, choice) pair, as the authors count
  for (const choices of ranked) for (let r = 0; r < topK; r++) chosen[choices[r]]++;
  return { takenBy, dropped, chosen };
}

describe('MoE statistics (token choice)', () => {
  it('load, dropped, capacity, coverage and both auxiliary losses equal their definitions', () => {
    const [B, T, d, E, topK, capacityFactor] = [4, 3, 5, 4, 2, 0.6];
    const params = new Params(new Rng(6));
    made.push(params);
    const config = {
      experts: E,
      topK,
      capacityFactor,
      loadBalanceWeight: 0.01,
      routerZLossWeight: 0.001,
      initScale: 2,
    };
    const layer = new MoeFfn(params, 'moe', d, 6, config);
    const { x, tokens } = randomTokens(B, T, d, 3);
    const { stats, auxLoss } = layer.apply(x);
    const N = B * T;
    const logits = project(tokens, layer.router.arraySync() as number[][]);
    const probs = logits.map(softmax);
    const capacity = Math.floor((capacityFactor * N * topK) / E); // 3 of 12 tokens x 2 choices
    const plan = routeByHand(probs, topK, capacity);
    expect(plan.dropped).toBeGreaterThan(0); // capacity binds: the dropped share means something

    const counts = new Array<number>(N).fill(0);
    for (const ids of plan.takenBy) for (const n of ids) counts[n]++;
    const share = (keep: (c: number) => boolean) => counts.filter(keep).length / N;
    const meanProb = Array.from({ length: E }, (_, e) => mean(probs.map((row) => row[e])));
    const loadBalance = E * meanProb.reduce((s, p, e) => s + (plan.chosen[e] / (N * topK)) * p, 0);
    const zLoss = mean(
      logits.map((z) => {
        const top = Math.max(...z);
        return (top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0))) ** 2;
      }),
    );

    expect(stats!.capacity).toBe(capacity);
    expectClose(
      stats!.load as number[],
      plan.takenBy.map((ids) => ids.length / N),
      12,
    );
    expect(stats!.droppedFraction).toBeCloseTo(plan.dropped / (N * topK), 12);
    expect(stats!.takenByNone).toBeCloseTo(
      share((c) => c === 0),
      12,
    );
    expect(stats!.takenByOne).toBeCloseTo(
      share((c) => c === 1),
      12,
    );
    expect(stats!.takenBySeveral).toBeCloseTo(
      share((c) => c > 1),
      12,
    );
    expect(scalar(stats!.loadBalanceLoss)).toBeCloseTo(loadBalance, 5);
    expect(scalar(stats!.routerZLoss)).toBeCloseTo(zLoss, 4);
    expect(scalar(auxLoss)).toBeCloseTo(0.01 * loadBalance + 0.001 * zLoss, 6);
  });
});

describe('MoE statistics (expert choice)', () => {
  it('load and coverage agree with the captured routing; no load-balancing loss', () => {
    // Checked against the routing the layer reports (`taken`), whichever tokens the experts chose.
    const [B, T, d, E] = [4, 3, 5, 4];
    const params = new Params(new Rng(8));
    made.push(params);
    const layer = new MoeFfn(params, 'moe', d, 6, {
      router: 'expert-choice',
      experts: E,
      topK: 1,
      capacityFactor: 1,
      loadBalanceWeight: 0.01,
      routerZLossWeight: 0,
      initScale: 2,
    });
    const { x } = randomTokens(B, T, d, 5);
    const { stats, taken } = layer.apply(x, { capture: true });
    const N = B * T;
    const rows = taken!.flat(); // [N][E]
    const counts = rows.map((row) => row.reduce((a, b) => a + b, 0));
    const share = (keep: (c: number) => boolean) => counts.filter(keep).length / N;
    expectClose(
      stats!.load as number[],
      Array.from({ length: E }, (_, e) => rows.reduce((s, row) => s + row[e], 0) / N),
      12,
    );
    expect(stats!.takenByNone).toBeCloseTo(
      share((c) => c === 0),
      12,
    );
    expect(stats!.takenByOne).toBeCloseTo(
      share((c) => c === 1),
      12,
    );
    expect(stats!.takenBySeveral).toBeCloseTo(
      share((c) => c > 1),
      12,
    );
    expect(stats!.droppedFraction).toBeCloseTo(
      share((c) => c === 0),
      12,
    );
    expect(scalar(stats!.loadBalanceLoss)).toBe(0);
  });
});
