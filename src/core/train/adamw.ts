/**
 * AdamW (decoupled weight decay) with global-norm gradient clipping. The moments live in
 * variables named after the parameters, so a checkpoint can save and restore them exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config';

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
    for (const [name, p] of params) {
      this.firstMoments.set(name, tf.variable(tf.zerosLike(p), false));
      this.secondMoments.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** Applies one update; returns the global gradient norm before clipping. */
  apply(grads: Record<string, tf.Tensor>, learningRate: number): number {
    const { beta1, beta2, epsilon, weightDecay, gradClip } = this.settings;
    const names = [...this.params.keys()];
    const norm = tf.tidy(
      () => tf.sqrt(tf.addN(names.map((n) => grads[n].square().sum()))).dataSync()[0],
    );
    const clipScale = gradClip > 0 && norm > gradClip ? gradClip / norm : 1;
    this.step += 1;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const name of names) {
        const p = this.params.get(name)!;
        const m = this.firstMoments.get(name)!;
        const v = this.secondMoments.get(name)!;
        const g = clipScale === 1 ? grads[name] : grads[name].mul(clipScale);
        m.assign(m.mul(beta1).add(g.mul(1 - beta1)));
        v.assign(v.mul(beta2).add(g.square().mul(1 - beta2)));
        let update = m.div(correction1).div(v.div(correction2).sqrt().add(epsilon));
        // Decay matrices only: LayerNorm gains and biases keep their scale.
        if (p.rank >= 2 && weightDecay > 0) update = update.add(p.mul(weightDecay));
        p.assign(p.sub(update.mul(learningRate)));
      }
    });
    return norm;
  }

  dispose(): void {
    for (const t of [...this.firstMoments.values(), ...this.secondMoments.values()]) t.dispose();
  }
}
