import type { TrainConfig } from '../config';

/**
 * Learning rate at `step` (0-based): linear warm-up to the peak over `warmupSteps`, then cosine
 * decay to `minLrRatio * peak` at the last step (the paper's schedule).
 */
export function learningRateAt(
  step: number,
  t: Pick<TrainConfig, 'learningRate' | 'minLrRatio' | 'warmupSteps' | 'steps'>,
): number {
  const peak = t.learningRate;
  if (step < t.warmupSteps) return (peak * (step + 1)) / t.warmupSteps;
  const decaySteps = Math.max(1, t.steps - t.warmupSteps);
  const progress = Math.min(1, (step - t.warmupSteps) / decaySteps);
  const floor = peak * t.minLrRatio;
  return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
}
