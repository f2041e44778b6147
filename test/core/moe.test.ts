/** Token-choice sparse MoE (moe.ts): routing order, capacity, the layer math, its losses and gradients. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MoeFfn, routeTokens, tokenCapacity } from '../../src/core/model/moe';
import { Params } from '../../src/core/model/params';
import { Rng } from '../../src/core/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface LayerOptions {
  d?: number;
  f?: number;
  E?: number;
  topK?: number;
  capacityFactor?: number;
  loadBalanceWeight?: number;
  routerZLossWeight?: number;
  balanceChoices?: 'all' | 'first';
  seed?: number;
}

const made: Params[] = [];
afterAll(() => made.forEach((p) => p.dispose()));

function makeLayer(opts: LayerOptions = {}) {
  const { d = 6, f = 5, E = 4, topK = 1, capacityFactor = 1.25, seed = 1 } = opts;
  const { loadBalanceWeight = 0.01, routerZLossWeight = 0.001 } = opts;
  const params = new Params(new Rng(seed));
  made.push(params);
  const layer = new MoeFfn(params, 'moe', d, f, {
    experts: E,
    topK,
    capacityFactor,
    loadBalanceWeight,
    routerZLossWeight,
    initScale: 1,
    ...(opts.balanceChoices && { balanceChoices: opts.balanceChoices }),
  });
  return { layer, params, d, f, E, topK };
}

function randomInput(B: number, T: number, d: number, seed = 7): tf.Tensor3D {
  const rng = new Rng(seed);
  return tf.tensor3d(
    Array.from({ length: B * T * d }, () => rng.normal()),
    [B, T, d],
  );
}

/** Row-major [N, E] probabilities from rows of numbers. */
const probsOf = (rows: number[][]) => Float32Array.from(rows.flat());

/**
 * The documented capacity order, spelled out as a list: every (rank, token) pair sorted by rank,
 * then by token index, each taking its expert's next free slot if there is one.
 */
function referenceRouting(probs: number[][], topK: number, capacity: number) {
  const E = probs[0].length;
  const ranked = probs.map((row) =>
    row
      .map((p, e) => ({ p, e }))
      .sort((a, b) => b.p - a.p || a.e - b.e)
      .map((c) => c.e),
  );
  const pairs = [];
  for (let r = 0; r < topK; r++)
    for (let n = 0; n < probs.length; n++) pairs.push({ n, e: ranked[n][r] });
  const tokensOf: number[][] = Array.from({ length: E }, () => []);
  let dropped = 0;
  for (const { n, e } of pairs) {
    if (tokensOf[e].length < capacity) tokensOf[e].push(n);
    else dropped++;
  }
  return { tokensOf, dropped, firstChoice: ranked.map((r) => r[0]) };
}

function softmaxRow(z: number[]): number[] {
  const top = Math.max(...z);
  const ex = z.map((v) => Math.exp(v - top));
  const sum = ex.reduce((a, b) => a + b, 0);
  return ex.map((v) => v / sum);
}

