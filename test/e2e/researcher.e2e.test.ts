/**
 * The researcher's daily tools end to end, in Chromium against a real `mot serve`, with runs
 * trained by `mot train` in separate processes on the same data dir (as from a terminal): they
 * appear live in Runs and Compare; the run table's columns, value filter, sort and a selection
 * shared with Compare; Compare grouped by everything but the seed with interval bands, zoomed
 * by a drag; and a diverging run marked "diverged" with its warnings. Screenshots of Runs,
 * Compare and Monitor land in test-results/ (researcher-*.png).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumMissing,
  openBrowser,
  removeTemporaryDataDirs,
  screenshot,
  serve,
  type Served,
} from './harness';
import { WAIT_MS, colourOnCanvas, expectNoPageErrors, openApp, waitForStatus } from './ui';

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
    let browser: Browser;
    let server: Served;

    beforeAll(async () => {
      [browser, server] = await Promise.all([openBrowser(), serve()]);
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop('SIGTERM');
      removeTemporaryDataDirs();
    });

    it('lists terminal runs live; filters, sorts, compares by seed with bands, zooms; marks divergence', async () => {
      const opened = await openApp(browser, server.url);
      const { page } = opened;
      await page.setViewportSize({ width: 1024, height: 700 });
      await page.getByText('No runs yet').waitFor();

      // 1. A run from a terminal appears in the open Runs view, then completes, with no reload.
      const first = trainFromTerminal(server.dataDir, tinyConfig('mot seed 1'));
      await row(page, 'mot seed 1').waitFor({ timeout: 30_000 });
      await first;
      await row(page, 'mot seed 1')
        .locator('[data-testid=status-badge][data-status=completed]')
        .waitFor({ timeout: 15_000 });
      // ...and in Compare's picker, also live.
      await page.getByTestId('nav-compare').click();
      const second = trainFromTerminal(server.dataDir, tinyConfig('mot seed 2', { seed: 2 }));
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
        await trainFromTerminal(server.dataDir, tinyConfig(name, over));
      }
      await page.getByTestId('nav-runs').click();
      await expect.poll(async () => (await shownNames(page)).length, { timeout: 30_000 }).toBe(5);

      // 2. The table fits at 1024 px; seed, learning rate, progress and losses are columns.
      const wrap = page.locator('.table-wrap');
      await expect
        .poll(() => wrap.evaluate((e) => e.scrollWidth - e.clientWidth), { timeout: 15_000 })
        .toBeLessThanOrEqual(0);
      await expect
        .poll(() => row(page, 'diverging lr 1').getByTestId('cell-progress').innerText())
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

      // Sort by seed (ascending), and add a config key as a column.
      await page.getByTestId('sort-seed').click();
      await page.getByTestId('sort-seed').click();
      const seeds = await page.getByTestId('cell-seed').allInnerTexts();
      expect(seeds).toEqual([...seeds].sort());
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
      expect((await badge.innerText()).trim()).toBe('diverged');
      expect(
        await row(page, 'mot seed 1').getByTestId('status-badge').getAttribute('data-diverged'),
      ).toBeNull();
      await screenshot(page, 'researcher-runs');

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
      expect(
        new URL(page.url().replace('#/', '')).searchParams.get('runs')!.split(','),
      ).toHaveLength(4);

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
      expectNoPageErrors(opened);
    });
  },
);
