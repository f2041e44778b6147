/**
 * Expert-choice MoE (expert-choice.ts + moe.ts): at each position, each expert takes exactly its
 * top-c tokens among the batch's sequences; the output goes through a LayerNorm.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseTokens, expertChoiceCapacity } from '../../src/core/model/expert-choice';
import { MoeFfn } from '../../src/core/model/moe';
import { Params } from '../../src/core/model/params';
import { coverageFractions } from '../../src/core/model/routing';
import { Rng } from '../../src/core/rng';
import { flopsPerToken } from '../../src/core/train/flops';
import { Trainer } from '../../src/core/train/trainer';
import { tinyConfig, tinyData } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const made: Params[] = [];
afterAll(() => made.forEach((p) => p.dispose()));

function makeLayer(
  opts: {
    d?: number;
    f?: number;
    E?: number;
    capacityFactor?: number;
    zLoss?: number;
    seed?: number;
  } = {},
) {
  const { d = 6, f = 5, E = 4, capacityFactor = 1, zLoss = 0, seed = 1 } = opts;
  const params = new Params(new Rng(seed));
  made.push(params);
  const layer = new MoeFfn(params, 'moe', d, f, {
    router: 'expert-choice',
    experts: E,
    topK: 1,
    capacityFactor,
    loadBalanceWeight: 0.5, // must be ignored: expert choice needs no balancing loss
    routerZLossWeight: zLoss,
    initScale: 1,
  });
  return { layer, params, d, f, E };
}

function randomInput(B: number, T: number, d: number, seed = 7): tf.Tensor3D {
  const rng = new Rng(seed);
  return tf.tensor3d(
    Array.from({ length: B * T * d }, () => rng.normal()),
    [B, T, d],
  );
}

function softmaxRow(z: number[]): number[] {
  const top = Math.max(...z);
  const ex = z.map((v) => Math.exp(v - top));
  const sum = ex.reduce((a, b) => a + b, 0);
  return ex.map((v) => v / sum);
}

/**
 * The authors' causal expert choice in plain numbers: at each position t, per expert, sort the B
 * tokens (b, t) by p(e|x), take c = floor(cf * B / E), add p * expert(x); then LayerNorm each
 * token's sum (gain 1, bias 0 at initialisation).
 */
function loopForm(layer: MoeFfn, x: number[][][]) {
  const E = layer.config.experts;
  const R = layer.router.arraySync() as number[][];
  const W1 = layer.w1.map((w) => w.arraySync() as number[][]);
  const W2 = layer.w2.map((w) => w.arraySync() as number[][]);
  const B = x.length;
  const T = x[0].length;
  const tokens = x.flat(); // index b*T + t
  const d = tokens[0].length;
  const probs = tokens.map((xn) =>
    softmaxRow(Array.from({ length: E }, (_, e) => xn.reduce((s, v, j) => s + v * R[j][e], 0))),
  );
  const c = Math.max(1, Math.floor((layer.config.capacityFactor * B) / E));
  const out = tokens.map(() => new Array<number>(d).fill(0));
  const takenBy = tokens.map(() => 0);
  for (let e = 0; e < E; e++) {
    const chosen: number[] = [];
    for (let t = 0; t < T; t++) {
      const atT = Array.from({ length: B }, (_, b) => b * T + t);
      chosen.push(...atT.sort((a, b) => probs[b][e] - probs[a][e] || a - b).slice(0, c));
    }
    for (const n of chosen) {
      takenBy[n]++;
      const h = W1[e][0].map((_, k) =>
        Math.max(
          0,
          tokens[n].reduce((s, v, j) => s + v * W1[e][j][k], 0),
        ),
      );
      for (let j = 0; j < d; j++)
        out[n][j] += probs[n][e] * h.reduce((s, hk, k) => s + hk * W2[e][k][j], 0);
    }
  }
  const normed = out.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / d;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
    return row.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
  });
  return { out: normed, takenBy, c };
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

