/**
 * The workbench UI end to end, in Chromium against a real `mot serve`: design a MoT experiment in
 * the form (the calculator's numbers and its group-size check), train it and watch the loss and
 * the token-mix heatmap fill with the run's real mixing weights, train a second run that differs
 * in one key and compare the two, generate from a checkpoint, and every view in both themes.
 * Screenshots of each view land in test-results/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { MixSnapshot } from '../../src/core/train/snapshot';
import { visibleToken } from '../../src/renderer/src/lib/mix';
import { chromiumMissing, screenshot, servedApp } from './harness';
import {
  WAIT_MS,
  canvasInk,
  colourOnCanvas,
  expectNoPageErrors,
  field,
  fillFields,
  heatmapTip,
  launch,
  lossCurveReach,
  openApp,
  runDir,
  shownStep,
  waitForStatus,
} from './ui';

if (chromiumMissing) console.info(`[test/e2e] skipped: ${chromiumMissing}`);

/** A MoT model small enough to train in seconds on two busy cores. */
const STEPS = 60;
const TINY_MOT = {
  'model.dModel': 32,
  'model.layers': 1,
  'model.heads': 2,
  'model.contextLength': 16,
  'model.dFF': 64,
  'model.mot.groupSize': 4,
  'model.mot.experts': 4,
  'train.steps': STEPS,
  'train.warmupSteps': 2,
  'train.evalEvery': 20,
  'data.validationTokens': 1024, // a small validation sample: evaluation stays quick
  'train.checkpointEvery': 20,
  'train.snapshotEvery': 10,
};

/** The newest mixing snapshot a run wrote. */
function newestSnapshot(dataDir: string, runId: string): MixSnapshot {
  const dir = join(runDir(dataDir, runId), 'snapshots');
  const newest = readdirSync(dir)
    .filter((name) => /^step-\d+\.json$/.test(name))
    .sort()
    .at(-1);
  if (!newest) throw new Error(`run ${runId} wrote no snapshot`);
  return JSON.parse(readFileSync(join(dir, newest), 'utf8')) as MixSnapshot;
}

async function openRun(page: Page, runId: string, tab: 'monitor' | 'inspect'): Promise<void> {
  await page.getByTestId('nav-runs').click();
  await page
    .locator(`[data-testid=run-row][data-run-id="${runId}"]`)
    .getByTestId('run-link')
    .click();
  await page.getByTestId(`tab-${tab}`).click();
}

async function generate(page: Page): Promise<string> {
  await page.getByTestId('generate-button').click();
  await page.getByTestId('generate-output').waitFor();
  return page.getByTestId('group-fill').innerText();
}

/** The compare chart draws a curve in each compared run's colour (its swatch in the diff table). */
async function expectBothCurves(page: Page): Promise<void> {
  const swatches = await page
    .getByTestId('config-diff')
    .locator('thead .swatch')
    .evaluateAll((elements) => elements.map((e) => getComputedStyle(e).backgroundColor));
  expect(swatches).toHaveLength(2);
  for (const colour of swatches) {
    await expect
      .poll(async () => (await colourOnCanvas(page, 'compare-chart', colour)).pixels)
      .toBeGreaterThan(300);
  }
}

