/**
 * What the trainer reports, checked against what it did: the learning rate, the best loss, the
 * running totals of each record, the layer statistics, and what run() does after a restore.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { tokenCapacity } from '../../src/core/model/moe';
import { takeSnapshot } from '../../src/core/train/snapshot';
import { flopsPerToken } from '../../src/core/train/flops';
import { learningRateAt } from '../../src/core/train/schedule';
import { Trainer } from '../../src/core/train/trainer';
import { validationLoss, validationWindows } from '../../src/core/train/validation';
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

  it('a train record carries the totals after its step: tokens, epochs, FLOPs, elapsed time', () => {
    const config = tinyConfig('mot', { train: { steps: 3, warmupSteps: 1 } });
    const data = tinyData();
    const trainer = new Trainer(config, data);
    const perStep = config.train.batchSize * config.model.contextLength; // 64 tokens
    const flopsPerTrain = flopsPerToken(config.model, data.tokenizer.vocabSize).train;
    let elapsed = 0;
    for (let step = 1; step <= 3; step++) {
      const before = performance.now();
      const r = trainer.trainStep();
      const wall = performance.now() - before;
      expect(r.stepMs).toBeGreaterThan(0);
      expect(r.stepMs).toBeLessThanOrEqual(wall);
      elapsed += r.stepMs;
      expect(r).toMatchObject({ type: 'train', step, tokens: step * perStep });
      expect(r.epochs).toBeCloseTo((step * perStep) / data.train.length, 12);
      expect(r.flops / (step * perStep * flopsPerTrain)).toBeCloseTo(1, 12);
      expect(r.elapsedMs).toBeCloseTo(elapsed, 9);
      expect(r.tokensPerSecond).toBeCloseTo((perStep * 1000) / r.stepMs, 6);
      expect(r.loss).toBeCloseTo(r.lmLoss + r.auxLoss, 5);
    }
    const e = trainer.evaluate();
    expect(e).toMatchObject({ type: 'eval', step: 3, tokens: 3 * perStep });
    expect(e.flops / (3 * perStep * flopsPerTrain)).toBeCloseTo(1, 12);
    expect(e.elapsedMs).toBeCloseTo(elapsed, 9);
    expect(e.epochs).toBeCloseTo((3 * perStep) / data.train.length, 12);
    trainer.dispose();
  });

  it('an eval record gives the standard error with several batches and omits it with one', () => {
    const data = tinyData();
    const T = 8;
    const B = 8;
    for (const batches of [3, 1]) {
      const config = tinyConfig('dense', { data: { validationTokens: batches * B * T } });
      const trainer = new Trainer(config, data);
      const record = trainer.evaluate();
      const windows = validationWindows(config, data.validation);
      const shared = validationLoss(trainer.model, windows, T, B);
      expect(record.evalTokens).toBe(batches * B * T);
      expect(record.validationLoss).toBe(shared.loss);
      if (batches > 1) expect(record.validationStdError).toBe(shared.stdError);
      else expect(record).not.toHaveProperty('validationStdError');
      trainer.dispose();
    }
  });

  it('layer statistics: per-expert arrays and scalars as plain numbers, no entry for dense blocks', () => {
    const data = tinyData();
    const mot = new Trainer(tinyConfig('mot', { model: { placement: [1] } }), data);
    const [motLayer, ...others] = mot.trainStep().layers;
    expect(others).toEqual([]);
    if (motLayer.kind !== 'mot') throw new Error('a MoT layer expected');
    expect(motLayer.block).toBe(1);
    expect(motLayer.mixEntropy).toHaveLength(4); // E = 4
    expect(motLayer.maxWeight).toHaveLength(4);
    expect(motLayer.logitMean).toBeTypeOf('number');
    expect(motLayer.logitStd).toBeGreaterThan(0);
    mot.dispose();

    const moe = new Trainer(tinyConfig('moe'), data);
    const layers = moe.trainStep().layers;
    expect(layers.map((l) => [l.block, l.kind])).toEqual([
      [0, 'moe'],
      [1, 'moe'],
    ]);
    for (const layer of layers) {
      if (layer.kind !== 'moe') throw new Error('a MoE layer expected');
      expect(layer.capacity).toBe(tokenCapacity(64, 4, 1, 1.25)); // a plain number, kept as is
      expect(layer.load.reduce((a, b) => a + b, 0)).toBeCloseTo(1 - layer.droppedFraction, 6);
      expect(layer.loadBalanceLoss).toBeGreaterThanOrEqual(1 - 1e-6); // E * sum f P >= 1
    }
    moe.dispose();

    const dense = new Trainer(tinyConfig('dense'), data);
    expect(dense.trainStep().layers).toEqual([]);
    dense.dispose();
  });

  it('a loss that is not finite stops training with the step and what to change', () => {
    const trainer = new Trainer(tinyConfig('dense'), tinyData());
    const head = trainer.model.params.get('head');
    head.assign(tf.fill(head.shape, NaN));
    expect(() => trainer.trainStep()).toThrow(
      'loss became NaN at step 1: lower train.learningRate or raise train.gradClip protection',
    );
    trainer.dispose();
  });

  it('a restored trainer resumes without a step-0 snapshot and writes no checkpoint it holds', async () => {
    const config = tinyConfig('dense', {
      train: { steps: 6, evalEvery: 100, snapshotEvery: 100, checkpointEvery: 100 },
    });
    const data = tinyData();
    const first = new Trainer(config, data);
    for (let i = 0; i < 4; i++) first.trainStep();
    const checkpoint = first.checkpoint();
    first.dispose();

    const log = (trainer: Trainer, events: string[]) =>
      trainer.run({
        onTrain: (r) => void events.push(`train ${r.step}`),
        onEval: (r) => void events.push(`eval ${r.step}`),
        onSnapshot: (s) => void events.push(`snapshot ${s.step}`),
        onCheckpoint: (c) => void events.push(`checkpoint ${c.state.step}`),
      });
    const stopped = new Trainer(config, data, checkpoint);
    stopped.stop(); // before the loop starts: nothing to do, nothing new to save
    const none: string[] = [];
    expect(await log(stopped, none)).toMatchObject({ step: 4, completed: false });
    expect(none).toEqual([]);
    stopped.dispose();

    const resumed = new Trainer(config, data, checkpoint);
    const events: string[] = [];
    expect(await log(resumed, events)).toMatchObject({ step: 6, completed: true });
    expect(events).toEqual(['train 5', 'train 6', 'eval 6', 'snapshot 6', 'checkpoint 6']);
    resumed.dispose();
  });

  it('refuses a checkpoint whose tensor shapes differ, naming the tensor and both shapes', () => {
    const data = tinyData();
    const narrow = new Trainer(tinyConfig('dense'), data);
    const checkpoint = narrow.checkpoint();
    narrow.dispose();
    expect(
      () => new Trainer(tinyConfig('dense', { model: { dFF: 48 } }), data, checkpoint),
    ).toThrow(/^checkpoint tensor param\/\S+ has shape \[16,32\], the model needs \[16,48\]$/);
  });

  it('pausing twice still needs one resume; the loop goes on after it', async () => {
    const trainer = new Trainer(tinyConfig('dense', { train: { steps: 4 } }), tinyData());
    const done = trainer.run({ onTrain: (r) => void (r.step === 2 && trainer.pause()) });
    while (!trainer.paused) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20)); // the loop now waits at the gate
    trainer.pause();
    trainer.resume();
    const deadline = new Promise<string>((r) => setTimeout(() => r('still waiting'), 5000));
    expect(await Promise.race([done.then((s) => s.step), deadline])).toBe(4);
    trainer.dispose();
  });

  it('run() lets a timer in between steps: a stop() scheduled at the start lands after a step or two', async () => {
    const trainer = new Trainer(
      tinyConfig('dense', { train: { steps: 40, evalEvery: 100, checkpointEvery: 100 } }),
      tinyData(),
    );
    const done = trainer.run();
    setTimeout(() => trainer.stop(), 0);
    const summary = await done;
    expect(summary.completed).toBe(false);
    expect(summary.step).toBeLessThanOrEqual(2);
    trainer.dispose();
  });

  it('evaluate({ discrete }) scores the shared sample with discrete mixing; snapshot() probes its first batch', () => {
    const config = tinyConfig('mot');
    const data = tinyData();
    const trainer = new Trainer(config, data);
    for (let i = 0; i < 3; i++) trainer.trainStep();
    const T = config.model.contextLength;
    const B = config.train.batchSize;
    const windows = validationWindows(config, data.validation);
    const discrete = validationLoss(trainer.model, windows, T, B, { discrete: true }).loss;
    expect(discrete).not.toBeCloseTo(validationLoss(trainer.model, windows, T, B).loss, 4);
    expect(trainer.evaluate({ discrete: true }).validationLoss).toBe(discrete);
    const probe = windows.subarray(0, B * (T + 1));
    expect(trainer.snapshot()).toEqual(takeSnapshot(trainer.model, probe, B, T, data.tokenizer, 3));
    trainer.dispose();
  });

  it('stop() while the loop waits at the pause gate ends it there, without another step', async () => {
    const trainer = new Trainer(
      tinyConfig('dense', { train: { steps: 10, checkpointEvery: 100 } }),
      tinyData(),
    );
    const steps: number[] = [];
    const checkpoints: number[] = [];
    const done = trainer.run({
      onTrain: (r) => {
        steps.push(r.step);
        if (r.step === 2) trainer.pause();
      },
      onCheckpoint: (c) => void checkpoints.push(c.state.step),
    });
    while (!trainer.paused) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30)); // the loop now waits at the gate
    trainer.stop();
    expect(await done).toMatchObject({ step: 2, completed: false });
    expect(steps).toEqual([1, 2]);
    expect(checkpoints).toEqual([2]);
    trainer.dispose();
  });

  it('a checkpoint holds every parameter and both moments, by name, with their values', () => {
    const trainer = new Trainer(tinyConfig('moe'), tinyData());
    trainer.trainStep();
    const { tensors } = trainer.checkpoint();
    const expected = [
      ['param', trainer.model.params.variables],
      ['adam.m', trainer.optimizer.firstMoments],
      ['adam.v', trainer.optimizer.secondMoments],
    ] as const;
    expect(tensors).toEqual(
      expected.flatMap(([prefix, map]) =>
        [...map].map(([name, v]) => ({
          name: `${prefix}/${name}`,
          shape: v.shape,
          data: Float32Array.from(v.dataSync()),
        })),
      ),
    );
    trainer.dispose();
  });

  it('dispose() frees the model and the optimizer moments', () => {
    const before = tf.memory().numTensors;
    const trainer = new Trainer(tinyConfig('mot'), tinyData());
    trainer.trainStep();
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
