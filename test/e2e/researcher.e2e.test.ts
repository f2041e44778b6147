/**
 * The researcher's daily tools end to end, in Chromium against a real `mot serve`, with runs
 * trained by `mot train` in separate processes on the same data dir (as from a terminal): they
 * appear live in Runs and Compare; the run table's columns, value filter, sort and a selection
 * shared with Compare; Compare grouped by everything but the seed with interval bands, zoomed
 * by a drag; and a diverging run marked "diverged" with its warnings. Screenshots of Runs,
 * Compare and Monitor land in test-results/ (researcher-*.png).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, screenshot, servedApp } from './harness';
import {
  WAIT_MS,
  colourOnCanvas,
  expectNoPageErrors,
  openApp,
  runDir,
  runIdOf,
  waitForStatus,
} from './ui';

if (chromiumMissing) console.info(`[test/e2e] skipped: ${chromiumMissing}`);

const MOT = join(import.meta.dirname, '../../bin/mot.js');

/** A model that trains 40 steps in a few seconds on two busy cores. */
function tinyConfig(name: string, over: { ffn?: string; seed?: number; lr?: number } = {}) {
  return {
    name,
    model: {
      dModel: 32,
      layers: 1,
      heads: 2,
      contextLength: 16,
      dFF: 64,
      ffn: over.ffn ?? 'mot',
      mot: { groupSize: 4, experts: 4 },
    },
    train: {
      steps: 40,
      batchSize: 8,
      learningRate: over.lr ?? 0.002,
      seed: over.seed ?? 1,
      warmupSteps: 2,
      evalEvery: 20,
      evalBatches: 2,
      checkpointEvery: 20,
      snapshotEvery: 20,
      // The diverging run: a constant learning rate of 1 and no clipping.
      ...(over.lr === 1 && { minLrRatio: 1, gradClip: 0 }),
    },
  };
}

