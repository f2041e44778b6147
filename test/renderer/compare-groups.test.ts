import { describe, expect, it } from 'vitest';
import { resolveConfig, type RunConfig } from '../../src/core/config';
import { BASE_CONFIG } from '../../src/core/presets';
import { applicableSettings, diffConfigs } from '../../src/renderer/src/lib/config-paths';
import {
  bandKind,
  differingKeys,
  groupRuns,
  intervalBand,
  t95,
} from '../../src/renderer/src/lib/compare-groups';

function config(over: object): RunConfig {
  return resolveConfig(BASE_CONFIG, over) as RunConfig;
}

const configs = new Map<string, RunConfig>([
  ['a', config({ name: 'a', model: { ffn: 'mot' }, train: { seed: 1 } })],
  ['b', config({ name: 'b', model: { ffn: 'mot' }, train: { seed: 2 } })],
  ['c', config({ name: 'c', train: { seed: 1 } })],
  ['d', config({ name: 'd', train: { seed: 2 } })],
  ['e', config({ name: 'e', train: { seed: 3, steps: 30, warmupSteps: 10 } })],
]);
const runs = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));

describe('compare groups', () => {
  it('groups by everything but the seed, and keeps runs of other lengths apart', () => {
    const groups = groupRuns(runs, configs, { kind: 'seed' });
    expect(groups.map((g) => g.members.map((m) => m.id))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(groups[0].label).toContain('model.ffn = mot');
    expect(groups[0].label).toContain('1500 steps');
    expect(groups[2].label).toContain('30 steps');
    expect(groups[0].label).not.toContain('seed');
  });

  it('groups by several keys; runs without a config are left out', () => {
    const groups = groupRuns([...runs, { id: 'unknown' }], configs, {
      kind: 'keys',
      keys: ['model.ffn', 'train.seed'],
    });
    expect(groups.map((g) => g.members.map((m) => m.id))).toEqual([
      ['a'],
      ['b'],
      ['c'],
      ['d'],
      ['e'],
    ]);
    expect(groupRuns(runs, configs, { kind: 'none' })).toEqual([]);
  });

  it('lists differing keys without names', () => {
    const keys = differingKeys([configs.get('a')!, configs.get('c')!]);
    expect(keys).toContain('model.ffn');
    expect(keys).not.toContain('name');
  });

  it('bands the mean ± 95% t-interval only where every run reaches', () => {
    const line = (offset: number, last: number) =>
      Array.from({ length: last + 1 }, (_, x) => ({ x, y: 2 + offset }));
    const band = intervalBand([line(-0.1, 60), line(0, 60), line(0.1, 30)], 31)!;
    expect(band.mean.at(-1)!.x).toBe(30);
    expect(band.mean[0].y).toBeCloseTo(2, 10);
    // s = 0.1, n = 3: half width t(2) * 0.1 / sqrt(3).
    expect(band.upper[0].y - band.mean[0].y).toBeCloseTo((4.303 * 0.1) / Math.sqrt(3), 6);
    expect(intervalBand([line(0, 10)])).toBeNull();
    // Two runs: their range, not a 12.7-standard-error interval.
    const two = intervalBand([line(-0.1, 10), line(0.1, 10)], 11)!;
    expect(two.lower[0].y).toBeCloseTo(1.9, 10);
    expect(two.upper[0].y).toBeCloseTo(2.1, 10);
    expect(bandKind(2)).toBe('range');
    expect(bandKind(3)).toBe('ci95');
    expect(t95(1)).toBe(12.706);
    expect(t95(100)).toBe(1.96);
  });
});

describe('config diff applicability', () => {
  it('leaves out MoT settings of a dense run and MoE settings of a MoT run', () => {
    const moT = config({ model: { ffn: 'mot', mot: { groupSize: 4 } } });
    const dense = config({ model: { mot: { groupSize: 16 } } });
    const rows = diffConfigs([moT, dense].map(applicableSettings), ['name', 'description']);
    const group = rows.find((r) => r.path === 'model.mot.groupSize');
    expect(group?.values).toEqual([4, undefined]);
    expect(rows.some((r) => r.path.startsWith('model.moe'))).toBe(false);
    // Two dense runs that differ only in an unused MoT setting do not differ.
    const other = config({ model: { mot: { groupSize: 2 } } });
    expect(diffConfigs([dense, other].map(applicableSettings), ['name'])).toEqual([]);
  });

  it('leaves out the token-choice settings of an expert-choice run', () => {
    const tokenChoice = config({
      model: { ffn: 'moe', moe: { topK: 2, balanceChoices: 'first' } },
    });
    const expertChoice = config({
      model: { ffn: 'moe', moe: { router: 'expert-choice', topK: 1, loadBalanceWeight: 0.5 } },
    });
    const rows = diffConfigs([tokenChoice, expertChoice].map(applicableSettings), ['name']);
    const byPath = Object.fromEntries(rows.map((r) => [r.path, r.values]));
    expect(byPath['model.moe.router']).toEqual(['token-choice', 'expert-choice']);
    expect(byPath['model.moe.topK']).toEqual([2, undefined]);
    expect(byPath['model.moe.balanceChoices']).toEqual(['first', undefined]);
    expect(byPath['model.moe.loadBalanceWeight']?.[1]).toBeUndefined();
    expect(byPath['model.moe.capacityFactor']).toBeUndefined(); // both read it, and it is equal
  });
});
