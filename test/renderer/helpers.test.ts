/** The renderer's pure helpers: formatting, smoothing, look-ups, health, mixing, diffs, routes. */
import { describe, expect, it } from 'vitest';
import { interpolate, nearestPoint } from '../../src/renderer/src/lib/compare';
import {
  deepMerge,
  diffConfigs,
  flatten,
  getPath,
  issuesFor,
  setPath,
} from '../../src/renderer/src/lib/config-paths';
import {
  PALETTE_SIZE,
  groupColor,
  runColor,
  runColorSlots,
  runDashed,
  textOnViridis,
} from '../../src/renderer/src/lib/colors';
import {
  formatAxisTicks,
  formatBytes,
  formatCount,
  formatDuration,
  formatFlops,
  formatLoss,
} from '../../src/renderer/src/lib/format';
import {
  ema,
  expertTimeline,
  layerHealth,
  nearestIndex,
  recentStepMs,
  type TrainRecord,
} from '../../src/renderer/src/lib/metrics';
import {
  effectiveCount,
  effectiveTokensPerExpert,
  visibleToken,
} from '../../src/renderer/src/lib/mix';
import {
  formatValues,
  gridPaths,
  gridToRows,
  parseValues,
  rowsToGrid,
} from '../../src/renderer/src/lib/grid-input';
import { parseRoute, routeHash, type Route } from '../../src/renderer/src/lib/routes';
import { gapLines } from '../../src/renderer/src/lib/study-gaps';
import { studyReport } from '../../src/core/study/report';

function trainRecord(step: number, layers: TrainRecord['layers'] = []): TrainRecord {
  return {
    type: 'train',
    step,
    loss: 1,
    lmLoss: 1,
    auxLoss: 0,
    learningRate: 1e-3,
    gradNorm: 1,
    tokens: step * 100,
    flops: step * 1e6,
    stepMs: 10,
    tokensPerSecond: 1e4,
    elapsedMs: step * 10,
    layers,
  };
}

describe('format', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1234, '1.23k'],
    [3_400_000, '3.4M'],
    [2.5e9, '2.5G'],
  ])('formatCount(%d) = %s', (value, text) => expect(formatCount(value)).toBe(text));

  it('formats FLOPs, bytes, losses and durations with units', () => {
    expect(formatFlops(1.2e9)).toBe('1.2 GFLOP');
    expect(formatFlops(500)).toBe('500 FLOP');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatLoss(1.23456)).toBe('1.235');
    expect(formatLoss(undefined)).toBe('–');
    expect(formatDuration(93_000)).toBe('1m 33s');
    expect(formatDuration(1_234)).toBe('1.2s');
    expect(formatDuration(9_960)).toBe('10s');
    expect(formatDuration(7_500_000)).toBe('2h 05m');
  });
});

describe('metrics', () => {
  it('ema is debiased: a constant series stays constant from the first point', () => {
    const points = [1, 2, 3].map((x) => ({ x, y: 5 }));
    expect(ema(points, 0.9).map((p) => p.y)).toEqual([5, 5, 5].map((v) => expect.closeTo(v, 12)));
    expect(ema(points, 0)).toBe(points);
  });

  it('nearestIndex finds the closest key, ties to the left', () => {
    const steps = [0, 10, 20, 30];
    expect(nearestIndex(steps, 14, (s) => s)).toBe(1);
    expect(nearestIndex(steps, 15, (s) => s)).toBe(1);
    expect(nearestIndex(steps, 16, (s) => s)).toBe(2);
    expect(nearestIndex(steps, 99, (s) => s)).toBe(3);
    expect(nearestIndex([], 1, (s: number) => s)).toBe(-1);
  });

  it('recentStepMs includes everything between records (evaluation too)', () => {
    const records = [1, 2, 3].map((s) => ({ ...trainRecord(s), elapsedMs: s * 20 }));
    expect(recentStepMs(records)).toBe(20);
  });

  it('flags MoT collapse and dead MoE experts', () => {
    const collapsed = layerHealth({
      block: 2,
      kind: 'mot',
      mixEntropy: [0.01, 0.05, 0.02, 0.0],
      maxWeight: [1, 1, 1, 1],
      logitMean: 0,
      logitStd: 5,
    });
    expect(collapsed.severity).toBe('bad');
    expect(collapsed.warnings[0]).toMatch(/collapsed/);
    const healthy = layerHealth({
      block: 0,
      kind: 'mot',
      mixEntropy: [0.9, 0.8],
      maxWeight: [0.3, 0.4],
      logitMean: 0,
      logitStd: 1,
    });
    expect(healthy.severity).toBe('ok');
    expect(healthy.warnings).toEqual([]);
    const dead = layerHealth({
      block: 1,
      kind: 'moe',
      load: [0.5, 0.5, 0, 0],
      droppedFraction: 0,
      capacity: 10,
      takenByNone: 0,
      takenByOne: 1,
      takenBySeveral: 0,
      loadBalanceLoss: 1,
      routerZLoss: 0,
    });
    expect(dead.severity).toBe('bad');
    expect(dead.warnings[0]).toMatch(/2 of 4 experts/);
  });

  it('expertTimeline bins steps into columns, experts into rows', () => {
    const records = Array.from({ length: 10 }, (_, i) =>
      trainRecord(i + 1, [
        {
          block: 3,
          kind: 'mot',
          mixEntropy: [i, 2 * i],
          maxWeight: [0, 0],
          logitMean: 0,
          logitStd: 0,
        },
      ]),
    );
    const { values, steps } = expertTimeline(records, 3, 5);
    expect(values).toHaveLength(2);
    expect(values[0]).toEqual([0.5, 2.5, 4.5, 6.5, 8.5]);
    expect(values[1]).toEqual([1, 5, 9, 13, 17]);
    expect(steps).toEqual([1, 3, 5, 7, 9]);
    expect(expertTimeline(records, 0).values).toEqual([]);
  });
});

