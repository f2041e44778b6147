/**
 * The torch engine from the browser, against a real `mot serve`: the form's processes and
 * precision fields (greyed out with the reason off torch, the config's own errors for a batch
 * that does not split or MoT groups that would), and Settings, where the torch engine's Python
 * is chosen: a path that is no file is refused with the reason, and Find lists every candidate.
 */
import { describe, expect, it } from 'vitest';
import { findTorchPython } from '../../src/services/engines/python';
import { chromiumMissing, screenshot, servedApp } from './harness';
import { WAIT_MS, expectNoPageErrors, field, openApp } from './ui';

const probe = await findTorchPython();

describe.skipIf(chromiumMissing !== null)(
  `torch engine settings UI${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
  () => {
    const served = servedApp();

    it('greys out processes off torch, and checks them against the batch on torch', async () => {
      const opened = await openApp(served.browser, served.server.url);
      const { page } = opened;
      await page.goto(`${served.server.url}#/new`);
      const processes = field(page, 'train.processes');
      await expect.poll(() => processes.isDisabled()).toBe(true);
      expect(await page.locator('#field-train-processes-help').innerText()).toMatch(
        /Backend torch only/,
      );
      // A config file picks torch even where this machine has no torch (its option is then off).
      await page.getByTestId('config-file-input').setInputFiles({
        name: 'torch.config.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify({ backend: 'torch', model: { ffn: 'mot' } })),
      });
      // The file is read asynchronously: wait for the form to take it.
      await expect.poll(() => page.getByTestId('field-backend').inputValue()).toBe('torch');
      await expect.poll(() => processes.isDisabled()).toBe(false);
      await expect
        .poll(() => page.locator('#field-train-precision-help').innerText())
        .toMatch(/bf16 and tf32 apply on CUDA only/);
      await processes.fill('3');
      const issues = page.locator(
        '[data-testid="field-train-processes"] ~ [data-testid="field-issue"]',
      );
      await expect
        .poll(() => issues.allInnerTexts())
        .toEqual(['must divide train.batchSize (32): the global batch is split across processes']);
      await processes.fill('8');
      await expect
        .poll(() => issues.allInnerTexts())
        .toEqual([
          'each process gets 4 rows, not a multiple of model.mot.groupSize (8): MoT groups must stay whole',
        ]);
      await processes.fill('4');
      await expect.poll(() => issues.count()).toBe(0);
      await field(page, 'train.precision').selectOption('bf16');
      // The backend list has arrived, torch's line naming its Python (or why there is none).
      await page.getByTestId('backend-list').getByText('torch', { exact: true }).waitFor();
      await screenshot(page, 'torch-engine-fields');
      expectNoPageErrors(opened);
    });

    it('refuses a Python path that is no file, and lists every candidate the search asked', async () => {
      const opened = await openApp(served.browser, served.server.url);
      const { page } = opened;
      await page.getByTestId('nav-settings').click();
      const report = page.getByTestId('python-report');
      await report.waitFor();
      const sources = await page
        .getByTestId('python-candidate')
        .locator('td.source')
        .allInnerTexts();
      expect(sources).toContain('PATH');
      await page.getByTestId('setting-python').fill('/no/such/python3');
      await page.getByTestId('settings-save').click();
      await expect
        .poll(() => page.getByTestId('error-banner').innerText())
        .toMatch(/no file at \/no\/such\/python3/);
      // An executable that is no Python: saved, then searched first and rejected with its reason.
      await page.getByTestId('setting-python').fill(process.execPath);
      await page.getByTestId('settings-save').click();
      await expect.poll(() => page.getByTestId('settings-save').isDisabled()).toBe(true);
      await expect
        .poll(() => page.getByTestId('python-candidate').first().innerText(), {
          timeout: WAIT_MS, // the search asks every candidate for torch: seconds on a busy machine
        })
        .toMatch(/setting[\s\S]*not a (working )?Python/);
      await screenshot(page, 'torch-python-settings');
      expectNoPageErrors(opened);
    }, 120_000);

    it.skipIf(!probe.found)(
      'takes a Python the search found as the setting with Use, then searches with it first',
      async () => {
        const opened = await openApp(served.browser, served.server.url);
        const { page } = opened;
        await page.getByTestId('nav-settings').click();
        // The row of the Python with torch the search finds (its command, e.g. /usr/bin/python3).
        const found = page
          .getByTestId('python-candidate')
          .filter({ hasText: probe.found!.command })
          .filter({ has: page.getByTestId('python-use') })
          .first();
        await found.waitFor({ timeout: WAIT_MS });
        await found.getByTestId('python-use').click();
        const chosen = await page.getByTestId('setting-python').inputValue();
        expect(chosen).toMatch(/^\//);
        expect(await found.innerText()).toContain(chosen);
        await page.getByTestId('settings-save').click();
        await expect.poll(() => page.getByTestId('settings-save').isDisabled()).toBe(true);
        // Searched again with it first: the setting's row, with torch, used.
        const first = page.getByTestId('python-candidate').first();
        await expect
          .poll(() => first.innerText(), { timeout: WAIT_MS })
          .toMatch(
            new RegExp(
              `^setting\\s+${chosen.replaceAll('.', '\\.')}[\\s\\S]*torch [\\d.]+[\\s\\S]*used`,
            ),
          );
        expect(await page.getByTestId('python-summary').innerText()).toContain(chosen);
        expectNoPageErrors(opened);
      },
      120_000,
    );
  },
);
