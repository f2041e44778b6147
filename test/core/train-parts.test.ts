/**
 * The smaller pieces of src/core/train, each against what it claims: the mixing snapshot against
 * the model's captured weights, the shared validation loss against the trainer's, the attention
 * FLOPs as written out, AdamW's disposal.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type PartialRunConfig } from '../../src/core/config';
import { Gpt } from '../../src/core/model/gpt';
import { BASE_CONFIG } from '../../src/core/presets';
import { Rng } from '../../src/core/rng';
import { ByteTokenizer } from '../../src/core/tokenizer';
import { AdamW } from '../../src/core/train/adamw';
import { flopsPerToken } from '../../src/core/train/flops';
import { takeSnapshot } from '../../src/core/train/snapshot';
import { Trainer } from '../../src/core/train/trainer';
import { validationLoss, validationWindows } from '../../src/core/train/validation';
import { tinyConfig, tinyData } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tokenizer = new ByteTokenizer();

/** A probe batch [B, T+1] of byte ids whose last column (a target only) is never an input. */
function probeBatch(B: number, T: number): Int32Array {
  const rng = new Rng(12);
  return Int32Array.from({ length: B * (T + 1) }, (_, i) =>
    i % (T + 1) === T ? 0 : 97 + rng.int(26),
  );
}

describe('takeSnapshot', () => {
  it('records the first four groups at 12 evenly spaced positions, weights as the model captured them', () => {
    const [B, T] = [20, 23]; // g 4: five groups, of which four are recorded
    const config = tinyConfig('mot', { model: { contextLength: T } }).model;
    const model = new Gpt(config, tokenizer.vocabSize, 4);
    const probe = probeBatch(B, T);
    const snapshot = takeSnapshot(model, probe, B, T, tokenizer, 30);
    const rows = Array.from({ length: B }, (_, b) =>
      Array.from(probe.subarray(b * (T + 1), b * (T + 1) + T)),
    );
    const captured = tf.tidy(() =>
      model
        .forward(tf.tensor2d(rows, [B, T], 'int32'), { capture: true, inference: true })
        .layers.map((l) => l.mixWeights!.arraySync() as number[][][][]),
    );
    const positions = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]; // round(i * 22 / 11)
    expect(snapshot.step).toBe(30);
    expect(snapshot.layers.map((l) => [l.block, l.kind])).toEqual([
      [0, 'mot'],
      [1, 'mot'],
    ]);
    snapshot.layers.forEach((layer, l) => {
      if (layer.kind !== 'mot') throw new Error('a MoT layer expected');
      expect([layer.groupSize, layer.experts]).toEqual([4, 4]);
      expect(layer.cells.map((c) => [c.group, c.position])).toEqual(
        [0, 1, 2, 3].flatMap((k) => positions.map((t) => [k, t])),
      );
      for (const cell of layer.cells) {
        const examples = [0, 1, 2, 3].map((i) => cell.group * 4 + i);
        expect(cell.examples).toEqual(examples);
        expect(cell.tokenIds).toEqual(examples.map((b) => rows[b][cell.position]));
        expect(cell.tokenTexts).toEqual(cell.tokenIds.map((id) => String.fromCharCode(id)));
        expect(cell.weights).toEqual(captured[l][cell.group][cell.position]);
        // Up to 8 tokens of the example either side, cut at its ends.
        const t = cell.position;
        expect(cell.contexts).toEqual(
          examples.map((b) => ({
            before: String.fromCharCode(...rows[b].slice(Math.max(0, t - 8), t)),
            after: String.fromCharCode(...rows[b].slice(t + 1, t + 9)),
          })),
        );
      }
    });
    expect(snapshot.time).toBe(T);
    model.dispose();
  });

  it('records every position when the context holds fewer than 12 (the shortest: 2)', () => {
    for (const T of [8, 2]) {
      const model = new Gpt(tinyConfig('mot', { model: { contextLength: T } }).model, 257, 4);
      const snapshot = takeSnapshot(model, probeBatch(8, T), 8, T, tokenizer, 0);
      for (const layer of snapshot.layers) {
        if (layer.kind !== 'mot') throw new Error('a MoT layer expected');
        const positions = layer.cells.filter((c) => c.group === 0).map((c) => c.position);
        expect(positions).toEqual(Array.from({ length: T }, (_, i) => i));
      }
      model.dispose();
    }
  });

  it('records each MoE layer’s load; a dense model has no layers to record', () => {
    const [B, T] = [8, 8];
    const probe = probeBatch(B, T);
    const moe = new Gpt(tinyConfig('moe').model, tokenizer.vocabSize, 4);
    const snapshot = takeSnapshot(moe, probe, B, T, tokenizer, 0);
    const rows = Array.from({ length: B }, (_, b) =>
      Array.from(probe.subarray(b * (T + 1), b * (T + 1) + T)),
    );
    const loads = tf.tidy(() =>
      moe
        .forward(tf.tensor2d(rows, [B, T], 'int32'), { inference: true })
        .layers.map((l) => l.stats!.load),
    );
    expect(snapshot.layers).toEqual(
      loads.map((load, block) => ({ block, kind: 'moe', experts: 4, load })),
    );
    moe.dispose();
    const dense = new Gpt(tinyConfig('dense').model, tokenizer.vocabSize, 4);
    expect(takeSnapshot(dense, probe, B, T, tokenizer, 0).layers).toEqual([]);
    dense.dispose();
  });
});