describe('mix', () => {
  it('effective count is exp(entropy): 1 for one token, g for a uniform mix', () => {
    expect(effectiveCount([1, 0, 0, 0])).toBeCloseTo(1);
    expect(effectiveCount([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(4);
    // weights[i][e]: two tokens, two experts; expert 0 uniform, expert 1 one token.
    expect(
      effectiveTokensPerExpert([
        [0.5, 1],
        [0.5, 0],
      ]),
    ).toEqual([expect.closeTo(2), expect.closeTo(1)]);
  });

  it('makes whitespace and control characters visible', () => {
    expect(visibleToken(' a\n')).toBe('·a↵');
    expect(visibleToken('\t')).toBe('⇥');
    expect(visibleToken('\u0001')).toBe('\\x01');
    expect(visibleToken('')).toBe('∅');
  });
});

describe('config paths', () => {
  const a = { name: 'a', model: { ffn: 'mot', placement: [1, 2], mot: { groupSize: 8 } } };
  const b = { name: 'b', model: { ffn: 'dense', placement: [1, 2], mot: { groupSize: 8 } } };

  it('flattens to leaves, keeping arrays whole', () => {
    expect([...flatten(a).keys()]).toEqual([
      'name',
      'model.ffn',
      'model.placement',
      'model.mot.groupSize',
    ]);
    expect(getPath(a, 'model.mot.groupSize')).toBe(8);
  });

  it('diffs only the keys that differ', () => {
    expect(diffConfigs([a, b], ['name'])).toEqual([
      { path: 'model.ffn', values: ['mot', 'dense'] },
    ]);
    expect(diffConfigs([a, a])).toEqual([]);
  });

  it('merges like resolveConfig and sets by path', () => {
    const merged = deepMerge(a, { model: { mot: { groupSize: 4 }, placement: [3] } });
    expect(merged.model).toEqual({ ffn: 'mot', placement: [3], mot: { groupSize: 4 } });
    const target: Record<string, unknown> = {};
    setPath(target, 'train.steps', 10);
    expect(target).toEqual({ train: { steps: 10 } });
  });

  it('finds the issues of a field and below it', () => {
    const issues = [
      { path: 'model.placement.0', message: 'x' },
      { path: 'model.placementX', message: 'y' },
    ];
    expect(issuesFor(issues, 'model.placement')).toEqual([issues[0]]);
  });
});

describe('compare', () => {
  const line = [
    { x: 0, y: 0 },
    { x: 10, y: 10 },
  ];

  it('interpolates inside the range only, and finds the nearest point', () => {
    expect(interpolate(line, 5)).toBe(5);
    expect(interpolate(line, 11)).toBeUndefined();
    expect(nearestPoint(line, 7)).toEqual({ x: 10, y: 10 });
  });
});

describe('routes', () => {
  it.each<Route>([
    { name: 'runs' },
    { name: 'new' },
    { name: 'new', clone: '20261129-044512-ab12' },
    { name: 'compare', runs: ['a', 'b'] },
    { name: 'run', runId: '20261129-044512-ab12', tab: 'inspect' },
    { name: 'studies' },
    { name: 'study', studyId: '20261129-044512-ab12' },
    { name: 'settings' },
  ])('round-trips %o', (route) => {
    expect(parseRoute(routeHash(route))).toEqual(
      route.name === 'new' ? { clone: undefined, preset: undefined, ...route } : route,
    );
  });

  it('falls back to the run list', () => {
    expect(parseRoute('')).toEqual({ name: 'runs' });
    expect(parseRoute('#/nonsense')).toEqual({ name: 'runs' });
  });
});

describe('grid input', () => {
  it.each<[string, unknown[]]>([
    ['dense, mot', ['dense', 'mot']],
    ['100, 200,400', [100, 200, 400]],
    ['"all", [0, 1]', ['all', [0, 1]]],
    ['true, null, 0.5', [true, null, 0.5]],
    [
      '{"kind": "bytes"}, {"kind": "bpe", "vocabSize": 512}',
      [{ kind: 'bytes' }, { kind: 'bpe', vocabSize: 512 }],
    ],
    ['  ', []],
  ])('parses %j', (text, values) => {
    expect(parseValues(text)).toEqual(values);
  });

  it('writes values back as plain words where it can, JSON where it must', () => {
    expect(formatValues(['dense', 'mot'])).toBe('dense, mot');
    expect(formatValues([100, 200])).toBe('100, 200');
    expect(formatValues(['all', [0, 1]])).toBe('"all", [0,1]');
    expect(formatValues(['1'])).toBe('"1"'); // a word that would read back as a number
  });

  it('round-trips a grid through editor rows', () => {
    const grid = {
      'model.ffn': ['dense', 'mot'],
      'model.placement': ['all', [0, 1]],
      'train.steps': [10, 20],
    };
    expect(rowsToGrid(gridToRows(grid))).toEqual(grid);
    expect(
      rowsToGrid([
        { path: ' ', values: '1' },
        { path: 'train.seed', values: '1, 2' },
      ]),
    ).toEqual({
      'train.seed': [1, 2],
    });
  });

  it('suggests leaf paths without the name and description', () => {
    const paths = gridPaths({
      name: 'x',
      description: '',
      model: { ffn: 'mot', mot: { groupSize: 8 } },
    });
    expect(paths).toEqual(['model.ffn', 'model.mot.groupSize']);
  });
});

describe('gapLines', () => {
  it('draws finished gaps against the budget, one line per other grid value', () => {
    const point = (steps: number, g: number, gap: number | null) => ({
      label: '',
      values: { 'train.steps': steps, 'model.mot.groupSize': g },
      dense: null,
      mot: null,
      seeds: [],
      gap,
      interval: null,
      verdict: null,
      flopsRatio: null,
      passes: null,
    });
    const report = studyReport({ 'model.ffn': ['dense', 'mot'] }, []);
    const lines = gapLines({
      ...report,
      budgetKey: 'train.steps',
      points: [point(200, 4, 0.02), point(100, 4, 0.05), point(100, 8, 0.04), point(200, 8, null)],
    });
    expect(lines).toEqual([
      {
        label: 'groupSize=4',
        points: [
          { x: 100, y: 0.05 },
          { x: 200, y: 0.02 },
        ],
        low: [],
        high: [],
      },
      { label: 'groupSize=8', points: [{ x: 100, y: 0.04 }], low: [], high: [] },
    ]);
    expect(gapLines({ ...report, budgetKey: null })).toEqual([]);
  });
});

describe('axis ticks and colours', () => {
  it('labels one axis in one format', () => {
    expect(formatAxisTicks([0.002, 0.0015, 0.001, 0.0005, 0])).toEqual([
      '2.0e-3',
      '1.5e-3',
      '1.0e-3',
      '5.0e-4',
      '0',
    ]);
    expect(formatAxisTicks([3, 3.5, 4])).toEqual(['3.0', '3.5', '4.0']);
    expect(formatAxisTicks([0, 0.02, 0.04])).toEqual(['0', '0.02', '0.04']);
  });

  it('keeps the colours of runs shown together apart, whatever their order', () => {
    const ids = Array.from({ length: 8 }, (_, i) => `20261129-0555${i}0-ab1${i}`);
    const slots = runColorSlots(ids);
    expect(new Set(slots.values()).size).toBe(8);
    expect(runColorSlots([...ids].reverse())).toEqual(slots);
    expect(runColor(ids[0], false, 1, slots)).toBe(runColor(ids[0], false, 1, slots));
    // Eight runs: eight different colours, none dashed.
    expect(new Set(ids.map((id) => runColor(id, false, 1, slots))).size).toBe(8);
    expect(ids.some((id) => runDashed(id, slots))).toBe(false);
    // A ninth repeats a colour, dashed.
    const more = runColorSlots([...ids, '20261129-055599-ffff']);
    expect([...more.keys()].filter((id) => runDashed(id, more))).toHaveLength(1);
  });

  it('has no near-duplicate colours in its palette', () => {
    const colours = Array.from({ length: PALETTE_SIZE }, (_, i) =>
      groupColor(i).match(/\d+/g)!.slice(0, 3).map(Number),
    );
    for (const [i, a] of colours.entries()) {
      for (const b of colours.slice(i + 1)) {
        const distance = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        // Okabe–Ito orange and vermillion are the closest pair (67), still told apart.
        expect(distance).toBeGreaterThan(60);
      }
    }
  });

  it('puts black text on light viridis and white on dark', () => {
    expect(textOnViridis(0)).toBe('#fff');
    expect(textOnViridis(0.5)).toBe('#fff');
    expect(textOnViridis(1)).toBe('#000');
  });
});