describe('chooseTokens', () => {
  it('gives every expert exactly c tokens per position, the c with the highest p(e|x) there', () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 20; trial++) {
      const B = 2 + rng.int(12);
      const T = 1 + rng.int(5);
      const N = B * T;
      const E = 1 + rng.int(8);
      const capacityFactor = 0.25 + rng.next() * 2.5;
      const c = expertChoiceCapacity(B, E, capacityFactor);
      const rows = Array.from({ length: N }, () =>
        softmaxRow(Array.from({ length: E }, () => rng.normal())),
      );
      const probs = Float32Array.from(rows.flat());
      const plan = chooseTokens(probs, B, T, E, c);
      plan.tokensOf.forEach((ids, e) => {
        expect(ids).toHaveLength(c * T);
        expect(new Set(ids).size).toBe(c * T);
        for (let t = 0; t < T; t++) {
          const atT = ids.filter((n) => n % T === t);
          expect(atT).toHaveLength(c);
          const takenMin = Math.min(...atT.map((n) => probs[n * E + e]));
          for (let b = 0; b < B; b++)
            if (!atT.includes(b * T + t))
              expect(probs[(b * T + t) * E + e]).toBeLessThanOrEqual(takenMin);
        }
      });
      const cover = coverageFractions(plan.tokensOf, N);
      const takenBy = (n: number) => plan.tokensOf.filter((ids) => ids.includes(n)).length;
      const share = (keep: (c: number) => boolean) =>
        Array.from({ length: N }, (_, n) => takenBy(n)).filter(keep).length / N;
      expect(cover.takenByNone).toBe(share((c) => c === 0));
      expect(cover.takenByOne).toBe(share((c) => c === 1));
      expect(cover.takenBySeveral).toBe(share((c) => c > 1));
      expect(plan.dropped).toBe(Math.round(cover.takenByNone * N));
    }
  });

  it('capacity is floor(capacityFactor * B / E), between 1 and B', () => {
    expect(expertChoiceCapacity(16, 4, 1)).toBe(4);
    expect(expertChoiceCapacity(2048, 8, 1.25)).toBe(320);
    expect(expertChoiceCapacity(10, 3, 1)).toBe(3);
    expect(expertChoiceCapacity(3, 8, 1)).toBe(1);
    expect(expertChoiceCapacity(4, 2, 5)).toBe(4);
  });

  it('breaks ties toward the lower batch row', () => {
    const plan = chooseTokens(Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), 3, 1, 2, 2);
    expect(plan.tokensOf).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(plan.dropped).toBe(1);
  });
});

