/**
 * `mot study` as a user runs it: a smoke-sized dense-vs-MoT grid trained in this process, its
 * report on stdout (the verdict last), `--show` and `--json` on it afterwards, and bad grids
 * refused in one line before the data dir exists.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshDir, mot } from './run-mot';

describe('mot study', () => {
  it('trains every run of the grid, prints the gap per budget and the verdict', () => {
    const dataDir = freshDir();
    const grid = JSON.stringify({ 'model.ffn': ['dense', 'mot'], 'train.steps': [3, 6] });
    const run = mot(['study', '--name', 'tiny', '--preset', 'smoke', '--grid', grid], dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/study \S+ "tiny": 4 runs for 4 grid points/);
    expect(run.stderr).toMatch(/\[4\/4\] run \S+ "tiny · ffn=mot steps=6"/);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^study \S+ "tiny": 4 of 4 runs completed$/);
    expect(run.stdout).toMatch(/^steps=3 +\d\.\d{4} +\d\.\d{4} +[+-]\d\.\d{3} +1\.0\d\d$/m);
    expect(lines.at(-1)).toMatch(/^MoT (overtakes|does not overtake|leads) dense/);

    const studyId = /study (\S+) "tiny"/.exec(lines[0] ?? '')?.[1] as string;
    const shown = mot(['study', '--show', studyId, '--json'], dataDir);
    expect(shown.code, shown.stderr).toBe(0);
    const detail = JSON.parse(shown.stdout);
    expect(detail.progress).toMatchObject({ total: 4, completed: 4 });
    expect(detail.report.points).toHaveLength(2);
    expect(detail.report.verdict).toBe(lines.at(-1));
  });

  it.each([
    [['--grid', '{"model.fnn":["dense"]}'], /grid\.model\.fnn: not a config path/],
    [
      ['--grid', '{"model.mot.groupSize":[3]}'],
      /grid\.model\.mot\.groupSize: 3 \(at groupSize=3\)/,
    ],
    [['--grid', 'dense,mot'], /--grid is not JSON \(or "crossover"\)/],
    [['--grid', 'crossover', '--budgets', '10,x'], /--budgets takes integers/],
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
