/** The properties of shared/MOT.md, each a test, on the exact (float32 cpu) backend. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Gpt } from '../../src/core/model/gpt';
import { MotFfn } from '../../src/core/model/mot';
import { Params } from '../../src/core/model/params';
import { Rng } from '../../src/core/rng';
import { tinyConfig } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function makeLayer(
  opts: { d?: number; f?: number; g?: number; E?: number; tau?: number; seed?: number } = {},
) {
  const { d = 6, f = 5, g = 4, E = 3, tau = 1, seed = 1 } = opts;
  const params = new Params(new Rng(seed));
  const layer = new MotFfn(params, 'mot', d, f, {
    groupSize: g,
    experts: E,
    temperature: tau,
    initScale: 1,
  });
  return { layer, params, d, f, g, E };
}

function randomInput(B: number, T: number, d: number, seed = 7): tf.Tensor3D {
  const rng = new Rng(seed);
  return tf.tensor3d(
    Array.from({ length: B * T * d }, () => rng.normal()),
    [B, T, d],
  );
}

/** The equations of MOT.md, one group at a time, in plain numbers. */
function loopForm(layer: MotFfn, x: number[][][]): number[][][] {
  const { groupSize: g, experts: E, temperature: tau } = layer.config;
  const C = layer.controller.arraySync() as number[][];
  const W1 = layer.w1.map((w) => w.arraySync() as number[][]);
  const W2 = layer.w2.map((w) => w.arraySync() as number[][]);
  const B = x.length;
  const T = x[0].length;
  const d = x[0][0].length;
  const out = x.map((row) => row.map((v) => v.map(() => 0)));
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < B / g; k++) {
      const group = Array.from({ length: g }, (_, i) => x[k * g + i][t]);
      for (let e = 0; e < E; e++) {
        const z = group.map((xi) => xi.reduce((s, v, j) => s + v * C[j][e], 0) / tau);
        const zmax = Math.max(...z);
        const ex = z.map((v) => Math.exp(v - zmax));
        const sum = ex.reduce((a, b) => a + b, 0);
        const w = ex.map((v) => v / sum);
        const m = Array.from({ length: d }, (_, j) =>
          group.reduce((s, xi, i) => s + w[i] * xi[j], 0),
        );
        const h = W1[e][0].map((_, c) =>
          Math.max(
            0,
            m.reduce((s, mj, j) => s + mj * W1[e][j][c], 0),
          ),
        );
        const y = Array.from({ length: d }, (_, j) =>
          h.reduce((s, hc, c) => s + hc * W2[e][c][j], 0),
        );
        for (let i = 0; i < g; i++) for (let j = 0; j < d; j++) out[k * g + i][t][j] += w[i] * y[j];
      }
    }
  }
  return out;
}

function maxAbsDiff(a: number[][][], b: number[][][]): number {
  let worst = 0;
  a.forEach((r, i) =>
    r.forEach((v, j) => v.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - b[i][j][k]))))),
  );
  return worst;
}