describe.skipIf(chromiumMissing !== null)(
  `workbench UI${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
  () => {
    const served = servedApp();

    // Generous: `mot serve` first builds the renderer when its sources changed.

    it('designs, trains, watches, compares and inspects MoT runs, in light and dark', async () => {
      const app = await openApp(served.browser, served.server.url, 'light');
      const { page } = app;
      await screenshot(page, 'workbench-light-runs-empty');

      // ---- Design: a MoT FFN, g 4, E 4, and a batch that is not a multiple of g. ----
      await page.getByTestId('nav-new').click();
      await page.getByTestId('ffn-mot').check();
      await page.getByTestId('field-name').fill('e2e mot lr 0.002');
      await fillFields(page, { ...TINY_MOT, 'train.batchSize': 6 });
      const calculator = page.getByTestId('calculator');
      await calculator.getByText('B 6 is not a multiple of g 4').waitFor();
      await page.getByTestId('issue-count').waitFor();
      const groupSizeField = page.locator('.field', { has: field(page, 'model.mot.groupSize') });
      await expect(groupSizeField.getByTestId('field-issue').innerText()).resolves.toMatch(
        /batch/i,
      );
      expect(await page.getByTestId('launch-button').isDisabled()).toBe(true);
      await screenshot(page, 'workbench-light-design-group-size-error');

      // Fixed: the check passes, the calculator shows parameters and the MoT mixing FLOPs.
      await fillFields(page, { 'train.batchSize': 8 });
      await calculator.getByText('B 8 / g 4 = 2 groups per position').waitFor();
      await page.getByTestId('issue-count').waitFor({ state: 'detached' });
      // d 32, one block, 257 byte tokens: tens of thousands of weights (the defaults have 863k).
      const params = /^(\d+(?:\.\d+)?)k$/.exec(await page.getByTestId('params-total').innerText());
      expect(params, 'parameters in thousands').not.toBeNull();
      expect(Number(params![1])).toBeGreaterThan(10);
      expect(Number(params![1])).toBeLessThan(100);
      await expect(page.getByTestId('mixing-flops').innerText()).resolves.toMatch(/\d.*FLOP.*%/s);
      await screenshot(page, 'workbench-light-design');
      const first = await launch(page);

      // ---- Monitor: the loss curve grows while it trains. ----
      await waitForStatus(page, 'running');
      await page.getByTestId('loss-chart').waitFor();
      const reach = async () => (await lossCurveReach(page)).right;
      await expect.poll(reach, { timeout: WAIT_MS }).toBeGreaterThan(0);
      const [early, earlyStep] = [await reach(), await shownStep(page)];
      expect(earlyStep).toBeLessThan(STEPS);
      await expect.poll(reach, { timeout: WAIT_MS }).toBeGreaterThan(early);
      await waitForStatus(page, 'completed');

      // The token-mix heatmap shows the newest snapshot's real weights, rows labelled by token.
      const snapshot = newestSnapshot(served.server.dataDir, first);
      const mixPanel = page.getByTestId('token-mix-panel');
      await mixPanel.getByText(`Snapshot at step ${snapshot.step}:`).waitFor();
      await expect(mixPanel.innerText()).resolves.toMatch(/of g = 4/);
      const ink = await canvasInk(page, 'token-mix-heatmap');
      expect(ink.ink).toBeGreaterThan(2000);
      expect(ink.colours).toBeGreaterThan(20);
      const layer = snapshot.layers.find((l) => l.kind === 'mot');
      if (layer?.kind !== 'mot') throw new Error('the snapshot has no MoT layer');
      const cell = layer.cells[0];
      const tip = await heatmapTip(page, 'token-mix-heatmap');
      // The tip reads the token in its text: position, then ~8 tokens either side.
      const shown =
        /^Token “(.*)” from example (\d+), position (\d+) of (\d+)\n…(.*)\[(.*)\](.*)…\nexpert (\d+): weight (\d\.\d{3})/.exec(
          tip,
        );
      expect(shown, tip).not.toBeNull();
      const [, token, example, position, time, , , , expert, weight] = shown!;
      expect(token).toBe(visibleToken(cell.tokenTexts[0]));
      expect(Number(example)).toBe(cell.examples[0]);
      expect(Number(position)).toBe(cell.position);
      expect(Number(time)).toBe(TINY_MOT['model.contextLength']);
      expect(cell.contexts?.[0]).toBeDefined();
      expect(await page.getByTestId('mix-contexts').locator('li').count()).toBe(
        cell.examples.length,
      );
      expect(weight).toBe(cell.weights[0][Number(expert)].toFixed(3));
      await page.mouse.move(0, 0);
      await screenshot(page, 'workbench-light-monitor');

      // ---- A second run, cloned, differing only in the learning rate. ----
      await page.getByRole('button', { name: 'Clone as new' }).click();
      await page.getByText('Starting from clone of').waitFor();
      await page.getByTestId('field-name').fill('e2e mot lr 0.004');
      await fillFields(page, { 'train.learningRate': 0.004 });
      const second = await launch(page);
      await waitForStatus(page, 'completed');

      // ---- Compare: both picked, and only the differing key listed. ----
      await page.getByTestId('nav-compare').click();
      for (const runId of [first, second]) {
        await page.locator(`label[data-run-id="${runId}"]`).getByTestId('compare-pick').check();
      }
      await page.getByTestId('compare-diff-row').first().waitFor();
      const rows = page.getByTestId('compare-diff-row');
      const paths = await rows.evaluateAll((elements) =>
        elements.map((element) => element.getAttribute('data-path')),
      );
      expect(paths).toEqual(['train.learningRate']);
      await expect(rows.first().innerText()).resolves.toMatch(/0\.002\s+0\.004/);
      await expectBothCurves(page);
      await screenshot(page, 'workbench-light-compare');

      // ---- Inspect: generate from a checkpoint; the group was filled with companions. ----
      await openRun(page, first, 'inspect');
      await page.getByTestId('checkpoint-row').first().waitFor();
      await page.getByTestId('generate-step').selectOption({ label: 'step 40' });
      const fill = await generate(page);
      expect(fill).toMatch(/step 40/);
      expect(fill).toMatch(/groups of 4/);
      expect(fill).toMatch(/2 prompt\(s\) \+ 2 companion sequence\(s\)/);
      const texts = await page.getByTestId('generated-text').allInnerTexts();
      expect(texts).toHaveLength(2);
      await screenshot(page, 'workbench-light-inspect');

      // ---- Evaluate step 40 every way MoT allows; as trained it is the loss measured there. ----
      const row40 = page
        .getByTestId('checkpoint-row')
        .filter({ has: page.locator('td:first-child', { hasText: /^40$/ }) });
      const measured = Number((await row40.locator('td').nth(1).innerText()).trim());
      await row40.getByTestId('checkpoint-evaluate').click();
      const evaluation = page.getByTestId('evaluation-row');
      await evaluation.first().waitFor();
      expect(await evaluation.evaluateAll((rows) => rows.map((r) => r.dataset.mode))).toEqual([
        'trained',
        'discrete',
        'group-size',
        'group-size',
        'group-size',
      ]);
      const trainedCells = await evaluation.first().locator('td').allInnerTexts();
      expect(Math.abs(Number(trainedCells[2]) - measured)).toBeLessThan(6e-4);
      expect(trainedCells[4]).toBe('');
      expect(await evaluation.nth(1).locator('td').nth(4).innerText()).toMatch(/^[+−]\d\.\d{4}$/);
      expect(await page.getByTestId('evaluation-table').locator('caption').innerText()).toMatch(
        /^Step 40, /,
      );
      await screenshot(page, 'workbench-light-evaluate');

      // ---- Dark: the toggle goes system -> light -> dark; canvases redraw in dark colours. ----
      const surface = () =>
        page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      const lightBackground = await surface();
      await page.getByTestId('theme-toggle').click();
      expect(await page.locator('html').getAttribute('data-theme')).toBe('light');
      await page.getByTestId('theme-toggle').click();
      expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
      await expect.poll(surface).not.toBe(lightBackground);
      await expect(page.getByTestId('theme-toggle').innerText()).resolves.toContain('dark');
      await page.getByTestId('generate-output').waitFor();
      await screenshot(page, 'workbench-dark-inspect');

      await openRun(page, first, 'monitor');
      await page.getByTestId('token-mix-heatmap').waitFor();
      const corner = await page.getByTestId('token-mix-heatmap').evaluate((element) => {
        const canvas = element as HTMLCanvasElement;
        return Array.from(canvas.getContext('2d')!.getImageData(0, 0, 1, 1).data.slice(0, 3));
      });
      expect(Math.max(...corner), 'heatmap background is dark').toBeLessThan(80);
      await screenshot(page, 'workbench-dark-monitor');

      await page.getByTestId('nav-compare').click();
      await page.locator(`label[data-run-id="${first}"]`).getByTestId('compare-pick').check();
      await page.locator(`label[data-run-id="${second}"]`).getByTestId('compare-pick').check();
      await page.getByTestId('compare-diff-row').first().waitFor();
      await expectBothCurves(page);
      await screenshot(page, 'workbench-dark-compare');

      await page.getByTestId('nav-new').click();
      await page.getByTestId('calculator').getByTestId('params-total').waitFor();
      await screenshot(page, 'workbench-dark-design');

      await page.getByTestId('nav-runs').click();
      await page.getByTestId('run-row').nth(1).waitFor();
      await screenshot(page, 'workbench-dark-runs');

      // The choice outlives a reload.
      await page.reload();
      await page.getByTestId('nav-runs').waitFor();
      expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
      await page.getByTestId('theme-toggle').click();
      await page.getByTestId('run-row').nth(1).waitFor();
      await screenshot(page, 'workbench-light-runs');
      expectNoPageErrors(app);
    });
  },
);
