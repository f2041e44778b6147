/**
 * Studies (core/study): grid expansion, validation that names the grid path at fault, the
 * crossover grid, and the report's verdict on synthetic outcomes (no training).
 */
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../src/core/presets';
import { crossoverGrid, defaultBudgets } from '../../src/core/study/crossover';
import { expandGrid, gridSize, pointLabel, STUDY_LIMITS } from '../../src/core/study/grid';
import { studyReport, type StudyRunOutcome } from '../../src/core/study/report';

const smoke = findPreset('smoke').config;

describe('expandGrid', () => {
  it('gives one valid config per combination, the first key varying fastest', () => {
    const { points, issues } = expandGrid(smoke, {
      'model.ffn': ['dense', 'mot'],
      'train.steps': [1, 40],
    });
    expect(issues).toEqual([]);
    expect(points.map((p) => [p.config.model.ffn, p.config.train.steps])).toEqual([
      ['dense', 1],
      ['mot', 1],
      ['dense', 40],
      ['mot', 40],
    ]);
    expect(points[0]?.values).toEqual({ 'model.ffn': 'dense', 'train.steps': 1 });
    // A budget below the warm-up shortens the warm-up (smoke warms up for 2 steps).
    expect(points[0]?.config.train.warmupSteps).toBe(1);
    expect(points[2]?.config.train.warmupSteps).toBe(2);
    // Everything not in the grid is the base config's.
    expect(points[3]?.config.model.dModel).toBe(smoke.model.dModel);
  });

  it('replaces whole values at a path: arrays and tagged objects', () => {
    const { points, issues } = expandGrid(smoke, {
      'model.placement': ['all', [0]],
      'data.tokenizer': [{ kind: 'bytes' }, { kind: 'bpe', vocabSize: 512 }],
    });
    expect(issues).toEqual([]);
    expect(points).toHaveLength(4);
    expect(points[1]?.config.model.placement).toEqual([0]);
    expect(points[3]?.config.data.tokenizer).toEqual({ kind: 'bpe', vocabSize: 512 });
  });

  it.each([
    [{ 'model.fnn': ['dense'] }, 'grid.model.fnn', /not a config path/],
    [{ 'model.ffn': [] }, 'grid.model.ffn', /non-empty list/],
    [{ 'model.ffn': ['mot', 'mot'] }, 'grid.model.ffn', /twice/],
    [{ name: ['a', 'b'] }, 'grid.name', /set by the study/],
    [{ 'model.ffn': ['dense', 'sparse'] }, 'grid.model.ffn', /"sparse" \(at ffn=sparse\)/],
    [
      { 'model.mot.groupSize': [4, 3] },
      'grid.model.mot.groupSize',
      /3 \(at groupSize=3\).*divide train\.batchSize/,
    ],
    [{ 'train.steps': [0, 10] }, 'grid.train.steps', /0 \(at steps=0\)/],
    [{ 'model.heads': [2, 3] }, 'grid.model.heads', /must divide model\.dModel/],
    [{}, 'grid', /at least one/],
  ])('refuses %j naming %s', (grid, path, message) => {
    const { points, issues } = expandGrid(smoke, grid);
    expect(points).toEqual([]);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('names the point when a combination breaks a rule outside the grid', () => {
    // warm-up is clamped only when the grid sets steps, so a fixed warm-up above it is an error.
    const { issues } = expandGrid(smoke, { 'train.warmupSteps': [2, 50] });
    expect(issues).toEqual([
      {
        path: 'grid.train.warmupSteps',
        message: expect.stringMatching(/50 \(at warmupSteps=50\)/),
      },
    ]);
    const crossKey = expandGrid(smoke, { 'train.batchSize': [8, 6] }).issues;
    expect(crossKey).toEqual([
      { path: 'grid', message: expect.stringMatching(/^at batchSize=6: model\.mot\.groupSize:/) },
    ]);
  });

  it(`refuses more than ${STUDY_LIMITS.maxRuns} runs before making any`, () => {
    const grid = {
      'train.seed': [1, 2, 3, 4, 5, 6, 7, 8, 9],
      'train.steps': [1, 2, 3, 4, 5, 6, 7, 8],
    };
    expect(gridSize(grid)).toBe(72);
    const { issues } = expandGrid(smoke, grid);
    expect(issues).toEqual([
      { path: 'grid', message: expect.stringMatching(/72 runs.*at most 64/) },
    ]);
  });

  it('labels points by the last path segment, or the whole path where two clash', () => {
    expect(pointLabel({ 'model.ffn': 'mot', 'train.steps': 200 })).toBe('ffn=mot steps=200');
    expect(pointLabel({ 'model.mot.experts': 8, 'model.moe.experts': 4 })).toBe(
      'model.mot.experts=8 model.moe.experts=4',
    );
    expect(pointLabel({ 'model.placement': [0, 1] })).toBe('placement=[0,1]');
  });
});

describe('crossoverGrid', () => {
  it('pairs dense and MoT at budgets around the base, with optional group sizes and placements', () => {
    expect(defaultBudgets(findPreset('desktop-dense').config)).toEqual([375, 750, 1500, 3000]);
    expect(crossoverGrid(smoke)).toEqual({
      'model.ffn': ['dense', 'mot'],
      'train.steps': [5, 10, 20, 40],
    });
    const grid = crossoverGrid(smoke, {
      budgets: [10, 20],
      groupSizes: [2, 4],
      placements: ['all'],
    });
    expect(grid).toEqual({
      'model.ffn': ['dense', 'mot'],
      'train.steps': [10, 20],
      'model.mot.groupSize': [2, 4],
      'model.placement': ['all'],
    });
    expect(expandGrid(smoke, grid).points).toHaveLength(8);
  });
});

/** A finished run of a dense-vs-MoT grid at `steps` with this final validation loss. */
function outcome(
  ffn: 'dense' | 'mot',
  steps: number,
  loss: number | null,
  extra: Record<string, unknown> = {},
  status = 'completed',
): StudyRunOutcome {
  return {
    runId: `${ffn}-${steps}-${JSON.stringify(extra)}`,
    values: { 'model.ffn': ffn, 'train.steps': steps, ...extra },
    status,
    finalValidationLoss: loss,
    tokens: steps * 128,
    flops: steps * (ffn === 'mot' ? 1.02 : 1),
  };
}

const budgets = { 'model.ffn': ['dense', 'mot'], 'train.steps': [100, 200, 400] };

/** dense and MoT losses per budget, as [steps, dense, mot]. */
function pairs(rows: [number, number | null, number | null][]): StudyRunOutcome[] {
  return rows.flatMap(([steps, dense, mot]) => [
    outcome('dense', steps, dense),
    outcome('mot', steps, mot),
  ]);
}

describe('studyReport', () => {
  it('gives the MoT-minus-dense gap and the FLOP ratio at each budget', () => {
    const report = studyReport(
      budgets,
      pairs([
        [100, 2.0, 2.1],
        [200, 1.8, 1.85],
        [400, 1.6, 1.62],
      ]),
    );
    expect(report.comparesDenseAndMot).toBe(true);
    expect(report.budgetKey).toBe('train.steps');
    expect(report.points.map((p) => p.label)).toEqual(['steps=100', 'steps=200', 'steps=400']);
    expect(report.points.map((p) => p.gap)).toEqual([
      expect.closeTo(0.1, 9),
      expect.closeTo(0.05, 9),
      expect.closeTo(0.02, 9),
    ]);
    expect(report.points[0]?.flopsRatio).toBeCloseTo(1.02, 9);
    expect(report).toMatchObject({
      finishedPairs: 3,
      totalPairs: 3,
      overtakesAt: null,
      trend: 'narrowing',
    });
  });

  it('says plainly when MoT does not overtake dense, with the trend and a labelled guess', () => {
    const narrowing = studyReport(
      budgets,
      pairs([
        [100, 2.0, 2.1],
        [200, 1.8, 1.85],
        [400, 1.6, 1.62],
      ]),
    );
    expect(narrowing.verdict).toMatch(
      /^MoT does not overtake dense within this budget \(gap narrowing from \+0\.100 at steps=100 to \+0\.020 at steps=400\)\./,
    );
    // Through (200, 0.05) and (400, 0.02) in log budget: zero at 200 * 2^(0.05/0.03).
    expect(narrowing.projectedCrossover).toBeCloseTo(200 * 2 ** (0.05 / 0.03), 6);
    expect(narrowing.verdict).toMatch(/near steps=635: a guess, not a result\./);

    const widening = studyReport(
      budgets,
      pairs([
        [100, 2.0, 2.01],
        [200, 1.8, 1.83],
        [400, 1.6, 1.65],
      ]),
    );
    expect(widening.trend).toBe('widening');
    expect(widening.projectedCrossover).toBeNull();
    expect(widening.verdict).toBe(
      'MoT does not overtake dense within this budget (gap widening from +0.010 at steps=100 to +0.050 at steps=400).',
    );
    const steady = studyReport(
      budgets,
      pairs([
        [100, 2.0, 2.04],
        [400, 1.6, 1.641],
      ]),
    );
    expect(steady.trend).toBe('steady');
  });

  it('names the first budget where MoT overtakes dense, and whether it stays ahead', () => {
    const report = studyReport(
      budgets,
      pairs([
        [100, 2.0, 2.05],
        [200, 1.8, 1.79],
        [400, 1.6, 1.55],
      ]),
    );
    expect(report.overtakesAt).toBe('steps=200');
    expect(report.verdict).toBe(
      'MoT overtakes dense at steps=200 (gap +0.050 at steps=100 to -0.050 at steps=400).',
    );
    const back = studyReport(
      budgets,
      pairs([
        [100, 2.0, 2.05],
        [200, 1.8, 1.79],
        [400, 1.6, 1.61],
      ]),
    );
    expect(back.verdict).toMatch(/at steps=200 .*but does not stay ahead/);
    const ahead = studyReport(
      budgets,
      pairs([
        [100, 2.0, 1.9],
        [200, 1.8, 1.75],
      ]),
    );
    expect(ahead.verdict).toMatch(
      /^MoT overtakes dense at steps=100 or earlier: it is ahead at every finished point/,
    );
    const fades = studyReport(
      budgets,
      pairs([
        [100, 2.0, 1.99],
        [200, 1.8, 1.82],
      ]),
    );
    expect(fades.overtakesAt).toBeNull();
    expect(fades.verdict).toMatch(
      /^MoT leads dense only at steps=100 and falls behind from steps=200/,
    );
  });

  it('counts only completed pairs, and says how far the study is', () => {
    const outcomes = [
      ...pairs([[100, 2.0, 2.1]]),
      outcome('dense', 200, 1.8),
      outcome('mot', 200, 1.9, {}, 'running'),
      outcome('dense', 400, null, {}, 'queued'),
    ];
    const report = studyReport(budgets, outcomes);
    expect(report.points[1]?.gap).toBeNull();
    expect(report).toMatchObject({ finishedPairs: 1, totalPairs: 3 });
    expect(report.verdict).toMatch(/one point, no trend yet\)\. So far: 1 of 3 pairs finished\.$/);
    const none = studyReport(budgets, [outcome('dense', 100, null, {}, 'queued')]);
    expect(none.verdict).toBe('No dense/MoT pair has finished yet (0 of 1): no verdict.');
  });

  it('reads the trend per series of the other keys and reports the most promising', () => {
    const grid = { ...budgets, 'model.mot.groupSize': [4, 8] };
    const outcomes = [100, 400].flatMap((steps) =>
      [4, 8].flatMap((g) => [
        outcome('dense', steps, steps === 100 ? 2 : 1.6, { 'model.mot.groupSize': g }),
        outcome('mot', steps, (steps === 100 ? 2.1 : 1.65) - (g === 8 ? 0.02 : 0), {
          'model.mot.groupSize': g,
        }),
      ]),
    );
    const report = studyReport(grid, outcomes);
    expect(report.points).toHaveLength(4);
    expect(report.verdict).toMatch(
      /from \+0\.080 at steps=100 to \+0\.030 at steps=400 for groupSize=8\)/,
    );
  });

  it('has no verdict for a grid that does not pit dense against MoT', () => {
    const report = studyReport({ 'train.steps': [10, 20] }, []);
    expect(report.comparesDenseAndMot).toBe(false);
    expect(report.verdict).toMatch(/does not compare dense with MoT/);
  });
});
