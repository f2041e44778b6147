/**
 * The model around the FFN checked against plain formulas: attention and LayerNorm as loops over
 * numbers (and LayerNorm's hand-written gradient against tf.grad of the plain formula), the whole
 * model's causality per FFN kind, and the position embeddings. Exact float32 cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CausalSelfAttention } from '../../src/core/model/attention';
import { Gpt } from '../../src/core/model/gpt';
import { LayerNorm } from '../../src/core/model/layer-norm';
import { Params } from '../../src/core/model/params';
import { Rng } from '../../src/core/rng';
import { tinyConfig } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function normals(count: number, seed: number, scale = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => rng.normal() * scale);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** x [T][d] @ w [d][o] as plain sums. */
function matMul(x: number[][], w: number[][]): number[][] {
  return x.map((row) => w[0].map((_, o) => row.reduce((s, v, i) => s + v * w[i][o], 0)));
}

/**
 * Causal self-attention of one sequence x [T][d], one head at a time:
 *   q, k, v = x Wqkv split in three (d each), head h = columns h*hd .. (h+1)*hd - 1
 *   p[t][s] = softmax over s <= t of q_t . k_s / sqrt(hd);   out = (sum_s p[t][s] v_s) Wout
 */
function attentionLoop(x: number[][], qkv: number[][], out: number[][], heads: number) {
  const d = x[0].length;
  const hd = d / heads;
  const projected = matMul(x, qkv);
  const merged = x.map(() => new Array<number>(d).fill(0));
  for (let h = 0; h < heads; h++) {
    const part = (row: number[], which: number) =>
      row.slice(which * d + h * hd, which * d + (h + 1) * hd);
    for (let t = 0; t < x.length; t++) {
      const q = part(projected[t], 0);
      const scores = projected
        .slice(0, t + 1)
        .map((row) => part(row, 1).reduce((s, k, j) => s + k * q[j], 0) / Math.sqrt(hd));
      const top = Math.max(...scores);
      const weights = scores.map((s) => Math.exp(s - top));
      const total = weights.reduce((a, b) => a + b, 0);
      for (let s = 0; s <= t; s++) {
        const v = part(projected[s], 2);
        for (let j = 0; j < hd; j++) merged[t][h * hd + j] += (weights[s] / total) * v[j];
      }
    }
  }
  return matMul(merged, out);
}

describe('causal self-attention', () => {
  it('equals the per-head loop formula (scale 1/sqrt(headDim), each position sees itself and the past)', () => {
    const [B, T, d, H] = [2, 5, 8, 2];
    const params = new Params(new Rng(3));
    const attention = new CausalSelfAttention(params, 'attn', d, H, 1);
    const x = normals(B * T * d, 4);
    const y = attention.apply(tf.tensor3d(x, [B, T, d])).arraySync();
    const qkv = params.get('attn.qkv').arraySync() as number[][];
    const out = params.get('attn.out').arraySync() as number[][];
    for (let b = 0; b < B; b++) {
      const rows = Array.from({ length: T }, (_, t) =>
        x.slice((b * T + t) * d, (b * T + t + 1) * d),
      );
      expect(maxAbsDiff(y[b].flat(), attentionLoop(rows, qkv, out, H).flat())).toBeLessThan(1e-5);
    }
    params.dispose();
  });

  it('its gradients (input, qkv and output weights) equal tf.grad of the formula in stock ops', () => {
    const [B, T, d, H] = [2, 4, 6, 3];
    const hd = d / H;
    const params = new Params(new Rng(5));
    const attention = new CausalSelfAttention(params, 'attn', d, H, 1);
    const qkv = params.get('attn.qkv');
    const out = params.get('attn.out');
    const x = tf.tensor3d(normals(B * T * d, 6), [B, T, d]);
    const probe = tf.tensor3d(normals(B * T * d, 7), [B, T, d]);
    const future = tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)).mul(-1e9); // key > query
    const heads = (t: tf.Tensor) => t.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]); // [B, H, T, hd]
    const plain = (xs: tf.Tensor, wqkv: tf.Tensor, wout: tf.Tensor) => {
      const projected = xs
        .reshape([B * T, d])
        .matMul(wqkv as tf.Tensor2D)
        .reshape([B, T, 3 * d]);
      const [q, k, v] = tf.split(projected, 3, 2).map(heads);
      const scores = tf.matMul(q, k, false, true).div(Math.sqrt(hd)).add(future);
      const mixed = tf
        .matMul(tf.softmax(scores), v)
        .transpose([0, 2, 1, 3])
        .reshape([B * T, d]);
      return mixed
        .matMul(wout as tf.Tensor2D)
        .reshape([B, T, d])
        .mul(probe)
        .sum();
    };
    const [dx, dQkv, dOut] = tf.grads(plain)([x, qkv, out]);
    const dxModel = tf.grad((xs: tf.Tensor) =>
      attention
        .apply(xs as tf.Tensor3D)
        .mul(probe)
        .sum(),
    )(x);
    const { grads } = tf.variableGrads(
      () => attention.apply(x).mul(probe).sum() as tf.Scalar,
      [qkv, out],
    );
    expect(maxAbsDiff(dxModel.dataSync(), dx.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(grads[qkv.name].dataSync(), dQkv.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(grads[out.name].dataSync(), dOut.dataSync())).toBeLessThan(1e-4);
    params.dispose();
  });
});

