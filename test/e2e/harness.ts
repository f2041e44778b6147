/**
 * End-to-end harness: a real `mot serve` process on a temporary data dir, and Debian's Chromium
 * driven by playwright-core (the npm packages cannot download browsers here). Tests skip with the
 * reason when Chromium is absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const CHROMIUM = process.env.MOT_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM)
  ? null
  : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
const MOT = join(import.meta.dirname, '../../bin/mot.js');
export const ARTIFACTS = join(import.meta.dirname, '../../test-results');

export interface Served {
  url: string;
  dataDir: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Temporary folders made for data dirs, removed by removeTemporaryDataDirs(). */
const temporaryRoots = new Set<string>();

/**
 * Starts `mot serve` on a free port (on a new temporary data dir unless one is given) and
 * resolves with the URL it prints.
 */
export async function serve(dataDir?: string): Promise<Served> {
  if (dataDir === undefined) {
    const root = mkdtempSync(join(tmpdir(), 'mot-e2e-'));
    temporaryRoots.add(root);
    dataDir = join(root, 'data');
  }
  const child = spawn(process.execPath, [MOT, 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.startsWith('http://'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`mot serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    dataDir,
    process: child,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** What servedApp() gives the tests of one describe block, once its beforeAll has run. */
export interface ServedApp {
  readonly browser: Browser;
  readonly server: Served;
}

/**
 * Chromium and a `mot serve` on a new data dir for the tests of the describe block it is called
 * in: both start before the first test (the server builds the renderer first where its sources
 * changed) and stop after the last, their data dirs removed.
 */
export function servedApp(): ServedApp {
  const served = {} as { browser: Browser; server: Served };
  beforeAll(async () => {
    [served.browser, served.server] = await Promise.all([openBrowser(), serve()]);
  }, 240_000);
  afterAll(async () => {
    await served.browser?.close();
    await served.server?.stop();
    removeTemporaryDataDirs();
  });
  return served;
}

/** Deletes the data dirs serve() made, once their servers are stopped; MOT_E2E_KEEP=1 keeps them. */
export function removeTemporaryDataDirs(): void {
  if (process.env.MOT_E2E_KEEP) {
    console.info(`[test/e2e] kept data dirs: ${[...temporaryRoots].join(', ')}`);
    return;
  }
  for (const root of temporaryRoots) rmSync(root, { recursive: true, force: true });
  temporaryRoots.clear();
}

export async function openBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Saves a full-page screenshot under test-results/ (kept as a CI artifact). The app scrolls inside
 * <main>, not the document, so the viewport grows to the view's height for the shot.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.querySelector('main')?.scrollHeight ?? 0);
  const grow = viewport !== null && height > viewport.height;
  if (grow) await page.setViewportSize({ width: viewport.width, height: Math.min(height, 8000) });
  await page.screenshot({ path, fullPage: true });
  if (grow) await page.setViewportSize(viewport);
  return path;
}
