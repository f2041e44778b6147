/**
 * An attached folder that something else is training, against a real `mot serve` and Chromium:
 * while its metrics grow, Runs and the run's page say "training elsewhere" (and Start is off, so
 * no second trainer takes the folder); when the last step lands it is completed, as everywhere.
 * The folder comes from a real `mot train` in another data dir, its lines written back in two
 * parts as a cluster job's synced folder would receive them.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumMissing, screenshot, servedApp } from './harness';
import { WAIT_MS, expectNoPageErrors, openApp } from './ui';

const run = promisify(execFile);
const MOT = join(import.meta.dirname, '../../bin/mot.js');
const STEPS = 12;

describe.skipIf(chromiumMissing !== null)(
  `attached folders trained elsewhere${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
  () => {
    const served = servedApp();
    const root = mkdtempSync(join(tmpdir(), 'mot-attached-e2e-'));

    afterAll(() => {
      rmSync(root, { recursive: true, force: true });
    });

    it('says "training elsewhere" while the folder grows, and completed once it ends', async () => {
      // A finished run elsewhere; its folder as a job would start it: no metrics or checkpoint yet.
      const elsewhere = join(root, 'elsewhere');
      const trained = await run(process.execPath, [
        MOT,
        'train',
        '--preset',
        'smoke',
        '--steps',
        String(STEPS),
        '--data-dir',
        elsewhere,
      ]);
      const { runId } = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { runId: string };
      const folder = join(root, 'job', 'run');
      cpSync(join(elsewhere, 'runs', runId), folder, { recursive: true });
      rmSync(join(folder, 'run.json'));
      rmSync(join(folder, 'checkpoints'), { recursive: true });
      const lines = readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n');
      const upTo = (step: number) =>
        `${lines.filter((line) => (JSON.parse(line) as { step: number }).step <= step).join('\n')}\n`;
      writeFileSync(join(folder, 'metrics.jsonl'), '');
      const attached = await run(process.execPath, [
        MOT,
        'attach',
        folder,
        '--data-dir',
        served.server.dataDir,
      ]);
      const { id } = JSON.parse(attached.stdout.trim().split('\n').at(-1)!) as { id: string };

      const opened = await openApp(served.browser, served.server.url);
      const { page } = opened;
      const badge = page
        .locator(`[data-testid=run-row][data-run-id="${id}"]`)
        .getByTestId('status-badge');
      await expect.poll(() => badge.getAttribute('data-status')).toBe('stopped');
      expect(await badge.getAttribute('data-elsewhere')).toBeNull();

      // Half the steps arrive: it is being trained elsewhere.
      writeFileSync(join(folder, 'metrics.jsonl'), upTo(STEPS / 2));
      await expect
        .poll(() => badge.getAttribute('data-elsewhere'), { timeout: WAIT_MS })
        .toBe('true');
      expect(await badge.innerText()).toMatch(/training elsewhere/i);
      await screenshot(page, 'attached-training-elsewhere-runs');
      await page.goto(`${served.server.url}#/run/${id}/monitor`);
      const header = page.getByTestId('run-status');
      await expect.poll(() => header.getAttribute('data-elsewhere')).toBe('true');
      expect(await page.getByTestId('start-button').isDisabled()).toBe(true);
      await screenshot(page, 'attached-training-elsewhere-monitor');

      // The rest lands: completed, and the page follows without a reload.
      writeFileSync(join(folder, 'metrics.jsonl'), upTo(STEPS));
      await expect
        .poll(() => header.getAttribute('data-status'), { timeout: WAIT_MS })
        .toBe('completed');
      expect(await header.getAttribute('data-elsewhere')).toBeNull();
      expectNoPageErrors(opened);
    }, 300_000);
  },
);
