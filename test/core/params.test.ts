/** Named parameters (params.ts): seeded truncated-normal values, one name each, counts. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Params } from '../../src/core/model/params';
import { Rng } from '../../src/core/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The values `create` should draw: std * normals of the seed's stream, redrawn outside the bound. */
function truncatedNormals(rng: Rng, count: number, std: number, bound: number): number[] {
  return Array.from({ length: count }, () => {
    let value = rng.normal() * std;
    while (Math.abs(value) > bound) value = rng.normal() * std;
    return Math.fround(value);
  });
}

describe('Params', () => {
  it.each([
    ['std', 2 * 0.5], // +-2 std
    ['scale', 2 * 2], // +-2 * scale, in absolute terms (the default)
  ] as const)(
    'truncation %s: draws from the seed’s stream in creation order, cut at %s',
    (truncation, bound) => {
      const params = new Params(new Rng(3), truncation);
      const a = params.create('a', [40, 50], { kind: 'truncated-normal', scale: 2, fanIn: 8 });
      const b = params.create('b', [3], { kind: 'truncated-normal', scale: 0.01, fanIn: 1e-4 });
      const stream = new Rng(3);
      expect(Array.from(a.dataSync())).toEqual(truncatedNormals(stream, 2000, 0.5, bound));
      // No draw skipped between parameters; here std 10 and the bound binds hard either way.
      const bBound = truncation === 'std' ? 20 : 0.02;
      expect(Array.from(b.dataSync())).toEqual(truncatedNormals(stream, 3, 10, bBound));
      const largest = Math.max(...Array.from(a.dataSync()).map(Math.abs));
      expect(largest).toBeLessThanOrEqual(bound);
      if (truncation === 'std') expect(largest).toBeGreaterThan(0.95 * bound); // tails reached
      params.dispose();
    },
  );

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
