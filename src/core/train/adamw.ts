/**
 * AdamW (decoupled weight decay) with global-norm gradient clipping. The moments live in
 * variables named after the parameters, so a checkpoint can save and restore them exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config';
import { nativeKernels, withTensorScope } from '../model/ops';

/**
 * Kernels the native addon adds to the wasm backend (src/services/native-kernels.ts): sum(x^2)
 * of one tensor, and the whole update of one parameter in one pass (what `apply` computes below
 * in a dozen kernels). Inputs p, m, v, g; attrs.settings [b1, a1, b2, a2, stepScale, eps, decay].
 */
export const SUM_SQUARES_KERNEL = 'MotSumSquares';
export const ADAMW_KERNEL = 'MotAdamW';

export type AdamSettings = Pick<
  TrainConfig,
  'beta1' | 'beta2' | 'epsilon' | 'weightDecay' | 'gradClip'
>;

export class AdamW {
  /** Updates applied so far (for bias correction). */
  step = 0;
  readonly firstMoments = new Map<string, tf.Variable>();
  readonly secondMoments = new Map<string, tf.Variable>();

  constructor(
    private readonly params: Map<string, tf.Variable>,
    private readonly settings: AdamSettings,
  ) {
    // A variable shares its initial tensor's memory: free the zeros once both moments hold them.
    for (const [name, p] of params) {
      const zeros = tf.zerosLike(p);
      this.firstMoments.set(name, tf.variable(zeros, false));
      this.secondMoments.set(name, tf.variable(zeros, false));
      zeros.dispose();
    }
  }

  /** Applies one update; returns the global gradient norm before clipping. */
  apply(grads: Record<string, tf.Tensor>, learningRate: number): number {
    const { beta1, beta2, epsilon, weightDecay, gradClip } = this.settings;
    this.step += 1;
    const correction1 = 1 - beta1 ** this.step;
    const rootCorrection2 = Math.sqrt(1 - beta2 ** this.step);
    if (nativeKernels()) return this.applyFused(grads, learningRate, correction1, rootCorrection2);
    return withTensorScope(() => {
      const names = [...this.params.keys()];
      const squares = names.map((name) => grads[name].square()); // for the norm and for v
      const norm = tf.sqrt(tf.addN(squares.map((s) => s.sum()))).dataSync()[0];
      const clip = gradClip > 0 && norm > gradClip ? gradClip / norm : 1;
      // The textbook update with its scalars folded together, since on wasm every full-size op
      // is a pass over memory (g is the clipped gradient, c1, c2 the bias corrections):
      //   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
      //   p <- p - lr (m / c1) / (sqrt(v / c2) + eps) - lr wd p
      //      = p (1 - lr wd) - [lr sqrt(c2) / c1] m / (sqrt(v) + eps sqrt(c2))
      const stepScale = (learningRate * rootCorrection2) / correction1;
      names.forEach((name, i) => {
        const p = this.params.get(name)!;
        const m = this.firstMoments.get(name)!;
        const v = this.secondMoments.get(name)!;
        m.assign(m.mul(beta1).add(grads[name].mul((1 - beta1) * clip)));
        v.assign(v.mul(beta2).add(squares[i].mul((1 - beta2) * clip * clip)));
        const step = m.mul(stepScale).div(v.sqrt().add(epsilon * rootCorrection2));
        // Decay matrices only: LayerNorm gains and biases keep their scale.
        const decay = p.rank >= 2 ? 1 - learningRate * weightDecay : 1;
        p.assign((decay === 1 ? p : p.mul(decay)).sub(step));
      });
      return norm;
    });
  }

  /** `apply` with the native kernels: the same arithmetic, two kernels per parameter. */
  private applyFused(
    grads: Record<string, tf.Tensor>,
    learningRate: number,
    correction1: number,
    rootCorrection2: number,
  ): number {
    const { beta1, beta2, epsilon, weightDecay, gradClip } = this.settings;
    return withTensorScope(() => {
      const names = [...this.params.keys()];
      const engine = tf.engine();
      const squares = names.map((name) => engine.runKernel(SUM_SQUARES_KERNEL, { x: grads[name] }));
      const norm = Math.sqrt(tf.addN(squares as tf.Tensor[]).dataSync()[0]);
      const clip = gradClip > 0 && norm > gradClip ? gradClip / norm : 1;
      const stepScale = (learningRate * rootCorrection2) / correction1;
      for (const name of names) {
        const p = this.params.get(name)!;
        const m = this.firstMoments.get(name)!;
        const v = this.secondMoments.get(name)!;
        const decay = p.rank >= 2 ? 1 - learningRate * weightDecay : 1;
        const settings = [
          beta1,
          (1 - beta1) * clip,
          beta2,
          (1 - beta2) * clip * clip,
          stepScale,
          epsilon * rootCorrection2,
          decay,
        ];
        const [p2, m2, v2] = engine.runKernel(
          ADAMW_KERNEL,
          { p, m, v, g: grads[name] },
          { settings },
        ) as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        p.assign(p2);
      }
      return norm;
    });
  }

  dispose(): void {
    for (const t of [...this.firstMoments.values(), ...this.secondMoments.values()]) t.dispose();
  }
}
