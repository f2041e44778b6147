/**
 * AdamW against the textbook update, computed in plain numbers: the tfjs kernels on cpu, and the
 * fused native pass (wasm with the native addon; skipped, with the reason, where it is not built).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { nativeKernels } from '../../src/core/model/ops';
import { AdamW, type AdamSettings } from '../../src/core/train/adamw';
import { selectBackend } from '../../src/services/backends';
import { nativeAddon } from '../../src/services/native-kernels';

const { addon, reason } = nativeAddon();
if (!addon) console.warn(`AdamW's native pass not tested: ${reason}`);
const paths = [
  { path: 'tfjs kernels', native: false, select: () => selectBackend('cpu') },
  ...(addon ? [{ path: 'native pass', native: true, select: () => selectBackend('wasm') }] : []),
];

const settings: AdamSettings = {
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0.1,
  gradClip: 0.5,
};

/** One parameter through `steps` updates, as the paper's pseudo-code writes it (float64). */
function reference(p0: number[], grads: number[][], lr: number, decays: boolean, clips: number[]) {
  const { beta1, beta2, epsilon, weightDecay } = settings;
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((raw, t) => {
    const g = raw.map((x) => x * clips[t]);
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2;
      const mHat = m[i] / (1 - beta1 ** (t + 1));
      const vHat = v[i] / (1 - beta2 ** (t + 1));
      p[i] -= lr * (mHat / (Math.sqrt(vHat) + epsilon) + (decays ? weightDecay * p[i] : 0));
    }
  });
  return p;
}

describe.each(paths)('AdamW, $path', ({ native, select }) => {
  it('matches the textbook update with clipping and decay on matrices only', async () => {
    await select();
    expect(nativeKernels()).toBe(native);
    const matrix = [0.5, -1, 2, 0.25];
    const vector = [1, -0.5];
    const params = new Map<string, tf.Variable>([
      ['w', tf.variable(tf.tensor2d(matrix, [2, 2]))],
      ['b', tf.variable(tf.tensor1d(vector))],
    ]);
    const optimizer = new AdamW(params, settings);
    // The first gradient has norm 2.5 (clipped to 0.5), the second 0.05 (not clipped).
    const steps = [
      { w: [1, -1, 1, -1], b: [1.5, -1.5] },
      { w: [0.01, 0.02, -0.03, 0], b: [0, 0.04] },
      { w: [0, 0, 0, 0], b: [0, 0] },
    ];
    const clips: number[] = [];
    steps.forEach(({ w, b }) => {
      const norm = Math.hypot(...w, ...b);
      clips.push(norm > settings.gradClip ? settings.gradClip / norm : 1);
      const grads = { w: tf.tensor2d(w, [2, 2]), b: tf.tensor1d(b) };
      expect(optimizer.apply(grads, 0.01)).toBeCloseTo(norm, 5);
      tf.dispose(Object.values(grads));
    });
    const expectW = reference(
      matrix,
      steps.map((s) => s.w),
      0.01,
      true,
      clips,
    );
    const expectB = reference(
      vector,
      steps.map((s) => s.b),
      0.01,
      false,
      clips,
    );
    Array.from(params.get('w')!.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expectW[i], 6));
    Array.from(params.get('b')!.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expectB[i], 6));
    optimizer.dispose();
    params.forEach((p) => p.dispose());
  });

  it('gradClip 0 turns clipping off: a large gradient moves the parameter by the full first step', async () => {
    await select();
    const params = new Map([['w', tf.variable(tf.tensor2d([1, 2], [1, 2]))]]);
    const optimizer = new AdamW(params, { ...settings, weightDecay: 0, gradClip: 0 });
    expect(optimizer.apply({ w: tf.tensor2d([30, -40], [1, 2]) }, 0.1)).toBeCloseTo(50, 4);
    // Step 1 of Adam moves each entry by lr * g / |g| (bias-corrected m / sqrt(v)), any scale.
    const moved = Array.from(params.get('w')!.dataSync());
    expect(moved[0]).toBeCloseTo(0.9, 5);
    expect(moved[1]).toBeCloseTo(2.1, 5);
    optimizer.dispose();
    params.forEach((p) => p.dispose());
  });
});
