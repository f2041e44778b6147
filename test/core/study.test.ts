/**
 * Studies (core/study): grid expansion, validation that names the grid path at fault, and the
 * crossover grid (the report's verdict: study-report.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../src/core/presets';
import { crossoverGrid, defaultBudgets } from '../../src/core/study/crossover';
import { expandGrid, gridSize, pointLabel, STUDY_LIMITS } from '../../src/core/study/grid';

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
      'train.seed': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
      'train.steps': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    };
    expect(gridSize(grid)).toBe(195);
    const { issues } = expandGrid(smoke, grid);
    expect(issues).toEqual([
      { path: 'grid', message: expect.stringMatching(/195 runs.*at most 192/) },
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
      'train.seed': [1, 2, 3],
      'train.steps': [5, 10, 20, 40],
    });
    const grid = crossoverGrid(smoke, {
      budgets: [10, 20],
      groupSizes: [2, 4],
      placements: ['all'],
      seeds: [1, 2],
      learningRates: [4e-3, 2e-3],
    });
    expect(grid).toEqual({
      'model.ffn': ['dense', 'mot'],
      'train.seed': [1, 2],
      'train.steps': [10, 20],
      'train.learningRate': [4e-3, 2e-3],
      'model.mot.groupSize': [2, 4],
      'model.placement': ['all'],
    });
    expect(expandGrid(smoke, grid).points).toHaveLength(32);
  });
});
