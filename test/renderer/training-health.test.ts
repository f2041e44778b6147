import { describe, expect, it } from 'vitest';
import {
  divergedFromPoints,
  isDiverged,
  trainingWarnings,
  uniformLoss,
  vocabSizeOf,
  type LossPoint,
} from '../../src/renderer/src/lib/training-health';

/** A healthy run: loss falling from 5 to 2.5, gradient norm about 1. */
function healthy(steps: number, from = 1): LossPoint[] {
  return Array.from({ length: steps }, (_, i) => ({
    step: from + i,
    lmLoss: 5 - (2.5 * i) / steps,
    gradNorm: 1 + 0.1 * Math.sin(i),
  }));
}

describe('training health', () => {
  it('knows the uniform loss of each tokenizer', () => {
    expect(vocabSizeOf({ kind: 'bytes' })).toBe(257);
    expect(vocabSizeOf({ kind: 'bpe', vocabSize: 2048 })).toBe(2048);
    expect(uniformLoss(257)).toBeCloseTo(5.549, 3);
  });

  it('finds nothing in a healthy run', () => {
    expect(trainingWarnings(healthy(100), { vocabSize: 257 })).toEqual([]);
  });

  it('warns once, at the first step, about a loss above ln(vocab)', () => {
    const points = healthy(30);
    points[12].lmLoss = 6.1;
    points[20].lmLoss = 43;
    const warnings = trainingWarnings(points, { vocabSize: 257 });
    expect(warnings.map((w) => [w.kind, w.step])).toEqual([['above-uniform', 13]]);
    expect(warnings[0].message).toContain('ln(257) = 5.55');
  });

  it('warns about NaN and Inf', () => {
    const points = healthy(10);
    points[7].lmLoss = Number.NaN;
    points[8].gradNorm = Number.POSITIVE_INFINITY;
    expect(trainingWarnings(points, { vocabSize: 257 })).toMatchObject([
      { kind: 'non-finite', step: 8 },
    ]);
  });

  it('warns about a gradient-norm spike against the recent median, not a slow drift', () => {
    const drift = healthy(60).map((p, i) => ({ ...p, gradNorm: 1 + i * 0.1 }));
    expect(trainingWarnings(drift, { vocabSize: 257 })).toEqual([]);
    const spiked = healthy(60);
    spiked[40].gradNorm = 25;
    expect(trainingWarnings(spiked, { vocabSize: 257 })).toMatchObject([
      { kind: 'grad-spike', step: 41 },
    ]);
  });

  it('warns about a loss spike right after a transition, not one long after', () => {
    const child = healthy(120, 201).map((p) => ({ ...p, lmLoss: 2.4 }));
    expect(trainingWarnings(child, { vocabSize: 257, transitionStep: 200 })).toEqual([]);
    child[10].lmLoss = 3.2;
    expect(trainingWarnings(child, { vocabSize: 257, transitionStep: 200 })).toMatchObject([
      { kind: 'transition-spike', step: 211 },
    ]);
    const late = child.map((p) => ({ ...p, lmLoss: 2.4 }));
    late[100].lmLoss = 3.2;
    expect(trainingWarnings(late, { vocabSize: 257, transitionStep: 200 })).toEqual([]);
  });

  it('calls a run diverged when its final or best loss is worse than uniform or not finite', () => {
    expect(isDiverged({ finalTrainLoss: 2.3, bestValidationLoss: 2.4 }, 257)).toBe(false);
    expect(isDiverged({}, 257)).toBe(false);
    expect(isDiverged({ finalTrainLoss: 43 }, 257)).toBe(true);
    expect(isDiverged({ finalTrainLoss: Number.NaN }, 257)).toBe(true);
    expect(isDiverged({ finalTrainLoss: 2, bestValidationLoss: 6 }, 257)).toBe(true);
  });

  it('calls a training run diverged only when its newest losses all sit above uniform', () => {
    const points = healthy(20);
    expect(divergedFromPoints(points, 257)).toBe(false);
    points[19].lmLoss = 40;
    expect(divergedFromPoints(points, 257)).toBe(false);
    for (const p of points.slice(-5)) p.lmLoss = 40;
    expect(divergedFromPoints(points, 257)).toBe(true);
    expect(divergedFromPoints([], 257)).toBe(false);
  });
});

describe('training health at the start', () => {
  it('does not call a fresh model at ln(vocab) worse than uniform', () => {
    const start = [
      { step: 1, lmLoss: 6.1, gradNorm: 1 },
      ...Array.from({ length: 20 }, (_, i) => ({ step: i + 2, lmLoss: 5 - i * 0.1, gradNorm: 1 })),
    ];
    expect(trainingWarnings(start, { vocabSize: 257 })).toEqual([]);
  });
});
