import * as tf from '@tensorflow/tfjs';
import { customOp, nativeKernels, sumRows } from './ops';
import type { Params } from './params';

/**
 * Pre-LayerNorm over the last axis (d), with a learned gain and bias:
 *   y = xhat * gain + bias,  xhat = (x - mean) / sqrt(var + 1e-5)   (population variance)
 * The gradient is written out (the textbook closed form): autodiff through tf.moments runs about
 * twice as many full-size ops, and on wasm every one of them is a pass over memory. With the
 * native kernels (src/services/native-kernels.ts) each direction is one kernel.
 */
export class LayerNorm {
  private readonly gain: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(params: Params, name: string, dModel: number) {
    this.gain = params.create(`${name}.gain`, [dModel], { kind: 'ones' });
    this.bias = params.create(`${name}.bias`, [dModel], { kind: 'zeros' });
  }

  /** x [..., d] -> [..., d] */
  apply(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.gain, this.bias);
  }
}

/**
 * Kernels the native addon adds to the wasm backend. LAYER_NORM_KERNEL: inputs x [..., d],
 * gain [d], bias [d]; attrs.epsilon; outputs [y, xhat] ([..., d]) and rstd ([..., 1]).
 * LAYER_NORM_GRAD_KERNEL: inputs dy, xhat, rstd, gain; outputs [dx, dgain, dbias].
 */
export const LAYER_NORM_KERNEL = 'MotLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'MotLayerNormGrad';
const EPSILON = 1e-5;

const layerNorm = customOp(([x, gain, bias], save) => {
  if (nativeKernels()) {
    const engine = tf.engine();
    const [y, xhat, rstd] = engine.runKernel(
      LAYER_NORM_KERNEL,
      { x, gain, bias },
      { epsilon: EPSILON },
    ) as tf.Tensor[];
    save([xhat, rstd, gain]);
    return {
      value: y,
      gradFunc: (dy, [xs, rs, gs]) =>
        engine.runKernel(LAYER_NORM_GRAD_KERNEL, {
          dy,
          xhat: xs,
          rstd: rs,
          gain: gs,
        }) as tf.Tensor[],
    };
  }
  const centered = x.sub(x.mean(-1, true));
  const rstd = centered.square().mean(-1, true).add(EPSILON).rsqrt(); // [..., 1]
  const xhat = centered.mul(rstd);
  save([xhat, rstd, gain]);
  return {
    value: xhat.mul(gain).add(bias),
    gradFunc: (dy, [xs, rs, gs]) => {
      const d = gs.size;
      // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gain
      const dxhat = dy.mul(gs);
      const dx = dxhat
        .sub(dxhat.mean(-1, true))
        .sub(xs.mul(dxhat.mul(xs).mean(-1, true)))
        .mul(rs);
      const rows = (t: tf.Tensor) => t.reshape([-1, d]) as tf.Tensor2D;
      return [dx, sumRows(rows(dy.mul(xs))), sumRows(rows(dy))];
    },
  };
}) as (x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => tf.Tensor;
