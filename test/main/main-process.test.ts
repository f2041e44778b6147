/**
 * The BUILT main bundle, run in plain Node with a recording stand-in for the `electron` module
 * (fixtures/fake-electron.mjs): no Electron binary can run here, but the wiring can be checked on
 * the real bundle. The Workbench, the store, the app:// handler and the IPC check are all real;
 * only Electron's own objects are fakes. What Chromium does with them only Electron can show
 * (test/electron/app.test.ts, where a binary exists).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/core/api/csp';
import { buildAppIntoTemp } from './built-app';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Report {
  userData: string;
  catalogInDataDir: boolean;
  privilegedSchemes: { scheme: string; privileges: Record<string, boolean> }[];
  schemesRegisteredBeforeReady: boolean;
  sandboxed: boolean;
  loaded: string[];
  webPreferences: Record<string, unknown>;
  preloadExists: boolean;
  page: { status: number; csp: string };
  escapeStatus: number;
  fromApp: boolean;
  fromFile: { ok: boolean; error?: { code: string } };
  fromOtherContents: boolean;
  navigation: Record<string, boolean>;
  permission: boolean;
  focusedBySecondLaunch: number;
  windowsAfterActivate: number;
  menus: number;
  welcome?: string;
  welcomeDetail?: string;
  afterWelcome?: string;
  errors: string[];
}

let outDir: string;
let work: string;
let report: Report;

beforeAll(async () => {
  outDir = await buildAppIntoTemp();
  work = mkdtempSync(join(tmpdir(), 'mot-main-'));
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      join(FIXTURES, 'electron-alias.mjs'),
      join(FIXTURES, 'run-main.mjs'),
      join(outDir, 'main', 'index.js'),
    ],
    {
      encoding: 'utf8',
      timeout: 90_000,
      env: {
        ...process.env,
        MOT_DATA_DIR: join(work, 'data'),
        FAKE_APPDATA: join(work, 'appdata'),
      },
    },
  );
  if (run.status !== 0) throw new Error(`main bundle run failed: ${run.stderr}`);
  report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Report;
}, 180_000);

afterAll(() => {
  for (const dir of [outDir, work]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the built main process', () => {
  it('keeps runs in MOT_DATA_DIR, like the CLI, and creates it on first start', () => {
    expect(report.catalogInDataDir).toBe(true);
    expect(report.userData).toBe(join(work, 'appdata', 'MoT Workbench'));
    expect(report.welcome).toBe('Welcome to MoT Workbench');
    expect(report.welcomeDetail).toContain(join(work, 'data'));
    expect(report.welcomeDetail).toMatch(/✓ wasm:/);
    expect(report.afterWelcome).toBe('Sample study created');
  });

  it('registers app:// as a privileged scheme before ready and loads the page from it', () => {
    expect(report.schemesRegisteredBeforeReady).toBe(true);
    expect(report.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(report.loaded[0]).toBe('app://workbench/index.html');
    expect(report.page).toEqual({
      status: 200,
      csp: contentSecurityPolicy({ dev: false, delivery: 'header' }),
    });
    expect(report.escapeStatus).toBe(403);
  });

  it('opens a sandboxed, isolated window with the built preload', () => {
    expect(report.sandboxed).toBe(true);
    expect(report.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
    });
    expect(report.preloadExists).toBe(true);
  });

  it('answers calls from its own page only', () => {
    expect(report.fromApp).toBe(true);
    expect(report.fromFile).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(report.fromOtherContents).toBe(false);
  });

  it('refuses navigation, redirects, frame navigation and permissions', () => {
    expect(report.navigation).toEqual({
      'will-navigate': true,
      'will-frame-navigate': true,
      'will-redirect': true,
    });
    expect(report.permission).toBe(false);
  });

  it('shows its window on a second launch, and makes one on macOS activate', () => {
    expect(report.focusedBySecondLaunch).toBe(1);
    expect(report.windowsAfterActivate).toBe(1);
    expect(report.loaded).toHaveLength(2);
    expect(report.menus).toBe(1);
    expect(report.errors).toEqual([]);
  });
});