/** y = (x - mean) / sqrt(var + 1e-5) * gain + bias per row, population variance, as loops. */
function layerNormLoop(x: number[][], gain: number[], bias: number[]): number[][] {
  return x.map((row) => {
    const mean = row.reduce((a, b) => a + b, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, j) => ((v - mean) / Math.sqrt(variance + 1e-5)) * gain[j] + bias[j]);
  });
}

/** The same formula in stock tf ops, for tf.grad to differentiate. */
function layerNormPlain(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(gain).add(bias);
}

describe('LayerNorm', () => {
  const [n, d] = [6, 5];
  // Rows of very different spread: a small-variance row makes the epsilon visible.
  const scales = [1, 0.02, 3, 0.1, 1, 0.005];
  const xValues = scales.flatMap((s, i) => normals(d, 10 + i, s).map((v) => v + i - 2));

  function makeNorm() {
    const params = new Params(new Rng(1));
    const norm = new LayerNorm(params, 'ln', d);
    const gain = params.get('ln.gain');
    const bias = params.get('ln.bias');
    gain.assign(tf.tensor1d(normals(d, 20).map((v) => 1 + 0.5 * v)));
    bias.assign(tf.tensor1d(normals(d, 21)));
    return { params, norm, gain, bias };
  }

  it('equals the loop formula with epsilon 1e-5 inside the square root', () => {
    const { params, norm, gain, bias } = makeNorm();
    const y = norm.apply(tf.tensor2d(xValues, [n, d])).arraySync() as number[][];
    const rows = Array.from({ length: n }, (_, i) => xValues.slice(i * d, (i + 1) * d));
    const expected = layerNormLoop(rows, Array.from(gain.dataSync()), Array.from(bias.dataSync()));
    expect(maxAbsDiff(y.flat(), expected.flat())).toBeLessThan(1e-4);
    params.dispose();
  });

  it('its hand-written gradient equals tf.grad of the plain formula (x, gain and bias)', () => {
    const { params, norm, gain, bias } = makeNorm();
    const x = tf.tensor3d(xValues, [2, n / 2, d]); // a 3-D input, as in the model
    const probe = tf.tensor3d(normals(n * d, 30), [2, n / 2, d]); // makes the loss scalar
    const dx = tf.grad((xs: tf.Tensor) => norm.apply(xs).mul(probe).sum())(x);
    // Gain and bias enter through the variables: differentiate those directly.
    const { grads } = tf.variableGrads(
      () => norm.apply(x).mul(probe).sum() as tf.Scalar,
      [gain, bias],
    );
    const plain = tf.grads((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      layerNormPlain(xs, g, b).mul(probe).sum(),
    );
    const [dxPlain, dGainPlain, dBiasPlain] = plain([x, gain, bias]);
    // Small-variance rows have a large dx (1/std): compare relative to the largest entry.
    const scale = Math.max(...Array.from(dxPlain.abs().dataSync()));
    expect(maxAbsDiff(dx.dataSync(), dxPlain.dataSync()) / scale).toBeLessThan(1e-4);
    expect(maxAbsDiff(grads[gain.name].dataSync(), dGainPlain.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(grads[bias.name].dataSync(), dBiasPlain.dataSync())).toBeLessThan(1e-5);
    params.dispose();
  });
});

/**
 * Logits of the model with token (b0, t0) changed, compared position by position with the
 * original: which (row, position) moved at all. ids [B, T].
 */
function movedPositions(model: Gpt, b0: number, t0: number, options = {}): boolean[][] {
  const [B, T] = [8, 8];
  const vocab = model.vocabSize;
  const rng = new Rng(17);
  const ids = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(vocab)));
  const logits = (rows: number[][]) =>
    tf.tidy(
      () =>
        model
          .forward(tf.tensor2d(rows, [B, T], 'int32'), options)
          .logits.reshape([B, T, vocab])
          .arraySync() as number[][][],
    );
  const before = logits(ids);
  const changed = ids.map((row) => row.slice());
  changed[b0][t0] = (changed[b0][t0] + 1 + rng.int(vocab - 1)) % vocab;
  const after = logits(changed);
  return before.map((row, b) => row.map((v, t) => maxAbsDiff(v, after[b][t]) > 0));
}

