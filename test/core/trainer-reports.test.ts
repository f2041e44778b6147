/** What the trainer reports, checked against what it did: the learning rate and the best loss. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { learningRateAt } from '../../src/core/train/schedule';
import { Trainer } from '../../src/core/train/trainer';
import { tinyConfig, tinyData } from './fixtures';

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
});

describe('Trainer reports', () => {
  it('each step applies and reports the schedule’s learning rate for that step (0-based)', () => {
    const config = tinyConfig('dense', { train: { steps: 10, warmupSteps: 3, minLrRatio: 0.1 } });
    const trainer = new Trainer(config, tinyData());
    const applied = vi.spyOn(trainer.optimizer, 'apply'); // observes, still runs the update
    const reported = Array.from({ length: 10 }, () => trainer.trainStep().learningRate);
    const schedule = Array.from({ length: 10 }, (_, step) => learningRateAt(step, config.train));
    expect(reported).toEqual(schedule);
    expect(applied.mock.calls.map(([, learningRate]) => learningRate)).toEqual(schedule);
    expect(new Set(schedule).size).toBe(10); // every step's rate differs: an off-by-one shows
    trainer.dispose();
  });

  it('bestValidationLoss is the smallest validation loss seen, lastValidationLoss the latest', async () => {
    const config = tinyConfig('dense', { train: { steps: 12 } });
    const trainer = new Trainer(config, tinyData());
    const losses = [trainer.evaluate().validationLoss]; // untrained: high
    for (let i = 0; i < 12; i++) trainer.trainStep();
    losses.push(trainer.evaluate().validationLoss); // trained: lower
    // Scramble the output head: the loss rises again, so the best is neither first nor last.
    const head = trainer.model.params.get('head');
    head.assign(head.mul(-4));
    losses.push(trainer.evaluate().validationLoss);
    expect(losses[1]).toBeLessThan(losses[0]);
    expect(losses[2]).toBeGreaterThan(losses[1]);
    const { state } = trainer.checkpoint();
    expect(state.bestValidationLoss).toBe(Math.min(...losses));
    expect(state.lastValidationLoss).toBe(losses[2]);
    trainer.dispose();
  });
});
