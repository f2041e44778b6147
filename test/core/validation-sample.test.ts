/**
 * The honest validation set (issue: one seed did three jobs, the validation set was one or two
 * documents in consecutive windows): a data seed apart from the training seed, a sample spread
 * over all validation documents in a shuffled order, and a standard error beside the loss. Also
 * the authors' initialisation and their load-balancing count.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataSeedOf, type RunConfig } from '../../src/core/config';
import { prepareData } from '../../src/core/data/prepare';
import { Gpt } from '../../src/core/model/gpt';
import { routeTokens } from '../../src/core/model/moe';
import { Params } from '../../src/core/model/params';
import { Rng } from '../../src/core/rng';
import { validationLoss, validationWindows } from '../../src/core/train/validation';
import { syntheticDocuments, tinyConfig } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const stream = Int32Array.from({ length: 4001 }, (_, i) => i); // token i at offset i
const T = 8;

function config(overrides: Parameters<typeof tinyConfig>[1] = {}): RunConfig {
  return tinyConfig('dense', overrides);
}

describe('validationWindows', () => {
  it('draws whole non-overlapping windows from across the stream, in a shuffled order', () => {
    const c = config({ data: { seed: 3, validationTokens: 1000 } });
    const windows = validationWindows(c, stream);
    const B = c.train.batchSize;
    const rows = windows.length / (T + 1);
    expect(rows).toBe(Math.ceil(1000 / (B * T)) * B); // 16 whole batches of 8
    const starts = Array.from({ length: rows }, (_, r) => windows[r * (T + 1)]);
    for (const [r, start] of starts.entries()) {
      expect(start % T).toBe(0); // a tile of the stream
      for (let j = 0; j <= T; j++) expect(windows[r * (T + 1) + j]).toBe(start + j);
    }
    expect(new Set(starts).size).toBe(rows);
    expect(Math.max(...starts)).toBeGreaterThan(3000); // not only the start of the stream
    const consecutive = starts.slice(1).filter((s, r) => s === starts[r] + T).length;
    expect(consecutive).toBeLessThan(rows / 4); // neighbours in a MoT group are not one text
  });

  it('takes every whole batch when the stream holds less than asked', () => {
    const c = config({ data: { validationTokens: 1 << 20 } });
    const windows = validationWindows(c, stream);
    const available = Math.floor((stream.length - 1) / T);
    expect(windows.length / (T + 1)).toBe(available - (available % c.train.batchSize));
  });

  it('refuses a stream that holds less than one batch of windows, saying what to change', () => {
    const short = stream.subarray(0, 7 * T + 1); // 7 windows, batches of 8
    const legacy = config();
    delete (legacy.data as { validationTokens?: number }).validationTokens;
    for (const c of [legacy, config({ data: { validationTokens: 64 } })])
      expect(() => validationWindows(c, short)).toThrow(
        'validation data holds 7 windows of 8 tokens; one batch needs 8: raise data.validationFraction or lower train.batchSize',
      );
    expect(validationWindows(config(), stream.subarray(0, 8 * T + 1)).length).toBe(8 * (T + 1));
  });

  it('depends on the data seed only: the same sample for every training seed', () => {
    const a = validationWindows(config({ data: { seed: 3 }, train: { seed: 1 } }), stream);
    const b = validationWindows(config({ data: { seed: 3 }, train: { seed: 2 } }), stream);
    const other = validationWindows(config({ data: { seed: 4 }, train: { seed: 1 } }), stream);
    expect(b).toEqual(a);
    expect(other).not.toEqual(a);
  });

  it('keeps the old set for configs without data.validationTokens: the first evalBatches batches', () => {
    const c = config();
    delete (c.data as { validationTokens?: number }).validationTokens;
    const windows = validationWindows(c, stream);
    expect(windows.length / (T + 1)).toBe(c.train.evalBatches * c.train.batchSize);
    expect(windows[0]).toBe(0);
    expect(windows[T + 1]).toBe(T);
  });
});

describe('the data seed', () => {
  it('splits documents by data.seed, and by train.seed only where data.seed is absent', () => {
    const documents = syntheticDocuments(200);
    const fixed = (trainSeed: number) => config({ data: { seed: 7 }, train: { seed: trainSeed } });
    const split = (c: RunConfig) => prepareData(documents, c.data, dataSeedOf(c)).validation;
    expect(split(fixed(2))).toEqual(split(fixed(1)));
    const legacy = (trainSeed: number) => {
      const c = config({ train: { seed: trainSeed } });
      delete (c.data as { seed?: number }).seed;
      return c;
    };
    expect(dataSeedOf(legacy(5))).toBe(5);
    expect(split(legacy(2))).not.toEqual(split(legacy(1)));
  });
});

describe('validationLoss', () => {
  it('gives the standard error over batches beside the mean', () => {
    const c = config();
    const model = new Gpt(c.model, 257, 1);
    try {
      const windows = validationWindows(
        c,
        stream.map((x) => x % 257),
      );
      const B = c.train.batchSize;
      const width = T + 1;
      const perBatch: number[] = [];
      for (let s = 0; s + B <= windows.length / width; s += B)
        perBatch.push(
          validationLoss(model, windows.subarray(s * width, (s + B) * width), T, B).loss,
        );
      const n = perBatch.length;
      const mean = perBatch.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(perBatch.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
      const result = validationLoss(model, windows, T, B);
      expect(result.loss).toBeCloseTo(mean, 6);
      expect(result.stdError).toBeCloseTo(sd / Math.sqrt(n), 6);
      expect(result.stdError).toBeGreaterThan(0);
      expect(validationLoss(model, windows.subarray(0, B * width), T, B).stdError).toBeNull();
    } finally {
      model.dispose();
    }
  });
});

describe('initialisation', () => {
  const sampleStd = (truncation: 'scale' | 'std') => {
    const params = new Params(new Rng(1), truncation);
    try {
      const v = params.create('w', [128, 256], { kind: 'truncated-normal', scale: 1, fanIn: 128 });
      const values = Array.from(v.dataSync());
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / values.length);
    } finally {
      params.dispose();
    }
  };
  it('truncates at +-2*scale absolute (the authors): the std is the nominal one', () => {
    const nominal = Math.sqrt(1 / 128);
    expect(Math.abs(sampleStd('scale') / nominal - 1)).toBeLessThan(0.02);
    // The old +-2 std cut shrinks it to about 0.88 of nominal.
    expect(Math.abs(sampleStd('std') / nominal - 0.88)).toBeLessThan(0.02);
  });
});

describe('token-choice load balancing', () => {
  it('counts all k choices by default, the first only when asked', () => {
    const probs = Float32Array.from([0.6, 0.3, 0.1, 0.1, 0.6, 0.3, 0.5, 0.4, 0.1]);
    expect(routeTokens(probs, 3, 3, 2, 9).choiceCount).toEqual([2, 3, 1]);
    expect(routeTokens(probs, 3, 3, 2, 9, 'first').choiceCount).toEqual([2, 1, 0]);
  });
});
