/**
 * The study report's verdict on synthetic outcomes (no training): seeds paired, a mean gap with a
 * 95% t-interval, "ahead"/"behind" only where the interval excludes zero, each arm at its best
 * learning rate, every series reported, passes over the data beside each budget.
 */
import { describe, expect, it } from 'vitest';
import { withSeeds } from '../../src/core/study/grid';
import { meanInterval, tQuantile95 } from '../../src/core/study/interval';
import { studyReport, type StudyRunOutcome } from '../../src/core/study/report';

function run(
  ffn: 'dense' | 'mot',
  seed: number,
  steps: number,
  loss: number | null,
  extra: Record<string, unknown> = {},
  status = 'completed',
): StudyRunOutcome {
  return {
    runId: `${ffn}-${seed}-${steps}-${JSON.stringify(extra)}`,
    values: { 'model.ffn': ffn, 'train.seed': seed, 'train.steps': steps, ...extra },
    status,
    finalValidationLoss: loss,
    tokens: steps * 1000,
    flops: steps * (ffn === 'mot' ? 1.02 : 1),
    trainSplitTokens: 300_000,
  };
}

const grid = {
  'model.ffn': ['dense', 'mot'],
  'train.seed': [1, 2, 3],
  'train.steps': [100, 200],
};

/** Dense at `dense` for every seed, MoT at dense + gaps[seed-1]. */
function point(steps: number, dense: number, gaps: number[]): StudyRunOutcome[] {
  return gaps.flatMap((gap, i) => [
    run('dense', i + 1, steps, dense),
    run('mot', i + 1, steps, dense + gap),
  ]);
}

