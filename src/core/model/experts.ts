import type * as tf from '@tensorflow/tfjs';
import type { Params } from './params';

/**
 * E expert MLPs d -> f -> d (ReLU, no biases), shared by the MoT and MoE layers. Each weight is its
 * own 2-D variable: a plain 2-D matMul is the fast path on wasm, and slicing one 3-D tensor every
 * step would cost a copy. Created in the order W1.0, W2.0, W1.1, ... so a seed gives the same
 * weights in both layer kinds (transition tuning relies on the names, not on this order).
 */
export function createExperts(
  params: Params,
  name: string,
  dModel: number,
  width: number,
  experts: number,
  scale: number,
): { w1: tf.Variable[]; w2: tf.Variable[] } {
  const w1: tf.Variable[] = [];
  const w2: tf.Variable[] = [];
  for (let e = 0; e < experts; e++) {
    w1.push(
      params.create(`${name}.W1.${e}`, [dModel, width], {
        kind: 'truncated-normal',
        scale,
        fanIn: dModel,
      }),
    );
    w2.push(
      params.create(`${name}.W2.${e}`, [width, dModel], {
        kind: 'truncated-normal',
        scale,
        fanIn: width,
      }),
    );
  }
  return { w1, w2 };
}