describe('whole-model causality: changing token (b0, t0) never moves the past', () => {
  const [b0, t0] = [5, 3];

  it.each([
    ['dense', tinyConfig('dense').model, {}],
    ['moe token choice at inference (no capacity)', tinyConfig('moe').model, { inference: true }],
    [
      'moe token choice in training with room for every token',
      tinyConfig('moe', { model: { moe: { capacityFactor: 4 } } }).model,
      {},
    ],
  ])('%s: only row b0 at t0 and later', (_, modelConfig, options) => {
    const model = new Gpt(modelConfig, 40, 2);
    const moved = movedPositions(model, b0, t0, options);
    moved.forEach((row, b) =>
      row.forEach((m, t) => expect([b, t, m]).toEqual([b, t, b === b0 && t >= t0])),
    );
    model.dispose();
  });

  it('moe token choice (top-1) in training: capacity couples rows, but only later ones in capacity order', () => {
    // Tokens claim capacity in order b*T + t, so a change can drop a token of a later row (any
    // position), never one of an earlier row, nor an earlier position of its own row.
    const model = new Gpt(tinyConfig('moe').model, 40, 2);
    const moved = movedPositions(model, b0, t0);
    moved.forEach((row, b) =>
      row.forEach((m, t) => {
        if (b < b0 || (b === b0 && t < t0)) expect([b, t, m]).toEqual([b, t, false]);
      }),
    );
    expect(moved[b0][t0]).toBe(true);
    model.dispose();
  });

  it('mot: only b0’s group, at t0 and later (other groups and the past never)', () => {
    const modelConfig = tinyConfig('mot').model; // g 4: rows 4..7 are b0's group
    const g = modelConfig.mot.groupSize;
    const model = new Gpt(modelConfig, 40, 2);
    const moved = movedPositions(model, b0, t0);
    moved.forEach((row, b) =>
      row.forEach((m, t) => {
        const mayMove = Math.floor(b / g) === Math.floor(b0 / g) && t >= t0;
        if (!mayMove) expect([b, t, m]).toEqual([b, t, false]);
      }),
    );
    expect(moved[b0][t0]).toBe(true); // and the change does reach the model
    model.dispose();
  });

  // Expert choice must rank the tokens of one position across the batch (shared/MOT.md); ranking
  // all B*T tokens let later positions decide whether an earlier token is processed (this test
  // failed on that whole-batch ranking).
  it('moe expert choice: other rows may move at t0 and later, nothing moves before t0', () => {
    const modelConfig = tinyConfig('moe', { model: { moe: { router: 'expert-choice' } } }).model;
    const model = new Gpt(modelConfig, 40, 2);
    const moved = movedPositions(model, b0, t0);
    moved.forEach((row, b) =>
      row.forEach((m, t) => {
        if (t < t0) expect([b, t, m]).toEqual([b, t, false]);
      }),
    );
    expect(moved[b0][t0]).toBe(true);
    model.dispose();
  });
});