describe('meanInterval', () => {
  it('is the t-interval: mean +- t(0.975, n-1) * sd / sqrt(n)', () => {
    // The measured tiny-preset gaps of the issue.
    const gaps = [0.0066, 0.014, 0.0764];
    const m = meanInterval(gaps);
    const mean = (0.0066 + 0.014 + 0.0764) / 3;
    const sd = Math.sqrt(gaps.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    expect(m.mean).toBeCloseTo(mean, 12);
    expect(m.high! - m.mean).toBeCloseTo((4.303 * sd) / Math.sqrt(3), 12);
    expect(m.low).toBeLessThan(0); // that spread cannot call it
    expect(meanInterval([0.1]).low).toBeNull();
    expect(tQuantile95(1)).toBe(12.706);
    expect(Math.abs(tQuantile95(60) - 2.0)).toBeLessThan(0.002);
  });
});

describe('studyReport with seeds', () => {
  it('pairs by seed and calls a point only where the interval excludes zero', () => {
    const report = studyReport(grid, [
      ...point(100, 2.0, [0.0066, 0.014, 0.0764]),
      ...point(200, 1.8, [-0.03, -0.031, -0.029]),
    ]);
    const [first, second] = report.points;
    expect(report.seedsPerPoint).toBe(3);
    expect(first!.label).toBe('steps=100');
    expect(first!.seeds.map((s) => [s.seed, s.gap])).toEqual([
      [1, expect.closeTo(0.0066, 9)],
      [2, expect.closeTo(0.014, 9)],
      [3, expect.closeTo(0.0764, 9)],
    ]);
    expect(first!.verdict).toBe('indistinguishable');
    expect(second!.verdict).toBe('ahead');
    expect(second!.interval!.high).toBeLessThan(0);
    expect(first!.flopsRatio).toBeCloseTo(1.02, 9);
    expect(first!.passes).toBeCloseTo(100_000 / 300_000, 9);
    expect(report.series).toEqual([
      {
        label: '',
        ahead: ['steps=200'],
        behind: [],
        indistinguishable: ['steps=100'],
        aheadFrom: 'steps=200',
      },
    ]);
    expect(report.verdict).toMatch(
      /^MoT ahead of dense at steps=200; MoT and dense indistinguishable at this budget at steps=100\. \(95% intervals of the mean gap over 3 seeds, paired by seed/,
    );
    expect(report.verdict).not.toMatch(/Warning/);
  });

  it('says behind only when the interval is wholly above zero, and warns past one pass', () => {
    const outcomes = point(200, 1.8, [0.04, 0.05, 0.045]).map((r) => ({
      ...r,
      trainSplitTokens: 150_000,
    }));
    const report = studyReport(grid, outcomes);
    expect(report.points[0]!.verdict).toBe('behind');
    expect(report.maxPasses).toBeCloseTo(200_000 / 150_000, 9);
    expect(report.verdict).toMatch(/MoT behind dense at steps=200/);
    expect(report.verdict).toMatch(/Warning: up to 1\.3 passes over the training split/);
  });

  it('one seed gives a mean and no call; a lucky seed never becomes the headline', () => {
    const single = studyReport(
      { 'model.ffn': ['dense', 'mot'], 'train.steps': [100] },
      [run('dense', 1, 100, 2.0), run('mot', 1, 100, 1.9)].map((r) => {
        const { 'train.seed': _, ...values } = r.values;
        return { ...r, values };
      }),
    );
    expect(single.points[0]!.gap).toBeCloseTo(-0.1, 9);
    expect(single.points[0]!.verdict).toBe('indistinguishable');
    expect(single.verdict).toMatch(/one seed per point: no interval/);
    // Seed 3 alone has MoT ahead by 0.08; over the three seeds the point stays undecided.
    const lucky = studyReport(grid, point(100, 2.0, [0.02, 0.01, -0.08]));
    expect(lucky.points[0]!.verdict).toBe('indistinguishable');
    expect(lucky.verdict).not.toMatch(/MoT ahead/);
  });

  it('waits for every seed of a point; counts finished points', () => {
    const outcomes = [
      ...point(100, 2.0, [0.01, 0.02, 0.03]),
      run('dense', 1, 200, 1.8),
      run('mot', 1, 200, 1.85, {}, 'running'),
    ];
    const report = studyReport(grid, outcomes);
    expect(report.points[1]!.gap).toBeNull();
    expect(report).toMatchObject({ finishedPoints: 1, totalPoints: 2 });
    expect(report.verdict).toMatch(/So far: 1 of 2 points finished\.$/);
    expect(studyReport(grid, []).verdict).toBe(
      'No dense/MoT point has finished yet (0 of 0): no verdict.',
    );
  });

  it('reports each arm at its best learning rate, chosen once the whole sweep finished', () => {
    const swept = { ...grid, 'train.steps': [100], 'train.learningRate': [4e-3, 2e-3] };
    const at = (ffn: 'dense' | 'mot', lr: number, loss: number) =>
      [1, 2, 3].map((seed) =>
        run(ffn, seed, 100, loss + seed * 0.001, { 'train.learningRate': lr }),
      );
    const outcomes = [
      ...at('dense', 4e-3, 2.0),
      ...at('dense', 2e-3, 2.05),
      ...at('mot', 4e-3, 2.1),
      ...at('mot', 2e-3, 1.98),
    ];
    const report = studyReport(swept, outcomes);
    expect(report.sweepsLearningRate).toBe(true);
    const p = report.points[0]!;
    expect(p.label).toBe('steps=100');
    expect(p.dense!.learningRate).toBe(4e-3);
    expect(p.mot!.learningRate).toBe(2e-3);
    expect(p.dense!.rates).toHaveLength(2);
    expect(p.gap).toBeCloseTo(1.98 - 2.0, 9);
    // Until every rate of the sweep finished, no arm is chosen (no picking the early winner).
    const partial = studyReport(swept, outcomes.slice(0, -1));
    expect(partial.points[0]!.mot!.learningRate).toBeNull();
    expect(partial.points[0]!.gap).toBeNull();
  });

  it('reports every series, not the most promising one', () => {
    const g = { ...grid, 'model.mot.groupSize': [4, 8] };
    const outcomes = [4, 8].flatMap((size) =>
      point(100, 2.0, size === 4 ? [0.05, 0.06, 0.055] : [-0.05, -0.06, -0.055]).map((r) => ({
        ...r,
        values: { ...r.values, 'model.mot.groupSize': size },
      })),
    );
    const report = studyReport(g, outcomes);
    expect(report.series.map((s) => s.label)).toEqual(['groupSize=4', 'groupSize=8']);
    expect(report.verdict).toMatch(
      /groupSize=4: MoT behind dense at steps=100\. groupSize=8: MoT ahead of dense at steps=100\./,
    );
  });

  it('has no verdict for a grid that does not pit dense against MoT', () => {
    const report = studyReport({ 'train.steps': [10, 20] }, []);
    expect(report.comparesDenseAndMot).toBe(false);
    expect(report.verdict).toMatch(/does not compare dense with MoT/);
  });
});

describe('withSeeds', () => {
  it('adds three training seeds after model.ffn unless the grid has them', () => {
    expect(
      Object.entries(withSeeds({ 'model.ffn': ['dense', 'mot'], 'train.steps': [1] })),
    ).toEqual([
      ['model.ffn', ['dense', 'mot']],
      ['train.seed', [1, 2, 3]],
      ['train.steps', [1]],
    ]);
    expect(withSeeds({ 'train.steps': [1] }, [7])).toEqual({
      'train.steps': [1],
      'train.seed': [7],
    });
    const own = { 'train.seed': [5, 6] };
    expect(withSeeds(own)).toBe(own);
  });
});
