/**
 * Data-parallel training on worker threads (src/services/train-workers): W = 2 trains the same
 * function as W = 1 for dense and MoT (the mean of the slice gradients is the batch gradient),
 * a MoT group is never split, and a sparse MoE's capacity is per worker.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/config';
import { nativeKernels } from '../../src/core/model/ops';
import { tokenCapacity } from '../../src/core/model/moe';
import type { MoeLayerMetrics, TrainRecord } from '../../src/core/train/metrics';
import { Trainer } from '../../src/core/train/trainer';
import { selectBackend } from '../../src/services/backends';
import { workerCount } from '../../src/services/train-workers/worker-count';
import { WorkerPool } from '../../src/services/train-workers/worker-pool';
import { tinyConfig, tinyData } from '../core/fixtures';

beforeAll(async () => {
  await selectBackend('wasm');
});

const pools: WorkerPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

/** `steps` records of `config` trained by one trainer plus `workers - 1` threads. */
async function train(
  config: ReturnType<typeof tinyConfig>,
  workers: number,
  steps: number,
): Promise<TrainRecord[]> {
  const data = tinyData();
  const trainer = new Trainer(config, data);
  const pool =
    workers > 1
      ? await WorkerPool.open({
          threads: workers - 1,
          model: config.model,
          vocabSize: data.tokenizer.vocabSize,
          seed: config.train.seed,
          params: trainer.model.params.variables,
          backend: 'wasm',
          native: nativeKernels(),
        })
      : undefined;
  if (pool) pools.push(pool);
  trainer.useWorkers(pool);
  const records: TrainRecord[] = [];
  const tensors = tf.memory().numTensors;
  for (let i = 0; i < steps; i++)
    records.push(pool ? await trainer.parallelStep(pool) : trainer.trainStep());
  // Every step frees what it made: slices, averaged gradients, layer stats.
  expect(tf.memory().numTensors).toBe(tensors);
  trainer.dispose();
  await pool?.close();
  return records;
}

describe('data-parallel worker threads', () => {
  it.each(['dense', 'mot'] as const)(
    '%s: 2 workers train the losses of 1 within 1e-4',
    async (ffn) => {
      const config = tinyConfig(ffn, { train: { steps: 12 } });
      const one = await train(config, 1, 12);
      const two = await train(config, 2, 12);
      const gaps = one.map((r, i) => Math.abs(r.loss - two[i].loss));
      console.log(ffn, 'largest |loss(W=1) - loss(W=2)| over 12 steps', Math.max(...gaps));
      for (const gap of gaps) expect(gap).toBeLessThan(1e-4);
      // The runs moved: a step that did nothing would pass the comparison too.
      expect(one[11].loss).toBeLessThan(one[0].loss - 0.3);
    },
  );

  it('moe: capacity is per worker; with room for every token and no balance loss, 2 workers train the losses of 1', async () => {
    // capacityFactor = E: an expert may take every token of its batch, so none is dropped and
    // the slices compute what the whole batch does; the balance loss (a product of batch means)
    // is not a mean over rows, so it is off here.
    const roomy = tinyConfig('moe', {
      model: { moe: { capacityFactor: 4, loadBalanceWeight: 0 } },
      train: { steps: 12 },
    });
    const one = await train(roomy, 1, 12);
    const two = await train(roomy, 2, 12);
    const gaps = one.map((r, i) => Math.abs(r.loss - two[i].loss));
    console.log('moe (capacity factor E) largest |loss(W=1) - loss(W=2)|', Math.max(...gaps));
    for (const gap of gaps) expect(gap).toBeLessThan(1e-4);

    // At the default factor each worker's experts hold capacity for its own tokens only.
    const config = tinyConfig('moe');
    const tokens = config.train.batchSize * config.model.contextLength;
    const { experts, topK, capacityFactor } = config.model.moe;
    const capacityOf = (records: TrainRecord[]) =>
      (records[0].layers!.find((l) => l.kind === 'moe') as MoeLayerMetrics).capacity;
    expect(capacityOf(await train(config, 1, 1))).toBe(
      tokenCapacity(tokens, experts, topK, capacityFactor),
    );
    expect(capacityOf(await train(config, 2, 1))).toBe(
      tokenCapacity(tokens / 2, experts, topK, capacityFactor),
    );
  });

  it('a worker that fails ends the step with its error', async () => {
    const config = tinyConfig('dense');
    const data = tinyData();
    const trainer = new Trainer(config, data);
    const pool = await WorkerPool.open({
      threads: 1,
      model: config.model,
      vocabSize: data.tokenizer.vocabSize,
      seed: config.train.seed,
      params: trainer.model.params.variables,
      backend: 'wasm',
      native: nativeKernels(),
    });
    pools.push(pool);
    // Rows of another width than the model's context: the worker's forward pass throws.
    await expect(
      pool.gradients(trainer.model.params.variables, [new Int32Array(4 * 20)], 20),
    ).rejects.toThrow(/worker 1: .*context length/);
    await expect(trainer.parallelStep(pool)).rejects.toThrow(/worker 1/);
    trainer.dispose();
  });
});

