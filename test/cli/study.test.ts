/**
 * `mot study` as a user runs it: a smoke-sized dense-vs-MoT grid trained in this process, its
 * report on stdout (the verdict last), `--show` and `--json` on it afterwards, and bad grids
 * refused in one line before the data dir exists.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshDir, mot } from './run-mot';

describe('mot study', () => {
  it('trains every run of the grid over two seeds, prints per-seed gaps, the interval and the verdict', () => {
    const dataDir = freshDir();
    const grid = JSON.stringify({ 'model.ffn': ['dense', 'mot'], 'train.steps': [3, 6] });
    const run = mot(
      ['study', '--name', 'tiny', '--preset', 'smoke', '--grid', grid, '--seeds', '1,2'],
      dataDir,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/study \S+ "tiny": 8 runs for 8 grid points/);
    expect(run.stderr).toMatch(/\[8\/8\] run \S+ "tiny · ffn=mot seed=2 steps=6"/);
    expect(run.stderr).toMatch(/passes over it/);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^study \S+ "tiny": 8 of 8 runs completed$/);
    // point, dense val, mot val, per-seed gaps, mean [interval], verdict, passes, FLOP ratio
    expect(run.stdout).toMatch(
      /^steps=3 +\d\.\d{4} +\d\.\d{4} +s1 [+-]\d\.\d{3}, s2 [+-]\d\.\d{3} +[+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\] +(ahead|behind|indistinguishable) +(<0\.01|\d\.\d\d) +1\.0\d\d$/m,
    );
    expect(lines.at(-1)).toMatch(/95% intervals of the mean gap over 2 seeds, paired by seed/);

    const studyId = /study (\S+) "tiny"/.exec(lines[0] ?? '')?.[1] as string;
    const shown = mot(['study', '--show', studyId, '--json'], dataDir);
    expect(shown.code, shown.stderr).toBe(0);
    const detail = JSON.parse(shown.stdout);
    expect(detail.progress).toMatchObject({ total: 8, completed: 8 });
    expect(detail.report.points).toHaveLength(2);
    expect(detail.report.points[0].seeds).toHaveLength(2);
    expect(detail.report.verdict).toBe(lines.at(-1));

    const markdown = mot(['study', '--show', studyId, '--markdown'], dataDir);
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stdout).toMatch(/^## tiny\n/);
    expect(markdown.stdout).toMatch(
      /^\| steps=3 \| \d\.\d{4} \| \d\.\d{4} \| s1 [+-]\d\.\d{3}, s2 /m,
    );
    expect(markdown.stdout).toContain(`**Verdict:** ${detail.report.verdict}`);
    const both = mot(['study', '--show', studyId, '--json', '--markdown'], dataDir);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give one report format/);
  });

  it.each([
    [['--grid', '{"model.fnn":["dense"]}'], /grid\.model\.fnn: not a config path/],
    [
      ['--grid', '{"model.mot.groupSize":[3]}'],
      /grid\.model\.mot\.groupSize: 3 \(at groupSize=3\)/,
    ],
    [['--grid', 'dense,mot'], /--grid is not JSON \(or "crossover"\)/],
    [['--grid', 'crossover', '--budgets', '10,x'], /--budgets takes integers/],
    [['--grid', '{"train.seed":[1]}', '--seeds', '2'], /give the seeds one way/],
    [['--grid', 'crossover', '--learning-rates', '2e-3,x'], /--learning-rates takes numbers/],
    [['--grid', '{"train.steps":[1]}', '--budgets', '5'], /--budgets goes with --grid crossover/],
  ])('refuses %j in one line, leaving no data dir', (args, message) => {
    const dataDir = freshDir();
    const out = mot(['study', '--name', 'x', '--preset', 'smoke', ...args], dataDir);
    expect(out.code).not.toBe(0);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(message);
    expect(existsSync(dataDir)).toBe(false);
  });
});
