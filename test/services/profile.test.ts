/** `mot bench --profile`'s per-kernel accounting, on a tiny model on the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flopsPerToken } from '../../src/core/train/flops';
import { Trainer } from '../../src/core/train/trainer';
import { profileSteps } from '../../src/services/profile';
import { tinyConfig, tinyData } from '../core/fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('profileSteps', () => {
  // On cpu every product is a matMul (no convolutions), so the FLOPs the profile reads off the
  // kernels' shapes must be exactly the model's training FLOPs (3x forward).
  it.each(['dense', 'mot'] as const)(
    '%s: matMul FLOPs read from kernel shapes equal the FLOP model; shares add up',
    async (ffn) => {
      const config = tinyConfig(ffn);
      const data = tinyData();
      const trainer = new Trainer(config, data);
      try {
        trainer.trainStep(); // warm-up
        const p = await profileSteps(trainer, 2, 5);
        const tokens = config.train.batchSize * config.model.contextLength;
        const expected =
          (flopsPerToken(config.model, data.tokenizer.vocabSize).train * tokens) / 1e9;
        expect(p.matMul.flopsPerStep / 1e9).toBeCloseTo(expected, 9);
        expect(p.byKind.reduce((sum, k) => sum + k.share, 0)).toBeCloseTo(1, 2);
        expect(p.top).toHaveLength(5);
        for (let i = 1; i < p.top.length; i++)
          expect(p.top[i].msPerStep).toBeLessThanOrEqual(p.top[i - 1].msPerStep);
        // No custom-op wrappers ("forward") counted beside the kernels they ran.
        expect(p.top.every((row) => tf.getKernel(row.kernel, 'cpu') !== undefined)).toBe(true);
        expect(p.kernelMs).toBeLessThanOrEqual(p.stepMs * 1.05);
        expect(p.matMul.ceiling.gflops).toBeGreaterThan(0);
        expect(p.matMul.floorMs).toBeGreaterThan(0);
      } finally {
        trainer.dispose();
      }
    },
  );
});
