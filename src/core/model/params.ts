/**
 * Named trainable variables. Values are drawn on the CPU from the run's own seeded RNG, not from
 * the backend's generator, so a seed gives the same initial weights on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { InitTruncation } from '../config';
import type { Rng } from '../rng';

export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  /** Truncated normal: std = sqrt(scale / fanIn), resampled outside the bounds (see Params). */
  | { kind: 'truncated-normal'; scale: number; fanIn: number };

export class Params {
  readonly variables = new Map<string, tf.Variable>();

  /**
   * truncation `scale`: bounds +-2 * scale in absolute terms, as the authors' trunc_normal_
   * (std = sqrt(scale / fanIn) is far below 2 * scale at any fan-in above 1, so in effect an
   * untruncated normal); `std`: bounds +-2 std (the actual std is then 0.88x the nominal one).
   */
  constructor(
    private readonly rng: Rng,
    private readonly truncation: InitTruncation = 'scale',
  ) {}

  create(name: string, shape: number[], init: Init): tf.Variable {
    if (this.variables.has(name)) throw new Error(`parameter ${name} defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init.kind === 'ones') values.fill(1);
    if (init.kind === 'truncated-normal') {
      const std = Math.sqrt(init.scale / init.fanIn);
      const bound = this.truncation === 'scale' ? 2 * init.scale : 2 * std;
      for (let i = 0; i < size; i++) {
        let value = this.rng.normal() * std;
        while (Math.abs(value) > bound) value = this.rng.normal() * std;
        values[i] = value;
      }
    }
    // Unnamed: tfjs variable names are global to the process, ours are per model.
    const initial = tf.tensor(values, shape);
    const variable = tf.variable(initial, true);
    initial.dispose();
    this.variables.set(name, variable);
    return variable;
  }

  get(name: string): tf.Variable {
    const variable = this.variables.get(name);
    if (!variable) throw new Error(`unknown parameter ${name}`);
    return variable;
  }

  count(): number {
    let total = 0;
    for (const variable of this.variables.values()) total += variable.size;
    return total;
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
  }
}
