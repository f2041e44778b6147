/**
 * Studies live in folders of their own (studies/<id>/study.json): a study made in a workbench
 * while a terminal's `mot train` writes the catalog survives a restart, and a catalog rebuilt
 * from scratch keeps every study.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiResult } from '../../src/core/api/contract';
import type { StudyDetail } from '../../src/core/api/study';
import { RunStore } from '../../src/services/store';
import { Workbench } from '../../src/services/workbench';
import { MOT, freshDir, lastJson } from '../cli/run-mot';

function value<T>(result: ApiResult<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

describe('studies in folders', () => {
  it('a study made in the server while mot train trains survives a restart and a rebuilt catalog', async () => {
    const dataDir = freshDir();
    const server = await Workbench.open(dataDir);
    const trainer = spawn(process.execPath, [MOT, 'train', '--preset', 'smoke', '--steps', '150'], {
      env: { ...process.env, MOT_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    trainer.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => trainer.once('close', resolve));
    // Once the terminal's run trains (it writes the catalog at every checkpoint)...
    const runsDir = join(dataDir, 'runs');
    const training = () =>
      readdirSync(runsDir).some((name) => {
        const file = join(runsDir, name, 'run.json');
        return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).status === 'running';
      });
    await expect.poll(training, { timeout: 120_000, interval: 50 }).toBe(true);
    const study = value<StudyDetail>(
      await server.handle('createStudy', {
        name: 'made meanwhile',
        preset: 'smoke',
        grid: { 'model.ffn': ['dense', 'mot'] },
        start: false,
      }),
    );
    expect(await exited).toBe(0);
    const cliRun = lastJson(stdout).runId as string;
    await server.close();

    const reopened = await RunStore.open(dataDir);
    expect(reopened.studies.list().map((s) => s.id)).toEqual([study.study.id]);
    expect(reopened.get(cliRun).status).toBe('completed');
    expect(existsSync(join(dataDir, 'studies', study.study.id, 'study.json'))).toBe(true);

    rmSync(join(dataDir, 'catalog.json'));
    const rebuilt = await RunStore.open(dataDir);
    expect(rebuilt.studies.get(study.study.id).name).toBe('made meanwhile');
    expect(rebuilt.list().map((r) => r.id)).toEqual(reopened.list().map((r) => r.id));
  }, 180_000);
});
