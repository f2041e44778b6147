/** compareRuns (services/report.ts): speed-ups against the dense baseline, from records alone. */
import { describe, expect, it } from 'vitest';
import type { EvalRecord, MetricRecord, TrainRecord } from '../../src/core/train/metrics';
import { compareRuns, type RunMetrics } from '../../src/services/report';
import { tinyConfig } from '../core/fixtures';

const evalAt = (step: number, validationLoss: number, elapsedMs: number): EvalRecord => ({
  type: 'eval',
  step,
  tokens: step * 64,
  flops: 0,
  elapsedMs,
  validationLoss,
  evalTokens: 128,
});

const trainAt = (
  step: number,
  lmLoss: number,
  layers: TrainRecord['layers'] = [],
): TrainRecord => ({
  type: 'train',
  step,
  loss: lmLoss,
  lmLoss,
  auxLoss: 0,
  learningRate: 1e-3,
  gradNorm: 1,
  tokens: step * 64,
  flops: 0,
  stepMs: 10,
  tokensPerSecond: 6400,
  elapsedMs: step * 10,
  layers,
});

function run(runId: string, ffn: 'dense' | 'mot', records: MetricRecord[]): RunMetrics {
  return { runId, name: runId, config: tinyConfig(ffn), records };
}

describe('compareRuns', () => {
  const dense = run('dense', 'dense', [
    evalAt(100, 3, 1000),
    evalAt(200, 2.5, 2000),
    evalAt(400, 2, 4000),
    trainAt(400, 2.1),
  ]);
  const motLayers: TrainRecord['layers'] = [
    {
      block: 0,
      kind: 'mot',
      mixEntropy: [0.5, 0.7],
      maxWeight: [0.5, 0.5],
      logitMean: 0,
      logitStd: 1,
    },
  ];
  const mot = run('mot', 'mot', [
    evalAt(100, 2.6, 1500),
    evalAt(200, 1.9, 3200),
    evalAt(400, 1.7, 6400),
    trainAt(399, 1.8),
    trainAt(400, 1.6, motLayers),
  ]);
  const slow = run('slow', 'mot', [evalAt(400, 2.4, 5000)]);

  it('finds the first dense run as baseline and the step each run reaches its final loss', () => {
    const report = compareRuns([mot, dense, slow]);
    expect(report.baselineId).toBe('dense');
    expect(report.baselineFinalValidationLoss).toBe(2);
    const [m, d, s] = report.runs;
    expect(m).toMatchObject({
      finalValidationLoss: 1.7,
      bestValidationLoss: 1.7,
      // Between (100, 2.6) and (200, 1.9): 100 + 100 * 0.6 / 0.7.
      stepReachingBaseline: expect.closeTo(100 + 600 / 7, 9),
      reachingResolutionSteps: 100,
      elapsedMsReachingBaseline: expect.closeTo(1500 + (1700 * 6) / 7, 9),
      speedupSteps: expect.closeTo(400 / (100 + 600 / 7), 9),
      speedupWallClock: expect.closeTo(4000 / (1500 + (1700 * 6) / 7), 9),
      mixEntropy: [{ block: 0, value: 0.6 }],
    });
    expect(m.finalTrainLoss).toBeCloseTo(1.7, 12); // mean of the last train records
    // The baseline itself reaches its final loss at its final eval (400, from 200 at 2.5).
    expect(d).toMatchObject({ stepReachingBaseline: 400, speedupSteps: 1, speedupWallClock: 1 });
    expect(d?.reachingResolutionSteps).toBe(200);
    expect(s).toMatchObject({ stepReachingBaseline: null, speedupSteps: null, mixEntropy: [] });
    expect(report.paper.desktopReference).toMatchObject({ dense: 1.617, mot: 1.669 });
  });

  it('takes an explicit baseline, and refuses one that is not among the runs', () => {
    expect(compareRuns([dense, mot], 'mot').baselineFinalValidationLoss).toBe(1.7);
    expect(compareRuns([mot]).baselineId).toBeNull();
    expect(() => compareRuns([mot], 'nope')).toThrow(/baseline nope/);
  });
});
