/**
 * The exported study table: the same cells as the CLI's, as Markdown with one row per point, and
 * each number where it belongs (synthetic outcomes, no training).
 */
import { describe, expect, it } from 'vitest';
import { gapTable, markdownTable, studyReportMarkdown } from '../../src/core/study/gap-table';
import { studyReport, type StudyRunOutcome } from '../../src/core/study/report';

const grid = { 'model.ffn': ['dense', 'mot'], 'train.seed': [1, 2, 3], 'train.steps': [100, 200] };

function outcome(ffn: 'dense' | 'mot', seed: number, steps: number, loss: number | null) {
  return {
    runId: `${ffn}-${seed}-${steps}`,
    values: { 'model.ffn': ffn, 'train.seed': seed, 'train.steps': steps },
    status: loss === null ? 'created' : 'completed',
    finalValidationLoss: loss,
    tokens: steps * 1000,
    flops: steps * (ffn === 'mot' ? 1.02 : 1),
    trainSplitTokens: 300_000,
  } satisfies StudyRunOutcome;
}

// At 100 steps MoT trails by 0.1 for every seed; the 200-step runs have not trained yet.
const outcomes = [1, 2, 3].flatMap((seed) => [
  outcome('dense', seed, 100, 2 + seed / 100),
  outcome('mot', seed, 100, 2.1 + seed / 100),
  outcome('dense', seed, 200, null),
  outcome('mot', seed, 200, null),
]);
const report = studyReport(grid, outcomes);

describe('gapTable', () => {
  it('gives each point its losses, per-seed gaps, interval, verdict, passes and FLOP ratio', () => {
    const { header, rows } = gapTable(report);
    expect(header).toEqual([
      'point',
      'dense val',
      'MoT val',
      'gap per seed',
      'mean gap [95% interval]',
      'verdict',
      'passes',
      'FLOPs MoT/dense',
    ]);
    expect(rows[0]).toEqual([
      'steps=100',
      '2.0200',
      '2.1200',
      's1 +0.100, s2 +0.100, s3 +0.100',
      '+0.100 [+0.100, +0.100]',
      'behind',
      '0.33',
      '1.020',
    ]);
    expect(rows[1]?.slice(1, 6)).toEqual(['–', '–', '–', 'pending', 'pending']);
  });
});

describe('markdownTable', () => {
  it('writes a header, a rule and a row per line, escaping pipes', () => {
    expect(markdownTable({ header: ['a', 'b'], rows: [['1', 'x|y']] })).toBe(
      '| a | b |\n| --- | --- |\n| 1 | x\\|y |',
    );
  });
});

describe('studyReportMarkdown', () => {
  it('is a section with the table, how many points finished, and the verdict', () => {
    const text = studyReportMarkdown('crossover', report);
    const lines = text.split('\n');
    expect(lines[0]).toBe('## crossover');
    expect(lines.filter((l) => l.startsWith('| steps='))).toHaveLength(2);
    expect(text).toContain('1 of 2 points finished, 3 seeds per point');
    expect(text.trimEnd().endsWith(`**Verdict:** ${report.verdict}`)).toBe(true);
  });
});
