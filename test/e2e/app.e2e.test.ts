/**
 * The app end to end, in Chromium against a real `mot serve`: a run created, started, paused,
 * resumed and stopped from the UI, then found again after the server restarts; and a server
 * killed mid-run (SIGKILL), whose run comes back `interrupted` and completes from its last
 * checkpoint when started again from the UI.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumMissing,
  openBrowser,
  removeTemporaryDataDirs,
  screenshot,
  serve,
  type Served,
} from './harness';
import {
  WAIT_MS,
  checkpointSteps,
  childProcesses,
  expectNoPageErrors,
  fillFields,
  launch,
  lossCurveReach,
  openApp,
  processEnded,
  runLog,
  settledStep,
  shownStep,
  tableStatus,
  trainedSteps,
  waitForStatus,
} from './ui';

if (chromiumMissing) console.info(`[test/e2e] skipped: ${chromiumMissing}`);

describe.skipIf(chromiumMissing !== null)(
  `desktop app in a browser${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
  () => {
    let browser: Browser;
    const servers: Served[] = [];

    async function start(dataDir?: string): Promise<Served> {
      const served = await serve(dataDir);
      servers.push(served);
      return served;
    }

    beforeAll(async () => {
      browser = await openBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await Promise.all(servers.map((served) => served.stop('SIGTERM')));
      removeTemporaryDataDirs();
    });

    it('runs a run from the UI: start, progress, pause, resume, stop; it outlives a restart', async () => {
      const first = await start();
      const app = await openApp(browser, first.url);
      const { page } = app;

      // Browser mode opens no folders on the server: attaching one says what to run instead.
      await page.getByTestId('attach-folder').click();
      await page.getByText('Cannot attach a folder').waitFor();
      await page.getByText('npx mot attach PATH', { exact: false }).first().waitFor();

      // New experiment from the smoke preset, long enough to steer while it trains.
      await page.getByTestId('nav-new').click();
      await page.getByTestId('preset-select').selectOption('smoke');
      await page.getByTestId('field-name').fill('e2e lifecycle');
      await fillFields(page, { 'train.steps': 3000 });
      await page.getByTestId('params-total').waitFor();
      // The data seed and validation sample are settings; eval batches then do nothing.
      await page.getByTestId('field-data-seed').waitFor();
      expect(await page.getByTestId('field-data-validationTokens').inputValue()).toBe('4096');
      expect(await page.getByTestId('field-train-evalBatches').isDisabled()).toBe(true);
      expect(await page.getByTestId('field-model-initTruncation').inputValue()).toBe('scale');
      await screenshot(page, 'app-new-experiment');
      const runId = await launch(page);

      // Progress arrives: running, the step counter climbs, the loss curve reaches further.
      await waitForStatus(page, 'running');
      await expect.poll(() => shownStep(page), { timeout: WAIT_MS }).toBeGreaterThanOrEqual(3);
      const early = await lossCurveReach(page);
      const earlyStep = await shownStep(page);
      await expect.poll(() => shownStep(page), { timeout: WAIT_MS }).toBeGreaterThan(earlyStep + 5);
      await expect
        .poll(async () => (await lossCurveReach(page)).right, { timeout: WAIT_MS })
        .toBeGreaterThan(early.right);
      await screenshot(page, 'app-run-running');

      // Pause: the badge says so and the step stops moving.
      await page.getByTestId('pause-button').click();
      await waitForStatus(page, 'paused');
      const pausedAt = await settledStep(page, 2500);
      expect(await shownStep(page)).toBe(pausedAt);
      expect(Math.max(...trainedSteps(first.dataDir, runId))).toBeLessThanOrEqual(pausedAt);
      await screenshot(page, 'app-run-paused');

      // Resume: training goes on from where it paused.
      await page.getByTestId('resume-button').click();
      await waitForStatus(page, 'running');
      await expect.poll(() => shownStep(page), { timeout: WAIT_MS }).toBeGreaterThan(pausedAt);

      // Stop: a final checkpoint, then `stopped`; Start now offers to resume from it.
      await page.getByTestId('stop-button').click();
      await waitForStatus(page, 'stopped');
      const stoppedAt = await shownStep(page);
      expect(stoppedAt).toBeGreaterThan(pausedAt);
      expect(stoppedAt).toBeLessThan(3000);
      expect(checkpointSteps(first.dataDir, runId)).toContain(stoppedAt);
      await expect(page.getByTestId('start-button').innerText()).resolves.toMatch(/resume/i);
      // Beside the token budget, the passes over the training split.
      await expect(page.getByTestId('run-tokens').innerText()).resolves.toMatch(/tokens/);
      await expect(page.getByTestId('run-passes').innerText()).resolves.toMatch(/\d passe?s?$/);
      await screenshot(page, 'app-run-stopped');
      expectNoPageErrors(app);
      await page.close();

      // A clean shutdown, then a new server on the same data dir: the run is listed, stopped.
      await first.stop('SIGTERM');
      const second = await start(first.dataDir);
      const again = await openApp(browser, second.url);
      await again.page.locator(`[data-testid=run-row][data-run-id="${runId}"]`).waitFor();
      expect(await tableStatus(again.page, runId)).toBe('stopped');
      await expect(
        again.page.locator(`[data-testid=run-row][data-run-id="${runId}"]`).innerText(),
      ).resolves.toContain('e2e lifecycle');
      await screenshot(again.page, 'app-runs-after-restart');
      expectNoPageErrors(again);
      await again.page.close();
      await second.stop('SIGTERM');
    });

    it('recovers a run whose server was killed mid-run: interrupted, then resumed to the end', async () => {
      const steps = 120;
      const first = await start();
      const app = await openApp(browser, first.url);
      await app.page.getByTestId('nav-new').click();
      await app.page.getByTestId('preset-select').selectOption('smoke');
      await app.page.getByTestId('field-name').fill('e2e crash');
      await fillFields(app.page, { 'train.steps': steps, 'train.checkpointEvery': 20 });
      const runId = await launch(app.page);
      await waitForStatus(app.page, 'running');

      // Kill the server once a checkpoint is on disk, well before the run could finish.
      await expect
        .poll(() => checkpointSteps(first.dataDir, runId).length, {
          timeout: WAIT_MS,
          interval: 50,
        })
        .toBeGreaterThan(0);
      const trainers = childProcesses(first.process.pid!);
      expect(trainers.length, 'the training process is a child of the server').toBeGreaterThan(0);
      await first.stop('SIGKILL');
      await app.page.close();

      // The trainer notices its parent is gone (IPC disconnect) and exits by itself.
      try {
        await expect
          .poll(() => trainers.every(processEnded), { timeout: 30_000, interval: 100 })
          .toBe(true);
      } finally {
        for (const pid of trainers.filter((p) => !processEnded(p))) process.kill(pid, 'SIGKILL');
      }
      const checkpoints = checkpointSteps(first.dataDir, runId);
      const resumeFrom = checkpoints[checkpoints.length - 1];
      expect(resumeFrom).toBeLessThan(steps);

      // The next server marks it interrupted; the table and the run page say so.
      const second = await start(first.dataDir);
      const again = await openApp(browser, second.url);
      const { page } = again;
      await page.locator(`[data-testid=run-row][data-run-id="${runId}"]`).waitFor();
      expect(await tableStatus(page, runId)).toBe('interrupted');
      await screenshot(page, 'app-runs-interrupted');
      await page
        .locator(`[data-testid=run-row][data-run-id="${runId}"]`)
        .getByTestId('run-link')
        .click();
      await waitForStatus(page, 'interrupted');
      expect(runLog(second.dataDir, runId)).toMatch(
        /interrupted: the process that trained it is gone/,
      );

      // Start it again from the UI: it resumes from the checkpoint and trains to the end.
      await expect(page.getByTestId('start-button').innerText()).resolves.toMatch(/resume/i);
      await page.getByTestId('start-button').click();
      await waitForStatus(page, 'completed', 150_000);
      await expect.poll(() => shownStep(page)).toBe(steps);
      await page.locator('summary', { hasText: 'Log' }).click();
      await expect(page.getByTestId('run-log').innerText()).resolves.toContain(
        `resume from step ${resumeFrom}`,
      );

      // The step axis continues: every step trained once, steps past the checkpoint redone.
      expect(trainedSteps(second.dataDir, runId)).toEqual(
        Array.from({ length: steps }, (_, i) => i + 1),
      );
      await screenshot(page, 'app-run-resumed-completed');

      // The checkpoint list has the one it resumed from and the final one.
      await page.getByTestId('tab-inspect').click();
      await page.getByTestId('checkpoint-row').first().waitFor();
      const listed = (await page.getByTestId('checkpoint-row').allInnerTexts()).map((row) =>
        Number(row.trim().split(/\s+/)[0]),
      );
      expect(listed).toContain(resumeFrom);
      expect(listed).toContain(steps);
      await screenshot(page, 'app-run-resumed-checkpoints');
      expectNoPageErrors(again);
      await page.close();
      await second.stop('SIGTERM');
    });
  },
);
