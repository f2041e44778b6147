/** compareRuns groups runs that differ only in their training seed: per-seed losses and the mean. */
import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../src/core/train/metrics';
import { compareRuns, type RunMetrics } from '../../src/services/report';
import { tinyConfig } from '../core/fixtures';

const evalAt = (step: number, validationLoss: number): EvalRecord => ({
  type: 'eval',
  step,
  tokens: step * 64,
  flops: 0,
  elapsedMs: step,
  validationLoss,
  evalTokens: 128,
});

function run(id: string, ffn: 'dense' | 'mot', seed: number, loss: number): RunMetrics {
  return {
    runId: id,
    name: id,
    config: tinyConfig(ffn, { name: id, train: { seed } }),
    records: [evalAt(40, loss)],
  };
}

describe('compareRuns seed groups', () => {
  it('puts runs that differ only in train.seed together, with the mean and its interval', () => {
    const runs = [
      run('d1', 'dense', 1, 2.0),
      run('d2', 'dense', 2, 2.1),
      run('d3', 'dense', 3, 2.2),
      run('m1', 'mot', 1, 2.05),
      run('other', 'dense', 1, 1.9),
    ];
    runs[4]!.config.train.steps = 20;
    const { seedGroups } = compareRuns(runs);
    expect(seedGroups).toHaveLength(1);
    const [group] = seedGroups;
    expect(group).toMatchObject({ runIds: ['d1', 'd2', 'd3'], seeds: [1, 2, 3] });
    expect(group!.finalValidationLosses).toEqual([2.0, 2.1, 2.2]);
    expect(group!.mean.mean).toBeCloseTo(2.1, 12);
    // sd 0.1, t(0.975, 2) = 4.303: half-width 4.303 * 0.1 / sqrt(3).
    expect(group!.mean.high! - 2.1).toBeCloseTo((4.303 * 0.1) / Math.sqrt(3), 9);
  });
});
