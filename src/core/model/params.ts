/**
 * Named trainable variables. Values are drawn on the CPU from the run's own seeded RNG, not from
 * the backend's generator, so a seed gives the same initial weights on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  /** Truncated normal: std = sqrt(scale / fanIn), resampled outside +-2 std. */
  | { kind: 'truncated-normal'; scale: number; fanIn: number };

export class Params {
  readonly variables = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  create(name: string, shape: number[], init: Init): tf.Variable {
    if (this.variables.has(name)) throw new Error(`parameter ${name} defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init.kind === 'ones') values.fill(1);
    if (init.kind === 'truncated-normal') {
      const std = Math.sqrt(init.scale / init.fanIn);
      for (let i = 0; i < size; i++) {
        let z = this.rng.normal();
        while (Math.abs(z) > 2) z = this.rng.normal();
        values[i] = z * std;
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