/** The layer in plain numbers, one token at a time: sum over the experts that took it of p * expert. */
function loopForm(layer: MoeFfn, x: number[][][], capacity: number) {
  const { experts: E, topK } = layer.config;
  const R = layer.router.arraySync() as number[][];
  const W1 = layer.w1.map((w) => w.arraySync() as number[][]);
  const W2 = layer.w2.map((w) => w.arraySync() as number[][]);
  const tokens = x.flat(); // b*T + t order
  const d = tokens[0].length;
  const logits = tokens.map((xn) =>
    Array.from({ length: E }, (_, e) => xn.reduce((s, v, j) => s + v * R[j][e], 0)),
  );
  const probs = logits.map(softmaxRow);
  const plan = referenceRouting(probs, topK, capacity);
  const out = tokens.map(() => new Array<number>(d).fill(0));
  plan.tokensOf.forEach((ids, e) => {
    for (const n of ids) {
      const h = W1[e][0].map((_, c) =>
        Math.max(
          0,
          tokens[n].reduce((s, v, j) => s + v * W1[e][j][c], 0),
        ),
      );
      for (let j = 0; j < d; j++)
        out[n][j] += probs[n][e] * h.reduce((s, hc, c) => s + hc * W2[e][c][j], 0);
    }
  });
  return { out, probs, logits, plan };
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

describe('routeTokens', () => {
  it('fills capacity with first choices in b*T+t order and drops the rest', () => {
    // Tokens 0..3 all prefer expert 0, token 4 prefers expert 1; capacity 2.
    const probs = probsOf([
      [0.9, 0.1],
      [0.8, 0.2],
      [0.7, 0.3],
      [0.6, 0.4],
      [0.2, 0.8],
    ]);
    const plan = routeTokens(probs, 5, 2, 1, 2);
    expect(plan.tokensOf).toEqual([[0, 1], [4]]);
    expect(plan.dropped).toBe(2);
    expect(plan.choiceCount).toEqual([4, 1]);
  });

  it('routes all first choices before any second choice', () => {
    // First choices: 0->e0, 1->e1, 2->e0, 3->e1. Second: 0->e1, 1->e2, 2->e1, 3->e0.
    // With capacity 2, expert 1 is full with tokens 1 and 3 before token 0's second choice arrives.
    const probs = probsOf([
      [0.6, 0.3, 0.1],
      [0.1, 0.6, 0.3],
      [0.5, 0.4, 0.1],
      [0.35, 0.55, 0.1],
    ]);
    const plan = routeTokens(probs, 4, 3, 2, 2, 'first');
    expect(plan.tokensOf).toEqual([[0, 2], [1, 3], [1]]);
    expect(plan.dropped).toBe(3); // second choices of tokens 0, 2 (e1 full) and 3 (e0 full)
    expect(plan.choiceCount).toEqual([2, 2, 0]);
  });

  it('breaks probability ties toward the lower expert index', () => {
    const plan = routeTokens(probsOf([[0.25, 0.25, 0.25, 0.25]]), 1, 4, 2, 1);
    expect(plan.tokensOf).toEqual([[0], [0], [], []]);
  });

  it('matches the documented order on random routings', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const N = 1 + rng.int(30);
      const E = 2 + rng.int(6);
      const topK = 1 + rng.int(Math.min(3, E));
      const capacity = 1 + rng.int(8);
      const rows = Array.from({ length: N }, () =>
        softmaxRow(Array.from({ length: E }, () => rng.normal())),
      );
      const f32 = rows.map((r) => Array.from(Float32Array.from(r)));
      const plan = routeTokens(probsOf(rows), N, E, topK, capacity, 'first');
      const expected = referenceRouting(f32, topK, capacity);
      expect(plan.tokensOf).toEqual(expected.tokensOf);
      expect(plan.dropped).toBe(expected.dropped);
      const counts = new Array<number>(E).fill(0);
      expected.firstChoice.forEach((e) => counts[e]++);
      expect(plan.choiceCount).toEqual(counts);
      for (const ids of plan.tokensOf) expect(ids.length).toBeLessThanOrEqual(capacity);
      const taken = plan.tokensOf.reduce((s, ids) => s + ids.length, 0);
      expect(taken + plan.dropped).toBe(N * topK);
    }
  });
});

describe('tokenCapacity', () => {
  it('is floor(capacityFactor * tokens * topK / experts), at least 1', () => {
    expect(tokenCapacity(16, 4, 1, 1.25)).toBe(5);
    expect(tokenCapacity(10, 3, 2, 1.25)).toBe(8); // 8.33
    expect(tokenCapacity(2048, 8, 1, 1.25)).toBe(320);
    expect(tokenCapacity(8, 4, 1, 1)).toBe(2);
    expect(tokenCapacity(1, 8, 1, 0.5)).toBe(1);
  });
});

