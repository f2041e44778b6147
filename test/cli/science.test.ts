/** The paper's science from a terminal: transition tuning, checkpoint evaluations, the report, expert choice. */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir, lastJson, metrics, mot } from './run-mot';

describe('mot transition, eval, report', () => {
  it('transition-tunes a MoT run into a child MoE run that continues its step axis', () => {
    const dataDir = freshDir();
    const parent = lastJson(mot(['train', '--preset', 'smoke'], dataDir).stdout).runId;
    const dense = mot(
      ['train', '--preset', 'smoke', '--config', denseConfig(), '--name', 'dense'],
      dataDir,
    );
    expect(dense.code, dense.stderr).toBe(0);
    const denseId = lastJson(dense.stdout).runId;

    const run = mot(
      ['transition', '--run', parent, '--step', '10', '--steps', '4', '--load-balance', '0.02'],
      dataDir,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /converted \(controller -> router, experts kept\); training to step 14/,
    );
    const child = lastJson(run.stdout);
    expect(child).toMatchObject({ status: 'completed', step: 14 });

    const runs = JSON.parse(mot(['runs', '--json'], dataDir).stdout);
    const record = runs.find((r: { id: string }) => r.id === child.runId);
    expect(record.parent).toEqual({ runId: parent, step: 10 });
    expect(record.tags).toContain('transition');
    const config = JSON.parse(
      readFileSync(join(dataDir, 'runs', child.runId, 'config.json'), 'utf8'),
    );
    expect(config.model).toMatchObject({
      ffn: 'moe',
      moe: { router: 'token-choice', topK: 1, capacityFactor: 1.25, loadBalanceWeight: 0.02 },
    });
    expect(readdirSync(join(dataDir, 'runs', child.runId, 'checkpoints'))).toEqual([
      'step-00000010',
      'step-00000014',
    ]);
    // One step axis: the parent's records up to the switch, then the MoE's.
    const records = metrics(dataDir, child.runId);
    const trainSteps = records.filter((r) => r.type === 'train').map((r) => r.step);
    expect(trainSteps).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(records.filter((r) => r.type === 'train' && r.step <= 10)).toEqual(
      metrics(dataDir, parent).filter((r) => r.type === 'train' && r.step <= 10),
    );
    expect(records.find((r) => r.step === 11).layers[0]).toMatchObject({
      kind: 'moe',
      takenByNone: expect.any(Number),
    });

    // Evaluations: MoT with other groupings; the MoE alone at batch 1 equals the batch without capacity.
    const motEval = lastJson(mot(['eval', '--run', parent, '--json'], dataDir).stdout);
    expect(
      motEval.rows.map((r: { mode: string; groupSize?: number }) => `${r.mode} ${r.groupSize}`),
    ).toEqual(['trained 4', 'discrete 4', 'group-size 2', 'group-size 8', 'group-size 1']);
    const lastEval = metrics(dataDir, parent)
      .filter((r) => r.type === 'eval')
      .at(-1);
    expect(motEval.rows[0].validationLoss).toBeCloseTo(lastEval.validationLoss, 4);
    const moeEval = lastJson(mot(['eval', '--run', child.runId, '--json'], dataDir).stdout);
    expect(moeEval.rows.map((r: { mode: string }) => r.mode)).toEqual([
      'trained',
      'no-capacity',
      'alone',
    ]);
    expect(moeEval.rows[2].batchSize).toBe(1);
    expect(moeEval.rows[2].validationLoss).toBeCloseTo(moeEval.rows[1].validationLoss, 4);

    const report = lastJson(
      mot(['report', '--runs', `${denseId},${parent},${child.runId}`, '--json'], dataDir).stdout,
    );
    expect(report.baselineId).toBe(denseId);
    expect(report.runs[0]).toMatchObject({
      runId: denseId,
      stepReachingBaseline: 20,
      speedupSteps: 1,
    });
    expect(report.runs[1].mixEntropy).toHaveLength(1);
    // The MoT run's own numbers, as its metrics file has them (not the paper's, printed from source).
    const parentEvals = metrics(dataDir, parent)
      .filter((r) => r.type === 'eval')
      .map((r) => r.validationLoss as number);
    expect(report.runs[1]).toMatchObject({
      runId: parent,
      finalValidationLoss: parentEvals.at(-1),
      bestValidationLoss: Math.min(...parentEvals),
    });
    const text = mot(['report', '--runs', `${denseId},${parent}`], dataDir);
    expect(text.code, text.stderr).toBe(0);
    const parentRow = text.stdout.split('\n').find((line) => line.startsWith(parent));
    expect(parentRow).toContain(parentEvals.at(-1)!.toFixed(4));
    // The published figures come after the table, under their own heading.
    const [measured, published] = text.stdout.split('The paper');
    expect(measured).toMatch(/speed-up steps/);
    expect(measured).not.toMatch(/4\.225|4\.036/);
    expect(published).toMatch(/dense 4\.225 vs MoT 4\.036/);

    const notMot = mot(['transition', '--run', denseId], dataDir);
    expect(notMot.code).toBe(1);
    expect(notMot.stderr).toMatch(/starts from a MoT run/);
  });
});

describe('mot layer-eval with expert choice', () => {
  it('returns y and which expert took each token, every expert exactly c tokens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mot-layer-ec-'));
    const [B, T, d, E, f] = [4, 2, 3, 4, 5];
    const grid = (dims: number[], at = 0): unknown =>
      dims.length === 0
        ? Math.sin(at * 1.7 + 0.3)
        : Array.from({ length: dims[0] }, (_, i) => grid(dims.slice(1), at * 7 + i + 1));
    const testCase = {
      kind: 'moe',
      router: 'expert-choice',
      capacityFactor: 1,
      x: grid([B, T, d]),
      params: { router: grid([d, E]), W1: grid([E, d, f]), W2: grid([E, f, d]) },
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
    const c = Math.floor((1 * B * T) / E);
    for (let e = 0; e < E; e++)
      expect(out.taken.flat().reduce((s: number, row: number[]) => s + row[e], 0)).toBe(c);
  });
});

/** The smoke preset with dense blocks. */
function denseConfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mot-dense-')), 'dense.json');
  writeFileSync(file, JSON.stringify({ model: { ffn: 'dense' } }));
  return file;
}
