/**
 * A new user's walk through the torch engine, against a real `mot serve` and Chromium: a torch
 * run and a 2-process torch run made and trained in the app, a third exported with
 * `mot export`, trained by torch's elastic launcher with 2 ranks (launch.py, c10d rendezvous)
 * and attached back with `mot attach`; all three are listed in Runs like any local run, compared
 * together, and the attached one generates and is evaluated in Inspect. Skips with the reason
 * where Chromium or a Python with torch is missing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findTorchPython, describeRejections } from '../../src/services/engines/python';
import { chromiumMissing, screenshot, servedApp } from './harness';
import { expectNoPageErrors, field, launch, openApp, waitForStatus } from './ui';

const run = promisify(execFile);
const MOT = join(import.meta.dirname, '../../bin/mot.js');
const probe = await findTorchPython();
const missing = chromiumMissing ?? (probe.found ? null : describeRejections(probe));
/** Torch steps are quick; preparing the data and starting Python are what take time here. */
const TRAINED_MS = 240_000;

/** A TCP port nothing listens on right now (the rendezvous endpoint). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** New experiment from the smoke preset (d 32, 1 block, 20 steps) on torch; lands on its monitor. */
async function launchTorchRun(page: Page, name: string, processes: number): Promise<string> {
  await page.getByTestId('nav-new').click();
  await page.getByTestId('preset-select').selectOption('smoke');
  await page.getByTestId('field-name').fill(name);
  await page.getByTestId('field-backend').selectOption('torch');
  if (processes > 1) await field(page, 'train.processes').fill(String(processes));
  return launch(page);
}

function row(page: Page, runId: string) {
  return page.locator(`[data-testid=run-row][data-run-id="${runId}"]`);
}

describe.skipIf(missing !== null)(
  `torch engine walkthrough${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const served = servedApp();

    it('trains on torch in the app (1 and 2 processes) and by launch.py after an export, and shows all three alike', async () => {
      const opened = await openApp(served.browser, served.server.url);
      const { page } = opened;

      const one = await launchTorchRun(page, 'torch one', 1);
      await waitForStatus(page, 'completed', TRAINED_MS);
      await expect.poll(() => page.locator('header .sub').innerText()).toMatch(/· torch ·/);
      const two = await launchTorchRun(page, 'torch two', 2);
      await waitForStatus(page, 'completed', TRAINED_MS);
      expect(await page.locator('header .sub').innerText()).toMatch(/torch × 2 processes/);
      expect(readFileSync(join(served.server.dataDir, 'runs', two, 'log.txt'), 'utf8')).toMatch(
        /start on torch \(.*2 processes\)/,
      );

      // The third leaves the app: exported, trained by torch's launcher with 2 ranks, attached.
      const root = mkdtempSync(join(tmpdir(), 'mot-walk-'));
      const configFile = join(root, 'exported.json');
      writeFileSync(configFile, JSON.stringify({ name: 'torch exported' }));
      const out = join(root, 'job');
      const dataDir = ['--data-dir', served.server.dataDir];
      await run(process.execPath, [
        MOT,
        'export',
        '--preset',
        'smoke',
        '--config',
        configFile,
        '--out',
        out,
        ...dataDir,
      ]);
      const python = probe.found!.command;
      await run(python, [
        join(out, 'launch.py'),
        ...['--nnodes', '1', '--nproc_per_node', '2'],
        ...['--rdzv_backend', 'c10d', '--rdzv_endpoint', `127.0.0.1:${await freePort()}`],
        join(out, 'train.py'),
      ]);
      expect(readFileSync(join(out, 'run', 'log.txt'), 'utf8')).toMatch(/2 processes/);
      const attached = await run(process.execPath, [MOT, 'attach', join(out, 'run'), ...dataDir]);
      const exported = (JSON.parse(attached.stdout.trim().split('\n').at(-1)!) as { id: string })
        .id;

      // Runs: all three completed, with their losses, the attached one marked so (no reload).
      await page.getByTestId('nav-runs').click();
      await row(page, exported).waitFor();
      for (const id of [one, two, exported]) {
        await expect
          .poll(() => row(page, id).getByTestId('status-badge').getAttribute('data-status'))
          .toBe('completed');
        expect(await row(page, id).getByTestId('cell-final').innerText()).toMatch(/^\d+\.\d+$/);
      }
      expect(await row(page, exported).innerText()).toMatch(/attached/);
      await screenshot(page, 'torch-walk-runs');

      // Compare: the three together; only steps and processes differ between them.
      await page.getByTestId('nav-compare').click();
      for (const id of [one, two, exported])
        await page.locator(`label[data-run-id="${id}"]`).getByTestId('compare-pick').check();
      await page.getByTestId('compare-diff-row').first().waitFor();
      expect(await page.getByTestId('diff-column').count()).toBe(3);
      const differing = await page
        .getByTestId('compare-diff-row')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
      expect(differing).toContain('train.processes');
      await screenshot(page, 'torch-walk-compare');

      // The attached run: its page says where it comes from; it generates from its checkpoint.
      await page.goto(`${served.server.url}#/run/${exported}/inspect`);
      await page.getByTestId('attached-note').waitFor();
      await page.getByTestId('generate-button').click();
      await page.getByTestId('generated-text').first().waitFor();
      expect((await page.getByTestId('generated-text').first().innerText()).length).toBeGreaterThan(
        10,
      );
      await screenshot(page, 'torch-walk-attached-inspect');

      // Evaluated here on tfjs, as trained, it scores what torch measured at that checkpoint.
      await page.getByTestId('evaluate-button').click();
      const trained = page.locator('[data-testid=evaluation-row][data-mode=trained]');
      await trained.waitFor();
      const [step, tfjsLoss] = [
        Number(
          /^Step (\d+),/.exec(
            await page.locator('[data-testid=evaluation-table] caption').innerText(),
          )![1],
        ),
        Number(await trained.locator('td').nth(2).innerText()),
      ];
      const torchEval = readFileSync(join(out, 'run', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; step: number; validationLoss: number })
        .find((record) => record.type === 'eval' && record.step === step);
      expect(torchEval, `torch's evaluation at step ${step}`).toBeDefined();
      expect(Math.abs(tfjsLoss - torchEval!.validationLoss)).toBeLessThan(2e-4);
      expectNoPageErrors(opened);
    }, 900_000);
  },
);
