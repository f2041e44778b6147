/**
 * Where each parameter lives in the flat float32 buffers the replicas share (weights, one
 * gradient slab per worker): parameter after parameter in the model's own order (the order
 * `Params` created them, the same in every replica built from one config).
 */
import type * as tf from '@tensorflow/tfjs';

export interface ParameterLayout {
  names: string[];
  sizes: number[];
  /** Float offset of each parameter; offsets[i] + sizes[i] = offsets[i + 1]. */
  offsets: number[];
  /** Floats in all. */
  total: number;
}

export function layoutOf(params: Map<string, tf.Variable>): ParameterLayout {
  const names: string[] = [];
  const sizes: number[] = [];
  const offsets: number[] = [];
  let total = 0;
  for (const [name, v] of params) {
    names.push(name);
    sizes.push(v.size);
    offsets.push(total);
    total += v.size;
  }
  return { names, sizes, offsets, total };
}

/** Why two layouts differ (the replicas were built from different models), or null. */
export function layoutMismatch(a: ParameterLayout, b: ParameterLayout): string | null {
  if (a.names.length !== b.names.length)
    return `${a.names.length} parameters against ${b.names.length}`;
  for (let i = 0; i < a.names.length; i++) {
    if (a.names[i] !== b.names[i]) return `parameter ${i} is ${a.names[i]} against ${b.names[i]}`;
    if (a.sizes[i] !== b.sizes[i])
      return `${a.names[i]} holds ${a.sizes[i]} values against ${b.sizes[i]}`;
  }
  return null;
}

/** Copies every parameter into `target` (float32 view of a shared buffer) at its offset. */
export function writeParameters(
  params: Map<string, tf.Variable>,
  layout: ParameterLayout,
  target: Float32Array,
): void {
  let i = 0;
  for (const v of params.values()) {
    target.set(v.dataSync() as Float32Array, layout.offsets[i]);
    i++;
  }
}
