import { describe, expect, it } from 'vitest';
import type { EvalRecord, TrainRecord } from '../../src/core/train/metrics';
import { ownFigures } from '../../src/renderer/src/lib/lineage-figures';

function train(step: number, elapsedMs: number): TrainRecord {
  return {
    type: 'train',
    step,
    loss: 3,
    lmLoss: 3,
    auxLoss: 0,
    learningRate: 1e-3,
    gradNorm: 1,
    tokens: step * 64,
    flops: step,
    stepMs: 10,
    tokensPerSecond: 1,
    elapsedMs,
    layers: [],
  };
}

function evaluation(step: number, validationLoss: number): EvalRecord {
  return {
    type: 'eval',
    step,
    validationLoss,
    evalTokens: 128,
    tokens: step * 64,
    flops: step,
    elapsedMs: step,
  };
}

describe('a child run’s own figures', () => {
  it('keeps the parent’s best and time apart from the child’s', () => {
    const history = [
      train(100, 1000),
      evaluation(100, 2.305),
      train(200, 2000),
      evaluation(200, 2.4),
      train(201, 2010),
      train(300, 3500),
      evaluation(300, 2.312),
    ];
    expect(ownFigures(200, history)).toEqual({
      bestValidationLoss: 2.312,
      elapsedMs: 1500,
      inheritedBestValidationLoss: 2.305,
      inheritedElapsedMs: 2000,
    });
  });

  it('has no own figures before the child trains', () => {
    expect(ownFigures(200, [train(200, 2000), evaluation(200, 2.4)])).toEqual({
      inheritedBestValidationLoss: 2.4,
      inheritedElapsedMs: 2000,
    });
  });
});
