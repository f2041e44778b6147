import { describe, expect, it } from 'vitest';
import { layerValue, metricLabel, type TrainRecord } from '../../src/renderer/src/lib/metrics';

function record(layers: TrainRecord['layers']): TrainRecord {
  return {
    type: 'train',
    step: 1,
    loss: 3,
    lmLoss: 3,
    auxLoss: 0,
    learningRate: 1e-3,
    gradNorm: 1,
    tokens: 64,
    flops: 1,
    stepMs: 1,
    tokensPerSecond: 1,
    elapsedMs: 1,
    layers,
  };
}

const mot = (block: number, entropy: number[]) => ({
  block,
  kind: 'mot' as const,
  mixEntropy: entropy,
  maxWeight: entropy.map((e) => 1 - e),
  logitMean: 0,
  logitStd: 1,
});

describe('layer series for compare', () => {
  it('averages MoT mixing entropy over layers and experts', () => {
    const r = record([mot(0, [1, 0.5]), mot(1, [0.25, 0.25])]);
    expect(layerValue(r, 'mixEntropy')).toBeCloseTo((0.75 + 0.25) / 2, 10);
    expect(layerValue(r, 'moeDropped')).toBeUndefined();
    expect(layerValue(record([]), 'mixEntropy')).toBeUndefined();
    // One block instead of the mean.
    expect(layerValue(r, 'mixEntropy', 1)).toBeCloseTo(0.25, 10);
    expect(layerValue(r, 'mixEntropy', 5)).toBeUndefined();
    expect(metricLabel('mixEntropy', 1)).toBe('MoT mixing entropy, block 1');
    expect(metricLabel('mixEntropy')).toBe('MoT mixing entropy (mean of layers)');
  });

  it('gives the busiest MoE expert relative to balance, and drops', () => {
    const moe = {
      block: 0,
      kind: 'moe' as const,
      load: [0.5, 0.25, 0.25, 0],
      droppedFraction: 0.1,
      capacity: 20,
      takenByNone: 0.1,
      takenByOne: 0.9,
      takenBySeveral: 0,
      loadBalanceLoss: 1.2,
      routerZLoss: 0,
    };
    expect(layerValue(record([moe]), 'moeMaxLoad')).toBe(2);
    expect(layerValue(record([moe]), 'moeDropped')).toBe(0.1);
  });
});