describe('train.workers in the config', () => {
  it('rejects a count that splits a MoT group or does not divide the batch, naming the field', () => {
    expect(() => tinyConfig('mot', { train: { workers: 4 } })).toThrow(ConfigError);
    expect(() => tinyConfig('mot', { train: { workers: 4 } })).toThrow(
      'train.workers: each worker gets 2 rows, not a multiple of model.mot.groupSize (4): MoT groups must stay whole',
    );
    expect(() => tinyConfig('dense', { train: { workers: 3 } })).toThrow(
      'train.workers: must divide train.batchSize (8)',
    );
    expect(() => tinyConfig('dense', { train: { workers: 2 }, backend: 'torch' })).toThrow(
      /train.workers: .*train.processes/,
    );
    expect(tinyConfig('mot', { train: { workers: 2 } }).train.workers).toBe(2);
    expect(tinyConfig('dense', { train: { workers: 8 } }).train.workers).toBe(8);
    expect(tinyConfig('mot', { train: { workers: 'auto' } }).train.workers).toBe('auto');
  });
});

describe('the worker count of a run', () => {
  const auto = (ffn: 'dense' | 'mot', batchSize = 8) =>
    tinyConfig(ffn, { train: { workers: 'auto', batchSize } });

  it('auto: the cores shared among the concurrent runs, rounded down to whole MoT groups', () => {
    expect(workerCount(auto('dense'), { backend: 'wasm', cores: 2 }).workers).toBe(2);
    expect(
      workerCount(auto('dense'), { backend: 'wasm', cores: 4, concurrentRuns: 2 }).workers,
    ).toBe(2);
    expect(
      workerCount(auto('dense'), { backend: 'wasm', cores: 2, concurrentRuns: 3 }).workers,
    ).toBe(1);
    // 8 rows, g 4: 3 workers would split the batch unevenly, 4 would split the groups.
    expect(workerCount(auto('mot'), { backend: 'wasm', cores: 16 })).toEqual({
      workers: 2,
      reason: 'auto: 16 core(s) for 1 concurrent run(s), the most that split batch 8',
    });
    expect(workerCount(auto('dense'), { backend: 'tensorflow', cores: 8 }).workers).toBe(1);
  });

  it("a resume keeps the count its checkpoint recorded; an explicit count is the config's", () => {
    const resumed = { backend: 'wasm' as const, cores: 8, resuming: true };
    expect(workerCount(auto('dense'), { ...resumed, recorded: 2 }).workers).toBe(2);
    expect(workerCount(auto('dense'), resumed).workers).toBe(1); // written before workers existed
    const two = tinyConfig('dense', { train: { workers: 2 } });
    expect(workerCount(two, { backend: 'cpu', cores: 1 }).workers).toBe(2);
    expect(workerCount(tinyConfig('dense'), { backend: 'wasm', cores: 8 }).workers).toBe(1);
    expect(() => workerCount(two, { backend: 'tensorflow' })).toThrow(
      'train.workers 2 needs the wasm or cpu backend; this run trains on tensorflow',
    );
  });
});
