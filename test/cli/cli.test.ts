/** The `mot` command as a user runs it: real processes, real Brown corpus, a temporary data dir. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir, lastJson, metrics, MOT, mot } from './run-mot';

describe('mot CLI: bad input', () => {
  const bad: [string, string[], RegExp][] = [
    ['unknown preset', ['train', '--preset', 'nope'], /unknown preset "nope"/],
    [
      'unknown backend',
      ['train', '--preset', 'smoke', '--backend', 'gpu'],
      /unknown backend "gpu"/,
    ],
    [
      'unavailable backend',
      ['train', '--preset', 'smoke', '--backend', 'tensorflow'],
      /backend tensorflow is not available/,
    ],
    [
      'missing config file',
      ['train', '--config', '/nonexistent/config.json'],
      /cannot read \/nonexistent\/config.json/,
    ],
    ['bad number', ['train', '--preset', 'smoke', '--steps', 'many'], /--steps must be an integer/],
    ['unknown flag', ['train', '--preset', 'smoke', '--stesp', '3'], /Unknown option '--stesp'/],
    [
      'workers that split a MoT group',
      ['train', '--preset', 'smoke', '--workers', '4'],
      /train.workers: each worker gets 2 rows, not a multiple of model.mot.groupSize \(4\)/,
    ],
    ['bad worker count', ['train', '--preset', 'smoke', '--workers', 'all'], /--workers must be/],
    ['unknown command', ['trian'], /unknown command "trian"/],
    [
      'unknown run',
      ['generate', '--run', '20260101-000000-abcd', '--prompt', 'x'],
      /20260101-000000-abcd/,
    ],
  ];
  it.each(bad)(
    '%s: one clear line on stderr, non-zero exit, data dir untouched',
    (_, args, message) => {
      const dataDir = freshDir();
      const { code, stderr } = mot(args, dataDir);
      expect(code).not.toBe(0);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^mot: /);
      expect(stderr).toMatch(message);
      if (!args.includes('generate')) expect(existsSync(dataDir)).toBe(false);
    },
  );

  it("`mot COMMAND --help` prints that command's usage and touches nothing", () => {
    const dataDir = freshDir();
    const { code, stdout } = mot(['export', '--help'], dataDir);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      'usage: mot export --run ID | --preset NAME | --config FILE [--preset NAME] --out DIR [--data-dir DIR]',
    );
    expect(mot(['attach', '-h'], dataDir).stdout).toMatch(/^usage: mot attach PATH/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('rejects a config whose MoT group size does not divide the batch, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mot-cfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ model: { mot: { groupSize: 3 } }, modle: {} }));
    const { code, stderr } = mot(
      ['train', '--preset', 'smoke', '--config', file],
      join(dir, 'data'),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/modle: unknown key/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
    writeFileSync(file, JSON.stringify({ model: { mot: { groupSize: 3 } } }));
    expect(mot(['train', '--preset', 'smoke', '--config', file], join(dir, 'data')).stderr).toMatch(
      /model\.mot\.groupSize: must divide train\.batchSize \(8\)/,
    );
  });
});

describe('mot CLI: train, list, generate, resume', () => {
  it('trains the smoke preset, lists the run and generates from it in full MoT groups', () => {
    const dataDir = freshDir();
    const train = mot(['train', '--preset', 'smoke'], dataDir);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/step 20\/20 {2}loss/);
    const summary = lastJson(train.stdout);
    expect(summary).toMatchObject({ status: 'completed', step: 20, tokens: 20 * 8 * 16 });

    const runs = JSON.parse(mot(['runs', '--json'], dataDir).stdout);
    expect(runs.map((r: { id: string }) => r.id)).toEqual([summary.runId]);
    const records = metrics(dataDir, summary.runId);
    expect(records.filter((r) => r.type === 'train').map((r) => r.step)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(records.find((r) => r.type === 'train').layers[0].mixEntropy).toHaveLength(4);
    expect(readdirSync(join(dataDir, 'runs', summary.runId, 'checkpoints'))).toEqual([
      'step-00000010',
      'step-00000020',
    ]);

    const gen = mot(
      [
        'generate',
        '--run',
        summary.runId,
        '--prompt',
        'The ',
        '--max-tokens',
        '12',
        '--seed',
        '3',
        '--json',
      ],
      dataDir,
    );
    expect(gen.code, gen.stderr).toBe(0);
    const out = lastJson(gen.stdout);
    expect(out.groupSize).toBe(4);
    expect(out.companions).toHaveLength(3);
    expect(out.groupFill).toMatch(/groups of 4.*1 prompt\(s\) \+ 3 companion/);
    expect(out.outputs[0].tokens).toHaveLength(12);
    const again = lastJson(
      mot(
        [
          'generate',
          '--run',
          summary.runId,
          '--prompt',
          'The ',
          '--max-tokens',
          '12',
          '--seed',
          '3',
          '--json',
        ],
        dataDir,
      ).stdout,
    );
    expect(again.outputs[0].text).toBe(out.outputs[0].text);
  });

  it('a run stopped by a signal resumes from its checkpoint and matches an uninterrupted run loss for loss', async () => {
    const steps = ['--steps', '60'];
    const straightDir = freshDir();
    const straight = mot(['train', '--preset', 'smoke', ...steps], straightDir);
    expect(straight.code, straight.stderr).toBe(0);
    const straightLosses = metrics(straightDir, lastJson(straight.stdout).runId)
      .filter((r) => r.type === 'train')
      .map((r) => r.loss);

    const dataDir = freshDir();
    const child = spawn(process.execPath, [MOT, 'train', '--preset', 'smoke', ...steps], {
      env: { ...process.env, MOT_DATA_DIR: dataDir },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    // Stop once the first checkpoint exists: the run then writes a final checkpoint where it stopped.
    const runsDir = join(dataDir, 'runs');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const run = existsSync(runsDir) ? readdirSync(runsDir)[0] : undefined;
        if (run && existsSync(join(runsDir, run, 'checkpoints', 'step-00000010'))) {
          clearInterval(poll);
          child.kill('SIGTERM');
          resolve();
        }
      }, 20);
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const stopped = lastJson(stdout);
    expect(stopped.status).toBe('stopped');
    expect(stopped.step).toBeLessThan(60);

    const resumed = mot(['resume', '--run', stopped.runId], dataDir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      new RegExp(`resuming from the checkpoint at step ${stopped.step}`),
    );
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', step: 60 });
    const losses = metrics(dataDir, stopped.runId)
      .filter((r) => r.type === 'train')
      .map((r) => r.loss);
    expect(losses).toEqual(straightLosses);
  });
});

describe('mot CLI: loss falls on the Brown corpus', () => {
  it.each(['tiny-dense', 'tiny-mot', 'tiny-moe'])('%s', (preset) => {
    const dataDir = freshDir();
    const run = mot(['train', '--preset', preset, '--steps', '30'], dataDir);
    expect(run.code, run.stderr).toBe(0);
    const records = metrics(dataDir, lastJson(run.stdout).runId);
    const first = records.find((r) => r.type === 'train').lmLoss;
    const finalValidation = records.filter((r) => r.type === 'eval').at(-1).validationLoss;
    expect(first).toBeGreaterThan(5); // about ln(257) = 5.55 at initialisation
    expect(finalValidation).toBeLessThan(3.3);
  });
});

describe('mot layer-eval', () => {
  it('evaluates a MoT case: outputs [B][T][d] and weights [T][B/g][g][E] that sum to 1 over g', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mot-layer-'));
    const [B, T, d, E, f, g] = [4, 2, 3, 2, 5, 2];
    const grid = (dims: number[], at = 0): unknown =>
      dims.length === 0
        ? Math.sin(at * 1.7 + 0.3)
        : Array.from({ length: dims[0] }, (_, i) => grid(dims.slice(1), at * 7 + i + 1));
    const testCase = {
      kind: 'mot',
      x: grid([B, T, d]),
      groupSize: g,
      temperature: 1,
      params: { C: grid([d, E]), W1: grid([E, d, f]), W2: grid([E, f, d]) },
    };
    writeFileSync(join(dir, 'case.json'), JSON.stringify(testCase));
    const run = mot([
      'layer-eval',
      '--in',
      join(dir, 'case.json'),
      '--out',
      join(dir, 'out.json'),
      '--backend',
      'cpu',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect([out.y.length, out.y[0].length, out.y[0][0].length]).toEqual([B, T, d]);
    expect([
      out.weights.length,
      out.weights[0].length,
      out.weights[0][0].length,
      out.weights[0][0][0].length,
    ]).toEqual([T, B / g, g, E]);
    for (const group of out.weights.flat()) {
      for (let e = 0; e < E; e++)
        expect(group.reduce((s: number, row: number[]) => s + row[e], 0)).toBeCloseTo(1, 6);
    }

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...testCase, groupSize: 3 }));
    const bad = mot([
      'layer-eval',
      '--in',
      join(dir, 'bad.json'),
      '--out',
      join(dir, 'bad-out.json'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/batch 4, which is not a multiple of groupSize 3/);
    expect(existsSync(join(dir, 'bad-out.json'))).toBe(false);

    writeFileSync(
      join(dir, 'shape.json'),
      JSON.stringify({ ...testCase, params: { ...testCase.params, W2: grid([E, f, d + 1]) } }),
    );
    expect(
      mot(['layer-eval', '--in', join(dir, 'shape.json'), '--out', join(dir, 'o.json')]).stderr,
    ).toMatch(/params\.W2 has shape \[2,5,4\], expected \[2,5,3\]/);
  });
});

describe('mot datasets', () => {
  it('imports a user file and trains on it by id; a wrong id fails before anything is written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mot-ds-'));
    const dataDir = join(dir, 'data');
    const words = ['the cat sat', 'on the mat', 'a dog ran', 'to the park', 'and back home'];
    const documents = Array.from(
      { length: 120 },
      (_, i) => `${words[i % 5]} ${i}. ${words[(i * 3) % 5]}.`,
    );
    writeFileSync(join(dir, 'tiny.txt'), documents.join('\n\n'));
    const imported = mot(
      ['datasets', 'import', join(dir, 'tiny.txt'), '--name', 'Tiny corpus'],
      dataDir,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(lastJson(imported.stdout)).toMatchObject({ id: 'tiny-corpus', documents: 120 });
    expect(mot(['datasets'], dataDir).stdout).toMatch(/\{"kind":"dataset","id":"tiny-corpus"\}/);

    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        data: { corpus: { kind: 'dataset', id: 'tiny-corpus' }, validationFraction: 0.2 },
      }),
    );
    const run = mot(['train', '--preset', 'smoke', '--config', config], dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(lastJson(run.stdout)).toMatchObject({ status: 'completed', step: 20 });

    writeFileSync(config, JSON.stringify({ data: { corpus: { kind: 'dataset', id: 'nope' } } }));
    const other = join(dir, 'other-data');
    const bad = mot(['train', '--preset', 'smoke', '--config', config], other);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no imported dataset "nope"/);
    expect(existsSync(other)).toBe(false);
  });
});