describe('validationWindows and validationLoss', () => {
  it('a sample of whole non-overlapping windows, scored as the mean and standard error of batches', () => {
    const config = tinyConfig('dense', { data: { validationTokens: 3 * 8 * 8 } });
    const data = tinyData();
    const trainer = new Trainer(config, data);
    for (let i = 0; i < 3; i++) trainer.trainStep();
    const { model: m, train: t } = config;
    const T = m.contextLength;
    const width = T + 1;
    const windows = validationWindows(config, data.validation);
    expect(windows.length).toBe(3 * t.batchSize * width); // ceil(192 / (8 * 8)) batches
    // Each row is the tile starting at token k*T of the validation stream, no tile twice.
    const starts = new Set<number>();
    for (let row = 0; row < windows.length / width; row++) {
      const first = windows.subarray(row * width, (row + 1) * width);
      const k = Array.from(
        { length: Math.floor((data.validation.length - 1) / T) },
        (_, i) => i,
      ).find((i) =>
        data.validation.subarray(i * T, i * T + width).every((id, j) => id === first[j]),
      );
      expect(k).toBeDefined();
      starts.add(k!);
    }
    expect(starts.size).toBe(windows.length / width);
    const batchLosses = [0, 1, 2].map((i) =>
      tf.tidy(() => {
        const slice = windows.subarray(i * t.batchSize * width, (i + 1) * t.batchSize * width);
        return trainer.model
          .loss(tf.tensor2d(slice, [t.batchSize, width], 'int32'))
          .lmLoss.dataSync()[0];
      }),
    );
    const mean = batchLosses.reduce((a, b) => a + b, 0) / 3;
    const sd = Math.sqrt(batchLosses.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    const shared = validationLoss(trainer.model, windows, T, t.batchSize);
    expect(shared.loss).toBeCloseTo(mean, 12);
    expect(shared.stdError).toBeCloseTo(sd / Math.sqrt(3), 12);
    expect(shared.tokens).toBe(3 * t.batchSize * T);
    expect(trainer.evaluate().validationLoss).toBe(shared.loss);
    // A trailing partial batch is skipped; no whole batch at all is refused.
    const partial = windows.subarray(0, (t.batchSize + 3) * width);
    expect(validationLoss(trainer.model, partial, T, t.batchSize)).toMatchObject({
      tokens: t.batchSize * T,
      stdError: null,
    });
    expect(() =>
      validationLoss(trainer.model, windows.subarray(0, 3 * width), T, t.batchSize),
    ).toThrow(`no whole batch of ${t.batchSize} among 3 windows`);
    trainer.dispose();
  });

  it('without validationTokens: the first evalBatches batches of consecutive windows', () => {
    const config = tinyConfig('dense', { train: { evalBatches: 100 } });
    const m = config.model;
    const plain = { ...config, data: { ...config.data, validationTokens: undefined } };
    const stream = Int32Array.from({ length: 21 * m.contextLength + 1 }, (_, i) => i % 200);
    // 21 windows fit; whole batches of 8 take 16 of them, in order from the start.
    const windows = validationWindows(plain, stream);
    expect(windows.length).toBe(16 * (m.contextLength + 1));
    expect(Array.from(windows.subarray(m.contextLength + 1, 2 * (m.contextLength + 1)))).toEqual(
      Array.from(stream.subarray(m.contextLength, 2 * m.contextLength + 1)),
    );
  });
});

describe('flopsPerToken', () => {
  it('attention is 8*d^2 (projections) + 4*T*d (scores and mixing) per layer; forward sums the parts', () => {
    const moe = resolveConfig(BASE_CONFIG, { model: { ffn: 'moe' } }).model;
    const { dModel: d, contextLength: T, layers } = moe;
    const flops = flopsPerToken(moe, 300);
    expect(flops.attention).toBe(layers * (8 * d * d + 4 * T * d));
    expect(flops.router).toBeGreaterThan(0);
    expect(flops.forward).toBe(
      flops.attention + flops.ffn + flops.mixing + flops.router + flops.head,
    );
  });

  // Unmatched widths, so each FFN term shows on its own: d 16, dFF 32, T 8, V 100, 3 blocks.
  const unmatched = (model: PartialRunConfig['model']) =>
    resolveConfig(BASE_CONFIG, {
      model: { dModel: 16, heads: 2, layers: 3, contextLength: 8, dFF: 32, ...model },
    }).model;

  it('MoT: E experts of width f per group of g tokens, 6*d*E mixing, in the chosen blocks only', () => {
    const m = unmatched({
      ffn: 'mot',
      placement: [1, 2],
      mot: { groupSize: 4, experts: 8, expertWidth: 24 },
    });
    const flops = flopsPerToken(m, 100);
    const dense = 4 * 16 * 32; // block 0
    expect(flops.ffn).toBe(dense + 2 * ((8 * 4 * 16 * 24) / 4));
    expect(flops.mixing).toBe(2 * 6 * 16 * 8);
    expect(flops.router).toBe(0);
    expect(flops.head).toBe(2 * 16 * 100);
    expect(flops.train).toBe(3 * flops.forward);
  });

  it('token-choice MoE: topK experts of width f per token, a 2*d*E router per MoE block', () => {
    const m = unmatched({
      ffn: 'moe',
      placement: 'second-half',
      moe: { experts: 6, topK: 2, expertWidth: 20 },
    });
    const flops = flopsPerToken(m, 100);
    // 3 blocks: the second half starts at floor(3 / 2), so block 0 is dense, 1 and 2 are MoE.
    expect(flops.ffn).toBe(4 * 16 * 32 + 2 * (2 * 4 * 16 * 20));
    expect(flops.router).toBe(2 * (2 * 16 * 6));
    expect(flops.mixing).toBe(0);
  });

  it('expert-choice MoE: capacityFactor experts per token, whatever topK says', () => {
    const m = unmatched({
      ffn: 'moe',
      moe: { router: 'expert-choice', experts: 4, topK: 1, capacityFactor: 1.5, expertWidth: 40 },
    });
    const flops = flopsPerToken(m, 100);
    expect(flops.ffn).toBe(3 * 1.5 * 4 * 16 * 40);
    expect(flops.router).toBe(3 * 2 * 16 * 4);
  });
});

describe('AdamW', () => {
  const settings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, gradClip: 0 };

  it('dispose() frees both moments of every parameter', () => {
    const params = new Map([
      ['a', tf.variable(tf.zeros([2, 2]))],
      ['b', tf.variable(tf.zeros([3]))],
    ]);
    const before = tf.memory().numTensors;
    const optimizer = new AdamW(params, settings);
    expect(tf.memory().numTensors).toBe(before + 4);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    params.forEach((p) => p.dispose());
  });
});