/** `mot train` in its own process, as a terminal would; resolves when it exits. */
function trainFromTerminal(dataDir: string, config: object): Promise<void> {
  const file = join(dataDir, '..', `${(config as { name: string }).name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [MOT, 'train', '--config', file, '--data-dir', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`mot train exited ${code}: ${stderr}`)),
    ),
  );
}

function row(page: Page, name: string) {
  return page.locator('[data-testid=run-row]', {
    has: page.locator('[data-testid=run-link]', { hasText: new RegExp(`^\\s*${name}\\s*$`) }),
  });
}

async function shownNames(page: Page): Promise<string[]> {
  return (await page.getByTestId('run-link').allInnerTexts()).map((t) => t.trim());
}

describe.skipIf(chromiumMissing !== null)(
  `researcher tools${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
  () => {
    const served = servedApp();

    it('lists terminal runs live; filters, sorts, compares by seed with bands, zooms; marks divergence', async () => {
      const opened = await openApp(served.browser, served.server.url);
      const { page } = opened;
      await page.setViewportSize({ width: 1024, height: 700 });
      await page.getByText('No runs yet').waitFor();

      // 1. A run from a terminal appears in the open Runs view, then completes, with no reload.
      const first = trainFromTerminal(served.server.dataDir, tinyConfig('mot seed 1'));
      await row(page, 'mot seed 1').waitFor({ timeout: 30_000 });
      await first;
      await row(page, 'mot seed 1')
        .locator('[data-testid=status-badge][data-status=completed]')
        .waitFor({ timeout: 15_000 });
      // ...and in Compare's picker, also live.
      await page.getByTestId('nav-compare').click();
      const second = trainFromTerminal(
        served.server.dataDir,
        tinyConfig('mot seed 2', { seed: 2 }),
      );
      await page
        .locator('aside[aria-label="Runs to compare"]')
        .getByText('mot seed 2')
        .waitFor({ timeout: 30_000 });
      await second;
      for (const [name, over] of [
        ['dense seed 1', { ffn: 'dense' }],
        ['dense seed 2', { ffn: 'dense', seed: 2 }],
        ['diverging lr 1', { ffn: 'dense', lr: 1 }],
      ] as const) {
        await trainFromTerminal(served.server.dataDir, tinyConfig(name, over));
      }
      await page.getByTestId('nav-runs').click();
      await expect.poll(async () => (await shownNames(page)).length, { timeout: 30_000 }).toBe(5);

      // 2. The table fits at 1024 px; seed, learning rate, progress and losses are columns.
      const wrap = page.locator('.table-wrap');
      await expect
        .poll(() => wrap.evaluate((e) => e.scrollWidth - e.clientWidth), { timeout: 15_000 })
        .toBeLessThanOrEqual(0);
      // "Within a few seconds": the last record may follow the row by one poll.
      await expect
        .poll(() => row(page, 'diverging lr 1').getByTestId('cell-progress').innerText(), {
          timeout: 5_000,
        })
        .toBe('40/40');
      expect(await row(page, 'mot seed 2').getByTestId('cell-seed').innerText()).toBe('2');
      // Rows are compact: one line for a run without a parent.
      const height = await row(page, 'mot seed 1').evaluate(
        (e) => e.getBoundingClientRect().height,
      );
      expect(height).toBeLessThan(40);

      // Value filters, and a clear note for a clause without a value.
      const search = page.getByTestId('run-search');
      await search.fill('train.seed = 2');
      await expect
        .poll(() => shownNames(page))
        .toEqual(expect.arrayContaining(['mot seed 2', 'dense seed 2']));
      expect(await shownNames(page)).toHaveLength(2);
      await search.fill('model.ffn = mot train.learningRate < 0.01');
      await expect
        .poll(async () => (await shownNames(page)).sort())
        .toEqual(['mot seed 1', 'mot seed 2']);
      await search.fill('train.seed >');
      await expect(page.getByTestId('filter-error').innerText()).resolves.toContain(
        'needs a value',
      );
      await search.fill('');

      // Sort by seed: ascending on the first click, descending on the second.
      const seeds = () => page.getByTestId('cell-seed').allInnerTexts();
      await page.getByTestId('sort-seed').click();
      await expect.poll(seeds).toEqual(['1', '1', '1', '2', '2']);
      await page.getByTestId('sort-seed').click();
      await expect.poll(seeds).toEqual(['2', '2', '1', '1', '1']);
      await screenshot(page, 'researcher-runs');
      // A config key as a column.
      await page.getByTestId('column-chooser').locator('summary').click();
      await page.getByTestId('column-add').fill('model.mot.groupSize');
      await page.getByTestId('column-add').press('Enter');
      await expect
        .poll(() =>
          row(page, 'mot seed 1').getByTestId('cell-config:model.mot.groupSize').innerText(),
        )
        .toBe('4');
      await page.getByTestId('column-chooser').locator('summary').click();

      // 4. The diverging run says so in the table, instead of a green "completed".
      const badge = row(page, 'diverging lr 1').getByTestId('status-badge');
      await expect.poll(() => badge.getAttribute('data-diverged')).toBe('true');
      expect((await badge.innerText()).trim().toLowerCase()).toBe('diverged');
      expect(
        await row(page, 'mot seed 1').getByTestId('status-badge').getAttribute('data-diverged'),
      ).toBeNull();

      // A selection survives a trip to Compare and back, and Compare opens on it from the nav.
      for (const name of ['mot seed 1', 'mot seed 2', 'dense seed 1', 'dense seed 2']) {
        await row(page, name).locator('input[type=checkbox]').check();
      }
      await page.getByTestId('compare-selected').click();
      await page.waitForURL(/#\/compare\?runs=/);
      await page.getByTestId('nav-runs').click();
      expect(await page.locator('[data-testid=run-row] input[type=checkbox]:checked').count()).toBe(
        4,
      );
      await page.getByTestId('nav-compare').click();
      await page.waitForURL(/#\/compare\?runs=/);
      expect(/#\/compare\?runs=([^&]+)/.exec(page.url())![1].split(',')).toHaveLength(4);

      // 3. Group by everything but the seed: two groups, each a band in its legend colour.
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.getByTestId('compare-group-by').selectOption('seed');
      const colours = await page.evaluate(() => {
        const probe = document.createElement('canvas').getContext('2d')!;
        // groupColor(0) and (1), at the band's alpha over white: what the fill looks like.
        return ['#0072b2', '#e69f00'].map((hex) => {
          probe.fillStyle = '#fff';
          probe.fillRect(0, 0, 1, 1);
          probe.globalAlpha = 0.22;
          probe.fillStyle = hex;
          probe.fillRect(0, 0, 1, 1);
          probe.globalAlpha = 1;
          const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
          return `rgb(${r}, ${g}, ${b})`;
        });
      });
      for (const colour of colours) {
        await expect
          .poll(async () => (await colourOnCanvas(page, 'compare-chart', colour)).pixels)
          .toBeGreaterThan(200);
      }
      await screenshot(page, 'researcher-compare-grouped');

      // Drag to zoom into steps ~10..30, then reset.
      const chart = page.getByTestId('compare-chart');
      const box = (await chart.boundingBox())!;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width * 0.35, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.6, y, { steps: 5 });
      await page.mouse.up();
      const zoomed = await chart.getAttribute('data-zoomed');
      expect(zoomed).not.toBeNull();
      const [from, to] = zoomed!.split(',').map(Number);
      expect(from).toBeGreaterThan(5);
      expect(to).toBeLessThan(40);
      expect(to).toBeGreaterThan(from);
      await screenshot(page, 'researcher-compare-zoomed');
      await page.getByTestId('compare-reset-zoom').click();
      expect(await chart.getAttribute('data-zoomed')).toBeNull();

      // Group by chosen keys: the first differing key is ticked; ticking the seed too splits all.
      await page.getByTestId('compare-group-by').selectOption('keys');
      const keys = page.getByTestId('group-keys');
      await expect(keys.getByLabel('model.ffn').isChecked()).resolves.toBe(true);
      await keys.getByLabel('train.seed').check();
      await expect.poll(() => chart.getAttribute('aria-label')).toContain('of the compared runs');

      // Layer internals as a metric: MoT mixing entropy, the mean or one block.
      await page.getByTestId('compare-group-by').selectOption('none');
      await page.getByTestId('compare-metric').selectOption('mixEntropy');
      await page.getByTestId('compare-block').selectOption({ label: 'block 0' });
      await expect
        .poll(() => page.getByTestId('compare-panel').locator('h2, h3').first().innerText())
        .toBe('MoT mixing entropy, block 0');
      const motColour = await page
        .getByTestId('config-diff')
        .locator('thead .who', { hasText: 'mot seed 1' })
        .locator('.swatch')
        .evaluate((e) => getComputedStyle(e).backgroundColor);
      await expect
        .poll(async () => (await colourOnCanvas(page, 'compare-chart', motColour)).pixels)
        .toBeGreaterThan(100);

      // The diverging run's Monitor: the badge and the warnings for the run itself.
      await page.getByTestId('nav-runs').click();
      await row(page, 'diverging lr 1').getByTestId('run-link').click();
      await waitForStatus(page, 'completed');
      const header = page.getByTestId('run-status');
      await expect.poll(() => header.getAttribute('data-diverged')).toBe('true');
      const warnings = page.getByTestId('training-warnings');
      await warnings.waitFor({ timeout: WAIT_MS });
      expect(await warnings.locator('li[data-kind=above-uniform]').count()).toBe(1);
      await screenshot(page, 'researcher-monitor-diverged');
      // "Log (N lines)", never "(1 lines)".
      expect(await page.getByTestId('log-count').innerText()).toMatch(/^\(\d[\d,]* lines?\)$/);
      expect(await page.getByTestId('log-count').innerText()).not.toMatch(/^\(1 lines\)$/);
      expectNoPageErrors(opened);
    });

    it('reads the token mix in context, and fixes what got in the way', async () => {
      const opened = await openApp(served.browser, served.server.url);
      const { page } = opened;
      await page.getByTestId('nav-runs').click();

      // 5. The token mix: each row's token in its text, its position, and a captioned PNG.
      await row(page, 'mot seed 1').getByTestId('run-link').click();
      const contexts = page.getByTestId('mix-contexts');
      await contexts.waitFor();
      expect(await contexts.locator('li').count()).toBe(4);
      expect(await contexts.locator('mark').count()).toBe(4);
      const positions = await page.getByTestId('mix-position').locator('option').count();
      expect(positions).toBe(12);
      const mixCanvas = page.getByTestId('token-mix-heatmap');
      const canvasHeight = await mixCanvas.evaluate((c) => (c as HTMLCanvasElement).height);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('token-mix-panel').getByTestId('png-button').click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/-g0-t0\.png$/);
      const png = readFileSync((await download.path())!);
      // PNG header: width and height, big-endian, at bytes 16 and 20.
      expect(png.readUInt32BE(20)).toBeGreaterThan(canvasHeight);

      // The checkpoint list names each checkpoint once.
      await page.getByTestId('tab-inspect').click();
      const options = await page.getByTestId('generate-step').locator('option').allInnerTexts();
      expect(options).toEqual(['latest (step 40)', 'step 20']);

      // The fork dialog's defaults are valid and name the fork; the fork starts.
      await page.getByTestId('fork-button').click();
      expect(await page.getByTestId('fork-name').inputValue()).toBe('mot seed 1 fork@40');
      expect(Number(await page.getByTestId('fork-steps').inputValue())).toBe(60);
      // Typing in a field never fires a single-letter shortcut.
      await page.getByTestId('fork-name').press('End');
      await page.getByTestId('fork-name').pressSequentially(' rn');
      expect(page.url()).toMatch(/#\/run\//);
      await page.getByTestId('fork-submit').click();
      await page.waitForURL(/#\/run\/[^/]+\/monitor$/);
      await expect.poll(() => page.locator('header h1').innerText()).toBe('mot seed 1 fork@40 rn');
      await waitForStatus(page, 'completed');
      // 1. The fork shows its own best validation loss and time, not its parent's.
      const forkId = runIdOf(page);
      const ownBest = Math.min(
        ...readFileSync(join(runDir(served.server.dataDir, forkId), 'metrics.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map(
            (line) => JSON.parse(line) as { type: string; step: number; validationLoss?: number },
          )
          .filter((r) => r.type === 'eval' && r.step > 40)
          .map((r) => r.validationLoss!),
      );
      await expect
        .poll(() => page.getByTestId('stat-best').innerText())
        .toBe(`Own best val loss\n${ownBest.toFixed(3)}`);
      await page.getByTestId('nav-runs').click();
      await expect
        .poll(() => row(page, 'mot seed 1 fork@40 rn').getByTestId('cell-best').innerText())
        .toBe(ownBest.toFixed(3));
      expect(await row(page, 'mot seed 1 fork@40 rn').innerText()).toContain(
        'fork of mot seed 1 @ 40',
      );

      // The form keeps its draft across navigation; validation reads as words.
      await page.getByTestId('nav-new').click();
      await page.getByTestId('preset-select').selectOption('tiny-mot');
      await page.getByTestId('field-name').fill('kept draft');
      await page.getByTestId('field-train-steps').fill('0');
      await expect
        .poll(() => page.getByTestId('field-issue').first().innerText())
        .toBe('must be at least 1 (got 0)');
      await page.getByTestId('field-train-steps').fill('50');
      await page.getByTestId('nav-runs').click();
      await page.getByTestId('nav-new').click();
      expect(await page.getByTestId('field-name').inputValue()).toBe('kept draft');
      expect(await page.getByTestId('field-train-steps').inputValue()).toBe('50');

      // An edited preset's description no longer claims the preset's settings.
      const [saved] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Save config' }).click(),
      ]);
      const savedConfig = JSON.parse(readFileSync((await saved.path())!, 'utf8'));
      expect(savedConfig.description).toBe('Edited from preset tiny-mot.');

      // An explicit block list beyond the blocks left is flagged by the calculator.
      await page.getByTestId('field-model-layers').fill('4');
      await page.getByTestId('placement-explicit').check();
      await page.getByLabel('Block numbers').fill('2, 3');
      await page.getByTestId('field-model-layers').fill('2');
      await expect
        .poll(() => page.locator('[data-testid=calculator-check][data-ok=false]').allInnerTexts())
        .toEqual(expect.arrayContaining([expect.stringContaining('block list names block 2, 3')]));
      expectNoPageErrors(opened);
    });
  },
);
