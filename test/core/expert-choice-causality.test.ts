/**
 * Expert choice in a causal LM must never let a later token decide what happens to an earlier one
 * (shared/MOT.md, "Baselines"): the experts rank tokens per position across the batch. Changing
 * token (b, t) may change outputs at position t (of any sequence: they compete for the same
 * experts) and, through attention, later positions of sequence b; never an earlier position.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gpt } from '../../src/core/model/gpt';
import { MoeFfn } from '../../src/core/model/moe';
import { Params } from '../../src/core/model/params';
import { Rng } from '../../src/core/rng';
import { tinyConfig } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const params = new Params(new Rng(4));
afterAll(() => params.dispose());

describe('expert choice is causal', () => {
  const [B, T, d, E] = [8, 6, 6, 4];
  const layer = new MoeFfn(params, 'moe', d, 5, {
    router: 'expert-choice',
    experts: E,
    topK: 1,
    capacityFactor: 1,
    loadBalanceWeight: 0,
    routerZLossWeight: 0,
    initScale: 1,
  });

  it('layer: perturbing token (b, t) changes outputs only at position t, over 50 trials', () => {
    const rng = new Rng(9);
    let changedAtT = 0;
    for (let trial = 0; trial < 50; trial++) {
      const values = Array.from({ length: B * T * d }, () => rng.normal());
      const [b, t] = [rng.int(B), rng.int(T)];
      const moved = values.slice();
      for (let j = 0; j < d; j++) moved[(b * T + t) * d + j] += 3 * rng.normal();
      const before = layer.apply(tf.tensor3d(values, [B, T, d])).y.arraySync();
      const after = layer.apply(tf.tensor3d(moved, [B, T, d])).y.arraySync();
      for (let bb = 0; bb < B; bb++)
        for (let tt = 0; tt < T; tt++) {
          if (tt === t) continue;
          expect(after[bb][tt]).toEqual(before[bb][tt]);
        }
      // Other sequences at position t do feel it when the choice there changes.
      for (let bb = 0; bb < B; bb++)
        if (bb !== b && JSON.stringify(after[bb][t]) !== JSON.stringify(before[bb][t]))
          changedAtT++;
    }
    expect(changedAtT).toBeGreaterThan(0); // the batch dependence the README states is real
  });

  it('model: changing the last token never changes an earlier logit of any sequence, over 50 trials', () => {
    const config = tinyConfig('moe', {
      model: { moe: { router: 'expert-choice', capacityFactor: 1 } },
    });
    const model = new Gpt(config.model, 257, 3);
    const rng = new Rng(21);
    const L = config.model.contextLength;
    const rows = config.train.batchSize;
    try {
      for (let trial = 0; trial < 50; trial++) {
        const ids = Array.from({ length: rows * L }, () => rng.int(257));
        const b = rng.int(rows);
        const moved = ids.slice();
        moved[b * L + L - 1] = (moved[b * L + L - 1] + 1 + rng.int(255)) % 257;
        const logits = (tokens: number[]) =>
          tf.tidy(() => {
            const out = model.forward(tf.tensor2d(tokens, [rows, L], 'int32')).logits;
            return out
              .reshape([rows, L, 257])
              .slice([0, 0, 0], [rows, L - 1, 257])
              .arraySync();
          });
        expect(logits(moved)).toEqual(logits(ids));
      }
    } finally {
      model.dispose();
    }
  });
});