describe('MoT layer', () => {
  it('batched form equals the loop form of the equations', () => {
    const { layer, d } = makeLayer();
    const x = randomInput(8, 3, d);
    const batched = layer.apply(x).y.arraySync();
    expect(maxAbsDiff(batched, loopForm(layer, x.arraySync()))).toBeLessThan(1e-5);
  });

  it('is causal and group-local: changing token (b, t) changes outputs only at t inside b’s group', () => {
    const { layer, d, g } = makeLayer();
    const B = 8;
    const T = 4;
    const x = randomInput(B, T, d);
    const before = layer.apply(x).y.arraySync();
    const changed = x.arraySync();
    const [b0, t0] = [5, 2];
    changed[b0][t0] = changed[b0][t0].map((v) => v + 3);
    const after = layer.apply(tf.tensor3d(changed)).y.arraySync();
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const moved = Math.max(...after[b][t].map((v, j) => Math.abs(v - before[b][t][j])));
        const sameGroup = Math.floor(b / g) === Math.floor(b0 / g);
        if (t === t0 && sameGroup) expect(moved).toBeGreaterThan(1e-6);
        else expect(moved).toBe(0);
      }
    }
  });

  it('mixing weights sum to 1 over the group for every expert', () => {
    const { layer, d } = makeLayer({ g: 4, E: 5 });
    const { mixWeights } = layer.apply(randomInput(8, 3, d), { capture: true });
    const sums = mixWeights!.sum(2).arraySync() as number[][][]; // [K, T, E]
    for (const s of sums.flat(2)) expect(s).toBeCloseTo(1, 6);
  });

  it('with g = 1 every weight is 1 and the layer is the sum of all experts', () => {
    const { layer, d, E } = makeLayer({ g: 1, E: 3 });
    const x = randomInput(3, 2, d);
    const { y, mixWeights } = layer.apply(x, { capture: true });
    expect(Array.from(mixWeights!.dataSync()).every((w) => w === 1)).toBe(true);
    const flat = x.reshape([6, d]) as tf.Tensor2D;
    let expected = tf.zeros([6, d]);
    for (let e = 0; e < E; e++) {
      expected = expected.add(
        tf.relu(flat.matMul(layer.w1[e] as tf.Tensor2D)).matMul(layer.w2[e] as tf.Tensor2D),
      );
    }
    expect(
      maxAbsDiff(
        [y.reshape([6, d]).arraySync() as number[][]],
        [expected.arraySync() as number[][]],
      ),
    ).toBeLessThan(1e-5);
  });

  it('tau -> 0 gives discrete MoT: each expert takes exactly its top-scoring token', () => {
    const { layer, params, d } = makeLayer({ tau: 1e-6 });
    const x = randomInput(8, 3, d);
    const soft = layer.apply(x, { capture: true });
    const hard = layer.apply(x, { capture: true, discrete: true });
    const hardWeights = Array.from(hard.mixWeights!.dataSync());
    expect(hardWeights.every((w) => w === 0 || w === 1)).toBe(true);
    expect(Array.from(soft.mixWeights!.dataSync()).map(Math.round)).toEqual(hardWeights);
    expect(maxAbsDiff(soft.y.arraySync(), hard.y.arraySync())).toBeLessThan(1e-4);
    params.dispose();
  });

  it('gradients match finite differences', () => {
    const { layer, params, d } = makeLayer({ d: 4, f: 3, g: 2, E: 2, seed: 3 });
    const x = randomInput(4, 2, d, 11);
    const probe = randomInput(4, 2, d, 12); // a random linear read-out makes the loss scalar
    const lossOf = () => layer.apply(x).y.mul(probe).sum() as tf.Scalar;
    const variables = [...params.variables.values()];
    const { grads } = tf.variableGrads(lossOf, variables);
    const rng = new Rng(5);
    const eps = 1e-3; // float32: rounding error ~1e-7 / eps; small enough to avoid most ReLU kinks
    for (const v of variables) {
      const analytic = grads[v.name].dataSync();
      const values = Float32Array.from(v.dataSync());
      for (let trial = 0; trial < 6; trial++) {
        const i = rng.int(values.length);
        const at = (delta: number) => {
          const moved = values.slice();
          moved[i] += delta;
          v.assign(tf.tensor(moved, v.shape));
          return lossOf().dataSync()[0];
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(values, v.shape));
        expect(Math.abs(numeric - analytic[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  it('refuses a batch that is not a multiple of the group size', () => {
    const { layer, d } = makeLayer({ g: 4 });
    expect(() => layer.apply(randomInput(6, 2, d))).toThrow(
      /batch \(6\) to be a multiple of the group size \(4\)/,
    );
  });
});

describe('MoT in the model', () => {
  it('discrete evaluation equals the tau -> 0 limit for the whole model', () => {
    const soft = tinyConfig('mot').model;
    const cold = { ...soft, mot: { ...soft.mot, temperature: 1e-6 } };
    const hot = new Gpt(soft, 64, 5);
    const limit = new Gpt(cold, 64, 5); // same seed: the same weights, tau aside
    const rng = new Rng(9);
    const ids = tf.tensor2d(
      Array.from({ length: 8 * 6 }, () => rng.int(64)),
      [8, 6],
      'int32',
    );
    const discrete = hot.forward(ids, { discrete: true }).logits.arraySync();
    const tauZero = limit.forward(ids).logits.arraySync();
    const softLogits = hot.forward(ids).logits.arraySync();
    expect(maxAbsDiff([discrete], [tauZero])).toBeLessThan(1e-4);
    expect(maxAbsDiff([discrete], [softLogits])).toBeGreaterThan(1e-3); // it is a different function
    hot.dispose();
    limit.dispose();
  });

  it('a groupSize option regroups the same batch without touching the weights', () => {
    const { layer, d } = makeLayer({ g: 4 });
    const x = randomInput(8, 3, d);
    const asTwo = makeLayer({ g: 2 }).layer; // same seed, same weights, trained g = 2
    const regrouped = layer.apply(x, { groupSize: 2 }).y.arraySync();
    expect(maxAbsDiff(regrouped, asTwo.apply(x).y.arraySync())).toBe(0);
    expect(() => layer.apply(x, { groupSize: 16 })).toThrow(/multiple of the group size \(16\)/);
  });
});
