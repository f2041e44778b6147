import * as tf from '@tensorflow/tfjs';
import { linear, relu } from './ops';
import type { Params } from './params';
import type { FfnLayer, FfnOutput } from './ffn';

/** The dense baseline: ReLU(x W1) W2, no biases (as the MoT experts), d -> dFF -> d. */
export class DenseFfn implements FfnLayer {
  readonly kind = 'dense' as const;
  readonly w1: tf.Variable; // [d, dFF]
  readonly w2: tf.Variable; // [dFF, d]

  constructor(params: Params, name: string, dModel: number, dFF: number, initScale: number) {
    this.w1 = params.create(`${name}.W1`, [dModel, dFF], {
      kind: 'truncated-normal',
      scale: initScale,
      fanIn: dModel,
    });
    this.w2 = params.create(`${name}.W2`, [dFF, dModel], {
      kind: 'truncated-normal',
      scale: initScale,
      fanIn: dFF,
    });
  }

  /** x [B, T, d] -> y [B, T, d] */
  apply(x: tf.Tensor3D): FfnOutput {
    const [batch, time, d] = x.shape;
    const flat = x.reshape([batch * time, d]) as tf.Tensor2D;
    const y = linear(relu(linear(flat, this.w1 as tf.Tensor2D)), this.w2 as tf.Tensor2D);
    return { y: y.reshape([batch, time, d]) as tf.Tensor3D };
  }
}
