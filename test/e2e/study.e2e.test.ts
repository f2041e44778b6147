/**
 * A study's report in the browser, against a real `mot serve` on a data dir where `mot study`
 * trained a smoke-sized dense-vs-MoT grid over two seeds: the per-seed gaps, the mean with its 95%
 * interval, the verdict per point and the passes over the data are on the page, as the CLI printed.
 */
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDir, mot } from '../cli/run-mot';
import {
  chromiumMissing,
  openBrowser,
  removeTemporaryDataDirs,
  screenshot,
  serve,
  type Served,
} from './harness';
import { expectNoPageErrors, openApp } from './ui';

describe.skipIf(chromiumMissing !== null)(
  `study report UI${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
  () => {
    let browser: Browser;
    let server: Served;
    let studyId = '';

    beforeAll(async () => {
      const dataDir = freshDir();
      const grid = JSON.stringify({ 'model.ffn': ['dense', 'mot'], 'train.steps': [3, 6] });
      const made = mot(
        ['study', '--name', 'seeds', '--preset', 'smoke', '--grid', grid, '--seeds', '1,2'],
        dataDir,
      );
      expect(made.code, made.stderr).toBe(0);
      studyId = /study (\S+) "seeds"/.exec(made.stdout)?.[1] ?? '';
      [browser, server] = await Promise.all([openBrowser(), serve(dataDir)]);
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      removeTemporaryDataDirs();
    });

    it('shows every seed beside the mean gap, its interval and the verdict', async () => {
      const opened = await openApp(browser, server.url);
      const { page } = opened;
      await page.goto(`${server.url}#/study/${studyId}`);
      const verdict = page.getByTestId('study-verdict');
      await expect.poll(() => verdict.innerText()).toMatch(/over 2 seeds, paired by seed/);
      const seedCells = await page.getByTestId('study-seed-gaps').allInnerTexts();
      expect(seedCells).toHaveLength(2);
      for (const cell of seedCells) expect(cell).toMatch(/^[+-]\d\.\d{3} [+-]\d\.\d{3}$/);
      const rows = await page.getByTestId('study-gaps').locator('tbody tr').allInnerTexts();
      for (const row of rows) {
        expect(row).toMatch(/[+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\]/);
        expect(row).toMatch(/MoT ahead|MoT behind|cannot tell/);
      }
      const runs = await page.getByTestId('study-run-row').allInnerTexts();
      expect(runs).toHaveLength(8);
      await screenshot(page, 'study-report-seeds');

      // The table exports as the Markdown the CLI prints, the chart as a PNG with its caption.
      const [markdown] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('study-markdown').click(),
      ]);
      expect(markdown.suggestedFilename()).toBe('seeds-report.md');
      const shown = mot(['study', '--show', studyId, '--markdown'], server.dataDir);
      expect(readFileSync((await markdown.path())!, 'utf8')).toBe(shown.stdout);
      const [png] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('study-report').getByTestId('png-button').click(),
      ]);
      expect(png.suggestedFilename()).toBe('seeds-gap.png');
      expect(
        readFileSync((await png.path())!)
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
      expectNoPageErrors(opened);
    });
  },
);