describe('position embeddings', () => {
  it('a sequence of one repeated token gives different logits at every position', () => {
    // Without positions every query would see identical keys and values: all positions equal.
    const model = new Gpt(tinyConfig('dense').model, 40, 2);
    const T = 8;
    const logits = model
      .forward(tf.tensor2d([new Array<number>(T).fill(7)], [1, T], 'int32'))
      .logits.arraySync();
    for (let t = 1; t < T; t++) expect(maxAbsDiff(logits[t], logits[t - 1])).toBeGreaterThan(1e-4);
    model.dispose();
  });
});

describe('the model’s structure', () => {
  it('names its parameters as checkpoints store them, and builds the configured FFN in each block', () => {
    const names = (ffn: 'dense' | 'mot' | 'moe') => {
      const model = new Gpt(tinyConfig(ffn).model, 40, 2);
      const kinds = model.blocks.map((b) => b.ffn.kind);
      const all = [...model.params.variables.keys()];
      model.dispose();
      return { kinds, all };
    };
    const dense = names('dense');
    expect(dense.kinds).toEqual(['dense', 'dense']);
    expect(dense.all).toEqual([
      'embed.tokens',
      'embed.positions',
      ...[0, 1].flatMap((i) =>
        ['norm1.gain', 'norm1.bias', 'attention.qkv', 'attention.out', 'norm2.gain', 'norm2.bias']
          .map((n) => `blocks.${i}.${n}`)
          .concat([`blocks.${i}.ffn.W1`, `blocks.${i}.ffn.W2`]),
      ),
      'final_norm.gain',
      'final_norm.bias',
      'head',
    ]);
    // Weights start as normals of std sqrt(initScale / fanIn): cut at +-2 * initScale (in effect
    // untruncated at these fan-ins) or, with initTruncation 'std', at 2 std (then 0.88x as wide).
    const config = tinyConfig('dense').model;
    const model = new Gpt(config, 40, 2);
    const std = (name: string) => {
      const values = Array.from(model.params.get(name).dataSync());
      return Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    };
    const cut = config.initTruncation === 'std' ? 0.8796 : 1;
    const expected = (fanIn: number) => cut * Math.sqrt(config.initScale / fanIn);
    expect(std('blocks.0.ffn.W1') / expected(config.dModel)).toBeCloseTo(1, 1);
    expect(std('blocks.1.ffn.W2') / expected(config.dFF)).toBeCloseTo(1, 1);
    model.dispose();
    expect(names('mot').kinds).toEqual(['mot', 'mot']);
    expect(names('mot').all).toContain('blocks.1.ffn.C');
    expect(names('moe').kinds).toEqual(['moe', 'moe']);
    expect(names('moe').all).toContain('blocks.1.ffn.router');
  });

  it('reports one layer per block, sums the MoE auxiliary losses, and refuses a too long sequence', () => {
    const config = tinyConfig('moe', { model: { moe: { routerZLossWeight: 0.001 } } }).model;
    const model = new Gpt(config, 40, 2);
    const ids = tf.tensor2d(
      Array.from({ length: 8 * 8 }, (_, i) => (i * 7) % 40),
      [8, 8],
      'int32',
    );
    const { auxLoss, layers } = model.forward(ids);
    expect(layers.map((l) => [l.block, l.kind])).toEqual([
      [0, 'moe'],
      [1, 'moe'],
    ]);
    const { loadBalanceWeight: lb, routerZLossWeight: z } = config.moe;
    const perLayer = layers.map(
      (l) =>
        lb * (l.stats!.loadBalanceLoss as tf.Scalar).dataSync()[0] +
        z * (l.stats!.routerZLoss as tf.Scalar).dataSync()[0],
    );
    expect(perLayer[0]).toBeGreaterThan(0);
    expect(auxLoss.dataSync()[0]).toBeCloseTo(perLayer[0] + perLayer[1], 6);
    expect(() => model.forward(tf.zeros([8, 9], 'int32') as tf.Tensor2D)).toThrow(
      'sequence length 9 exceeds the context length 8',
    );
    const before = tf.memory().numTensors;
    const count = model.params.variables.size;
    model.dispose();
    expect(tf.memory().numTensors).toBe(before - count);
  });
});
