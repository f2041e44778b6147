/**
 * The store's notices in the UI, in Chromium against a real `mot serve`: opened on a data dir
 * whose catalog has one damaged record, the app shows what was set aside in a banner that the
 * user can dismiss.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/services/store';
import { chromiumMissing, openBrowser, serve, type Served } from './harness';
import { openApp } from './ui';

describe.skipIf(chromiumMissing !== null)('store notices banner', () => {
  let browser: Browser;
  let server: Served;
  let badRun: string;

  beforeAll(async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'mot-e2e-notices-')), 'data');
    const store = await RunStore.open(dataDir);
    badRun = (await store.create({ name: 'damaged', config: {}, ffnSummary: 'dense' })).id;
    const file = join(dataDir, 'catalog.json');
    const catalog = JSON.parse(readFileSync(file, 'utf8'));
    catalog.runs[0].tokensSeen = 'many';
    writeFileSync(file, JSON.stringify(catalog));
    [browser, server] = await Promise.all([openBrowser(), serve(dataDir)]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop('SIGTERM');
  });

  it('shows what opening repaired, until dismissed', async () => {
    const { page, errors } = await openApp(browser, server.url);
    const banner = page.getByTestId('store-notices');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(
      new RegExp(`repaired catalog.json: set aside 1 damaged record \\(run ${badRun}: tokensSeen`),
    );
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await banner.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });
});
