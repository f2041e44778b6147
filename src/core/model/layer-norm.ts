import * as tf from '@tensorflow/tfjs';
import type { Params } from './params';

/** Pre-LayerNorm over the last axis (d), with a learned gain and bias. */
export class LayerNorm {
  private readonly gain: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(params: Params, name: string, dModel: number) {
    this.gain = params.create(`${name}.gain`, [dModel], { kind: 'ones' });
    this.bias = params.create(`${name}.bias`, [dModel], { kind: 'zeros' });
  }

  /** x [..., d] -> [..., d] */
  apply(x: tf.Tensor): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(variance.add(1e-5).rsqrt()).mul(this.gain).add(this.bias);
  }
}
