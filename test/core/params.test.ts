/** Named parameters (params.ts): seeded truncated-normal values, one name each, counts. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Params } from '../../src/core/model/params';
import { Rng } from '../../src/core/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The values `create` should draw: normals of the seed's stream, redrawn outside +-2, times std. */
function truncatedNormals(rng: Rng, count: number, std: number): number[] {
  return Array.from({ length: count }, () => {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    return Math.fround(z * std);
  });
}

describe('Params', () => {
  it('draws each parameter from the seed’s stream in creation order, cut at 2 std', () => {
    const params = new Params(new Rng(3));
    const a = params.create('a', [40, 50], { kind: 'truncated-normal', scale: 2, fanIn: 8 });
    const b = params.create('b', [3], { kind: 'truncated-normal', scale: 1, fanIn: 1 });
    const stream = new Rng(3);
    const std = Math.sqrt(2 / 8);
    expect(Array.from(a.dataSync())).toEqual(truncatedNormals(stream, 2000, std));
    expect(Array.from(b.dataSync())).toEqual(truncatedNormals(stream, 3, 1)); // no draw skipped
    const values = Array.from(a.dataSync());
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(2 * std);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(1.9 * std); // the tails are reached
    params.dispose();
  });

  it('zeros and ones; count() adds up every entry', () => {
    const params = new Params(new Rng(1));
    expect(Array.from(params.create('z', [2, 2], { kind: 'zeros' }).dataSync())).toEqual([
      0, 0, 0, 0,
    ]);
    expect(Array.from(params.create('o', [3], { kind: 'ones' }).dataSync())).toEqual([1, 1, 1]);
    expect(params.count()).toBe(7);
    params.dispose();
    expect(params.count()).toBe(0);
  });

  it('refuses a name twice and an unknown name, naming it', () => {
    const params = new Params(new Rng(1));
    params.create('w', [1], { kind: 'zeros' });
    expect(() => params.create('w', [1], { kind: 'zeros' })).toThrow('parameter w defined twice');
    expect(() => params.get('v')).toThrow('unknown parameter v');
    expect(params.get('w').shape).toEqual([1]);
    params.dispose();
  });
});
