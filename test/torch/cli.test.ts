/**
 * The torch engine from a terminal: `mot train --backend torch --processes 2`, `mot export --run`,
 * `mot attach`, `mot runs`, and the clear errors for a batch that cannot be split.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { skipReason, smallConfig } from './helpers';

const MOT = path.resolve(import.meta.dirname, '../../bin/mot.js');
const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

async function mot(dataDir: string, ...args: string[]) {
  return promisify(execFile)(process.execPath, [MOT, ...args], {
    env: { ...process.env, MOT_DATA_DIR: dataDir },
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');

describe.skipIf(skipReason !== '')('mot with the torch engine', () => {
  it('trains with 2 processes, exports the run, and attaches the export elsewhere', async () => {
    const config = path.join(temp('mot-cli-'), 'config.json');
    writeFileSync(config, JSON.stringify(smallConfig({ model: { ffn: 'mot' } })));
    const dataDir = temp('mot-cli-data-');

    const refused = await mot(
      dataDir,
      'train',
      '--config',
      config,
      '--backend',
      'torch',
      '--processes',
      '4',
    );
    expect((refused as { code: number }).code).toBe(1);
    expect(refused.stderr).toMatch(
      /each process gets 2 rows, not a multiple of model.mot.groupSize \(4\)/,
    );

    const trained = await mot(
      dataDir,
      'train',
      '--config',
      config,
      '--backend',
      'torch',
      '--processes',
      '2',
    );
    expect(trained.stderr).toMatch(/on torch \(torch .*, 2 processes\)/);
    const summary = lastJson(trained.stdout);
    expect(summary).toMatchObject({ status: 'completed', step: 30, completed: true });

    const out = path.join(temp('mot-cli-out-'), 'job');
    const exported = lastJson(
      (await mot(dataDir, 'export', '--run', summary.runId, '--out', out)).stdout,
    );
    expect(exported).toMatchObject({ dir: out, fromStep: 30 });

    const elsewhere = temp('mot-cli-other-');
    const attached = lastJson((await mot(elsewhere, 'attach', exported.runDir)).stdout);
    expect(attached).toMatchObject({ status: 'completed', lastStep: 30, tags: ['attached'] });
    const runs = JSON.parse((await mot(elsewhere, 'runs', '--json')).stdout) as { id: string }[];
    expect(runs.map((r) => r.id)).toEqual([attached.id]);
  });
});