describe('MoeFfn with expert choice', () => {
  const B = 4;
  const T = 3;

  it('equals the loop reference; tokens no expert took get LayerNorm(0) = the bias', () => {
    const { layer, d, E } = makeLayer({ capacityFactor: 1 });
    const x = randomInput(B, T, d);
    const { y, stats, taken, auxLoss } = layer.apply(x, { capture: true });
    const ref = loopForm(layer, x.arraySync());
    const got = y.reshape([B * T, d]).arraySync() as number[][];
    expect(maxAbsDiff(got, ref.out)).toBeLessThan(1e-4);
    expect(ref.takenBy.some((c) => c === 0)).toBe(true); // the test means something only with misses
    expect(ref.takenBy.some((c) => c > 1)).toBe(true);
    got.forEach((row, n) => {
      if (ref.takenBy[n] === 0) expect(row.every((v) => v === 0)).toBe(true);
    });
    // taken [B][T][E]: each expert takes exactly c tokens at every position.
    for (let e = 0; e < E; e++)
      for (let t = 0; t < T; t++) expect(taken!.reduce((s, rows) => s + rows[t][e], 0)).toBe(ref.c);
    expect(taken!.flat().map((row) => row.reduce((a, b) => a + b, 0))).toEqual(ref.takenBy);
    expect(stats!.capacity).toBe(ref.c);
    expect(stats!.load).toEqual(new Array(E).fill(ref.c / B));
    const none = ref.takenBy.filter((c) => c === 0).length / (B * T);
    expect(stats!.takenByNone).toBeCloseTo(none, 12);
    expect(stats!.droppedFraction).toBeCloseTo(none, 12);
    expect(stats!.takenByOne).toBeCloseTo(ref.takenBy.filter((c) => c === 1).length / (B * T), 12);
    expect(stats!.takenBySeveral).toBeCloseTo(
      ref.takenBy.filter((c) => c > 1).length / (B * T),
      12,
    );
    // No load-balancing loss (balanced by construction); z-loss weight 0 here.
    expect((stats!.loadBalanceLoss as tf.Scalar).dataSync()[0]).toBe(0);
    expect(auxLoss!.dataSync()[0]).toBe(0);
  });

  it('still chooses among the batch at inference (capacity from the batch)', () => {
    const { layer, d } = makeLayer({ capacityFactor: 0.5 });
    const x = randomInput(B, T, d);
    const train = layer.apply(x);
    const inference = layer.apply(x, { inference: true });
    expect(inference.stats!.capacity).toBe(train.stats!.capacity);
    expect(inference.y.arraySync()).toEqual(train.y.arraySync());
  });

  it('gradients (router, experts, input) match finite differences', () => {
    const { layer, params, d } = makeLayer({
      d: 4,
      f: 3,
      E: 3,
      capacityFactor: 1.5,
      zLoss: 0.2,
      seed: 3,
    });
    const x = tf.variable(randomInput(4, 2, d, 11));
    const probe = randomInput(4, 2, d, 12);
    const lossOf = () => {
      const out = layer.apply(x as tf.Tensor3D);
      return out.y.mul(probe).sum().add(out.auxLoss!) as tf.Scalar;
    };
    const routing = () => JSON.stringify(layer.apply(x as tf.Tensor3D, { capture: true }).taken);
    const variables = [...params.variables.values(), x];
    const { grads } = tf.variableGrads(lossOf, variables);
    const before = routing();
    const rng = new Rng(5);
    const eps = 1e-3;
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

describe('expert choice in the model', () => {
  it('trains as well as the dense model in 40 steps, with coverage stats per step', () => {
    const config = tinyConfig('moe', {
      model: { moe: { router: 'expert-choice', capacityFactor: 1 } },
    });
    const tailOf = (records: { lmLoss: number }[]) =>
      records.slice(-5).reduce((s, r) => s + r.lmLoss, 0) / 5;
    const dense = new Trainer(tinyConfig('dense'), tinyData());
    const denseTail = tailOf(Array.from({ length: 40 }, () => dense.trainStep()));
    dense.dispose();
    const trainer = new Trainer(config, tinyData());
    const records = Array.from({ length: 40 }, () => trainer.trainStep());
    // Same data, schedule and active compute: within 0.15 nats of dense either way (about 2.1
    // nats after 40 steps; an untrained model is at 5.5, a future leak well below dense).
    expect(Math.abs(tailOf(records) - denseTail)).toBeLessThan(0.15);
    const layer = records[0].layers[0];
    expect(layer.kind).toBe('moe');
    if (layer.kind === 'moe') {
      expect(layer.load).toEqual(new Array(4).fill(2 / 8)); // c = floor(8 / 4) of B = 8, per position
      expect(layer.droppedFraction).toBe(layer.takenByNone); // both: tokens no expert took
      expect(layer.loadBalanceLoss).toBe(0);
    }
    trainer.dispose();
  });

  it('counts capacityFactor experts per token in the FLOPs', () => {
    const tokenChoice = tinyConfig('moe').model;
    const expertChoice = tinyConfig('moe', {
      model: { moe: { router: 'expert-choice', capacityFactor: 2 } },
    }).model;
    const one = flopsPerToken(tokenChoice, 257).ffn;
    expect(flopsPerToken(expertChoice, 257).ffn).toBeCloseTo(2 * one, 6);
  });
});