describe('MoeFfn', () => {
  const B = 4;
  const T = 3;

  it('equals the per-token loop form, with dropped tokens giving exactly 0', () => {
    const { layer, d, E } = makeLayer({ capacityFactor: 0.5 });
    const x = randomInput(B, T, d);
    const capacity = tokenCapacity(B * T, E, 1, 0.5);
    const { y, stats } = layer.apply(x);
    const ref = loopForm(layer, x.arraySync(), capacity);
    expect(ref.plan.dropped).toBeGreaterThan(0); // the test means something only with drops
    const got = y.reshape([B * T, d]).arraySync() as number[][];
    expect(maxAbsDiff(got, ref.out)).toBeLessThan(1e-5);
    const takenIds = new Set(ref.plan.tokensOf.flat());
    got.forEach((row, n) => {
      if (!takenIds.has(n)) expect(row.every((v) => v === 0)).toBe(true);
    });
    expect(stats!.capacity).toBe(capacity);
    expect(stats!.droppedFraction).toBeCloseTo(ref.plan.dropped / (B * T), 12);
    expect(stats!.load).toEqual(ref.plan.tokensOf.map((ids) => ids.length / (B * T)));
  });

  it('drops no token with inference: true', () => {
    const { layer, d } = makeLayer({ capacityFactor: 0.5 });
    const x = randomInput(B, T, d);
    const { y, stats, taken } = layer.apply(x, { inference: true, capture: true });
    expect(stats!.droppedFraction).toBe(0);
    expect(stats!.capacity).toBe(B * T);
    for (const row of taken!.flat()) expect(row.reduce((a, b) => a + b, 0)).toBe(1);
    const ref = loopForm(layer, x.arraySync(), B * T);
    expect(maxAbsDiff(y.reshape([B * T, d]).arraySync() as number[][], ref.out)).toBeLessThan(1e-5);
  });

  it('reports under capture which expert took each (b, t) as a [B][T][E] 0/1 matrix', () => {
    const { layer, d, E } = makeLayer({ capacityFactor: 0.5 });
    const x = randomInput(B, T, d);
    const { taken } = layer.apply(x, { capture: true });
    const ref = loopForm(layer, x.arraySync(), tokenCapacity(B * T, E, 1, 0.5));
    const expected = Array.from({ length: B }, (_, b) =>
      Array.from({ length: T }, (_, t) =>
        Array.from({ length: E }, (_, e) => (ref.plan.tokensOf[e].includes(b * T + t) ? 1 : 0)),
      ),
    );
    expect(taken).toEqual(expected);
    expect(layer.apply(x).taken).toBeUndefined();
  });

  it('load-balancing loss is E * sum_e f_e P_e and z-loss is mean logsumexp^2', () => {
    const lbw = 0.3;
    const zw = 0.07;
    const { layer, d, E } = makeLayer({ loadBalanceWeight: lbw, routerZLossWeight: zw });
    const x = randomInput(B, T, d);
    const N = B * T;
    const { stats, auxLoss } = layer.apply(x);
    const ref = loopForm(layer, x.arraySync(), N);
    const f = new Array<number>(E).fill(0);
    ref.plan.firstChoice.forEach((e) => (f[e] += 1 / N));
    const P = Array.from({ length: E }, (_, e) => ref.probs.reduce((s, p) => s + p[e], 0) / N);
    const balance = E * f.reduce((s, fe, e) => s + fe * P[e], 0);
    const zLoss =
      ref.logits
        .map((z) => {
          const top = Math.max(...z);
          return (top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0))) ** 2;
        })
        .reduce((a, b) => a + b, 0) / N;
    const read = (v: unknown) => (v as tf.Scalar).dataSync()[0];
    expect(read(stats!.loadBalanceLoss)).toBeCloseTo(balance, 5);
    expect(read(stats!.routerZLoss)).toBeCloseTo(zLoss, 5);
    expect(auxLoss!.dataSync()[0]).toBeCloseTo(lbw * balance + zw * zLoss, 5);
  });

  it('load-balancing loss is 1 for a perfectly uniform router', () => {
    const { layer, d } = makeLayer({ loadBalanceWeight: 1, routerZLossWeight: 0 });
    layer.router.assign(tf.zerosLike(layer.router));
    const { stats } = layer.apply(randomInput(B, T, d));
    // P_e = 1/E for all e and sum_e f_e = 1, whatever the (tied) routing did.
    expect((stats!.loadBalanceLoss as tf.Scalar).dataSync()[0]).toBeCloseTo(1, 6);
  });

  it('counts all k choices in the load-balancing loss unless told to count the first only', () => {
    const loss = (balanceChoices?: 'all' | 'first') => {
      const { layer, d } = makeLayer({ topK: 2, loadBalanceWeight: 1, balanceChoices });
      const { stats } = layer.apply(randomInput(B, T, d));
      return (stats!.loadBalanceLoss as tf.Scalar).dataSync()[0]!;
    };
    expect(loss()).toBe(loss('all'));
    expect(Math.abs(loss('first') - loss('all'))).toBeGreaterThan(1e-3);
  });

  it('topK = 2: each token gets its two most likely experts, each output scaled by its own gate', () => {
    const { layer, d, E } = makeLayer({ topK: 2, capacityFactor: 0.75 });
    const x = randomInput(B, T, d);
    const N = B * T;
    const capacity = tokenCapacity(N, E, 2, 0.75);
    expect(capacity).toBe(4);
    const { y, stats, taken } = layer.apply(x, { capture: true });
    const ref = loopForm(layer, x.arraySync(), capacity);
    expect(ref.plan.dropped).toBeGreaterThan(0);
    expect(maxAbsDiff(y.reshape([N, d]).arraySync() as number[][], ref.out)).toBeLessThan(1e-5);
    expect(stats!.droppedFraction).toBeCloseTo(ref.plan.dropped / (2 * N), 12);
    for (const row of taken!.flat()) expect(row.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);

    // Without a capacity limit every token runs exactly its top two experts; no renormalisation.
    const free = layer.apply(x, { inference: true, capture: true });
    const noLimit = loopForm(layer, x.arraySync(), N);
    free.taken!.flat().forEach((row, n) => {
      const top2 = noLimit.probs[n]
        .map((p, e) => ({ p, e }))
        .sort((a, b) => b.p - a.p)
        .slice(0, 2)
        .map((c) => c.e)
        .sort();
      expect(row.flatMap((v, e) => (v ? [e] : []))).toEqual(top2);
    });
    expect(maxAbsDiff(free.y.reshape([N, d]).arraySync() as number[][], noLimit.out)).toBeLessThan(
      1e-5,
    );
  });

  it('gradients (router, experts, input) match finite differences', () => {
    const { layer, params, d } = makeLayer({
      d: 4,
      f: 3,
      E: 3,
      topK: 2,
      capacityFactor: 1,
      loadBalanceWeight: 0.5,
      routerZLossWeight: 0.2,
      seed: 3,
    });
    const x = tf.variable(randomInput(4, 2, d, 11));
    const probe = randomInput(4, 2, d, 12); // a random linear read-out makes the loss scalar
    const lossOf = () => {
      const out = layer.apply(x as tf.Tensor3D);
      return out.y.mul(probe).sum().add(out.auxLoss!) as tf.Scalar;
    };
    const routing = () => JSON.stringify(layer.apply(x as tf.Tensor3D, { capture: true }).taken);
    const variables = [...params.variables.values(), x];
    const { grads } = tf.variableGrads(lossOf, variables);
    const before = routing();
    const rng = new Rng(5);
    const eps = 1e-3; // float32: rounding error ~1e-7 / eps
    let checked = 0;
    for (const v of variables) {
      const analytic = grads[v.name].dataSync();
      const values = Float32Array.from(v.dataSync());
      for (let trial = 0; trial < 6; trial++) {
        const i = rng.int(values.length);
        const at = (delta: number) => {
          const moved = values.slice();
          moved[i] += delta;
          v.assign(tf.tensor(moved, v.shape));
          return { loss: lossOf().dataSync()[0], routing: routing() };
        };
        const plus = at(eps);
        const minus = at(-eps);
        v.assign(tf.tensor(values, v.shape));
        if (plus.routing !== before || minus.routing !== before) continue; // a discrete jump
        const numeric = (plus.loss - minus.loss) / (2 * eps);
        expect(Math.abs(numeric - analytic[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
    x.dispose();
  });
});
