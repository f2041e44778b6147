/**
 * End-to-end: launches the built desktop app in Electron through Playwright and checks what the
 * renderer can and cannot see. Skips, with its reason, where Electron cannot run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { build } from 'electron-vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES } from '../../src/core/api/contract';

const repoRoot = join(import.meta.dirname, '..', '..');
const mainEntry = join(repoRoot, 'out', 'main', 'index.js');

/**
 * The Electron executable, found the way `electron/index.js` finds it but without requiring that
 * module: requiring it tries to download a missing binary, and throws when it cannot.
 */
function findElectronBinary(): { path: string } | { missing: string } {
  const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { missing: `${pathFile} is absent (the Electron binary was never downloaded)` };
  }
  const relativePath = readFileSync(pathFile, 'utf8').trim();
  const distDir = process.env['ELECTRON_OVERRIDE_DIST_PATH'] ?? join(packageDir, 'dist');
  const binary = join(distDir, relativePath);
  return existsSync(binary) ? { path: binary } : { missing: `${binary} does not exist` };
}

/** Why this suite cannot run here, or undefined when it can. */
function reasonToSkip(): string | undefined {
  const electron = findElectronBinary();
  if ('missing' in electron) return `no Electron binary: ${electron.missing}`;
  const hasDisplay = Boolean(process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY']);
  if (process.platform === 'linux' && !hasDisplay) {
    return 'no DISPLAY or WAYLAND_DISPLAY (run under xvfb-run)';
  }
  return undefined;
}

const skipReason = reasonToSkip();
if (skipReason) console.info(`[test/electron] skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(
  `desktop app${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let app: ElectronApplication;
    let page: Page;
    let configHome: string;

    beforeAll(async () => {
      // Test what the sources say now, not whatever out/ was left behind.
      await build({ root: repoRoot, logLevel: 'warn' });
      expect(existsSync(mainEntry)).toBe(true);
      // A throwaway config folder, so the test never touches the real userData.
      configHome = mkdtempSync(join(tmpdir(), 'mot-electron-'));
      const electron = findElectronBinary();
      if (!('path' in electron)) throw new Error(electron.missing);
      // Chromium refuses to start as root unless its OS sandbox is off; the renderer is still
      // sandboxed by webPreferences (no Node), which is what this suite checks.
      const runningAsRoot = process.getuid?.() === 0;
      // Load the built files even if this shell came from `electron-vite dev`.
      // And keep its data under the throwaway config folder, whatever this shell sets.
      const { ELECTRON_RENDERER_URL: _devServerUrl, MOT_DATA_DIR: _dataDir, ...env } = process.env;
      app = await _electron.launch({
        executablePath: electron.path,
        args: [...(runningAsRoot ? ['--no-sandbox'] : []), mainEntry],
        cwd: repoRoot,
        env: { ...env, XDG_CONFIG_HOME: configHome },
        timeout: 30_000,
      });
      page = await app.firstWindow();
      await page.waitForSelector('h1');
    }, 90_000);

    afterAll(async () => {
      await app?.close();
      if (configHome) rmSync(configHome, { recursive: true, force: true });
    });

    it('shows the MoT Workbench window with its empty state', async () => {
      expect(await page.title()).toBe('MoT Workbench');
      expect(page.url()).toBe('app://workbench/index.html');
      await expect
        .poll(() => page.textContent('body'))
        .toContain('npx mot train --preset tiny-mot');
    });

    it('exposes the workbench bridge, with every API method, to the page', async () => {
      // Playwright serializes functions as undefined, so describe the bridge inside the page.
      const bridge = await page.evaluate(() => {
        const exposed = window.workbench as unknown as Record<string, unknown> | undefined;
        const typesOf = (value: unknown) =>
          Object.fromEntries(
            Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v]),
          );
        return {
          keys: Object.keys(exposed ?? {}).sort(),
          version: exposed?.['version'],
          platform: exposed?.['platform'],
          api: typesOf(exposed?.['api']),
          on: typesOf(exposed?.['on']),
        };
      });
      expect(bridge.keys).toEqual(['api', 'on', 'platform', 'version']);
      expect(bridge.version).toEqual(expect.any(String));
      expect(bridge.platform).toBe(process.platform);
      expect(bridge.api).toEqual(Object.fromEntries(METHOD_NAMES.map((m) => [m, 'function'])));
      expect(bridge.on).toEqual(Object.fromEntries(EVENT_NAMES.map((e) => [e, 'function'])));
    });

    it('answers a call through the bridge', async () => {
      const result = await page.evaluate(() => window.workbench?.api.listPresets({}));
      expect(result).toMatchObject({ ok: true });
    });

    it('gives the page no Node: sandboxed, context-isolated', async () => {
      const globalsSeen = await page.evaluate(() => ({
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        module: typeof (globalThis as { module?: unknown }).module,
      }));
      expect(globalsSeen).toEqual({
        require: 'undefined',
        process: 'undefined',
        module: 'undefined',
      });
    });

    it('opens no new windows', async () => {
      const opened = await page.evaluate(() => window.open('https://example.com/') !== null);
      expect(opened).toBe(false);
      expect(app.windows()).toHaveLength(1);
    });

    it('keeps its data under the "MoT Workbench" userData folder', async () => {
      const userData = await app.evaluate(({ app: electronApp }) =>
        electronApp.getPath('userData'),
      );
      expect(userData.endsWith('MoT Workbench')).toBe(true);
      if (process.platform === 'linux') expect(userData).toBe(join(configHome, 'MoT Workbench'));
    });
  },
);
