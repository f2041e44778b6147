/**
 * What the end-to-end suites do to the workbench UI (through its data-testid attributes) and
 * what they read back from a run's folder, so each test reads as the flow it checks. Every wait
 * is for an event (a selector, a status, a number that moves), never a fixed sleep.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Generous: two cores, and another training job may be running beside the tests. */
export const WAIT_MS = 90_000;

export interface OpenedPage {
  page: Page;
  /** Uncaught exceptions in the page: a test that ends with any is reporting a UI bug. */
  errors: string[];
}

/** A new tab on the served app, once the workbench has connected and drawn its navigation. */
export async function openApp(
  browser: Browser,
  url: string,
  colorScheme: 'light' | 'dark' = 'light',
): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme });
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.getByTestId('nav-runs').waitFor();
  return { page, errors };
}

/** `model.mot.groupSize` -> the form's `field-model-mot-groupSize` input. */
export function field(page: Page, path: string) {
  return page.getByTestId(`field-${path.replaceAll('.', '-')}`);
}

export async function fillFields(page: Page, values: Record<string, string | number>) {
  for (const [path, value] of Object.entries(values)) await field(page, path).fill(String(value));
}

/** Waits for the calculator to accept the form (no problems, launch enabled), then launches. */
export async function launch(page: Page): Promise<string> {
  await page.getByTestId('issue-count').waitFor({ state: 'detached' });
  await page.locator('[data-testid=launch-button]:not([disabled])').click();
  await page.waitForURL(/#\/run\/[^/]+\/monitor$/);
  return runIdOf(page);
}

export function runIdOf(page: Page): string {
  const match = /#\/run\/([^/]+)\//.exec(page.url());
  if (!match) throw new Error(`not on a run page: ${page.url()}`);
  return decodeURIComponent(match[1]);
}

/** The run page's status badge reaches `status`. */
export async function waitForStatus(page: Page, status: string, timeout = WAIT_MS) {
  await page.waitForSelector(`[data-testid=run-status][data-status=${status}]`, { timeout });
}

/** The run table's badge for one run. */
export function tableStatus(page: Page, runId: string) {
  return page
    .locator(`[data-testid=run-row][data-run-id="${runId}"]`)
    .getByTestId('status-badge')
    .getAttribute('data-status');
}

/** The step the run page's progress bar shows (its title reads "12 of 400 steps"). */
export async function shownStep(page: Page): Promise<number> {
  const title = (await page.locator('header .progress').getAttribute('title')) ?? '';
  const match = /^(\d+) of \d+ steps$/.exec(title);
  if (!match) throw new Error(`unexpected progress title: ${title}`);
  return Number(match[1]);
}

/** Resolves with the shown step once it has not moved for `quietMs`. */
export async function settledStep(page: Page, quietMs = 2000): Promise<number> {
  const deadline = Date.now() + WAIT_MS;
  let step = await shownStep(page);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`step still moving after ${WAIT_MS} ms`);
    await page.waitForTimeout(200);
    const now = await shownStep(page);
    if (now !== step) [step, since] = [now, Date.now()];
  }
  return step;
}

/**
 * Pixels of one CSS colour on a canvas (anti-aliased edges aside), and the rightmost of them,
 * looking only at the left `leftShare` of its width.
 */
export async function colourOnCanvas(
  page: Page,
  testid: string,
  colour: string,
  leftShare = 1,
): Promise<{ right: number; pixels: number }> {
  return page.getByTestId(testid).evaluate(
    (element, [css, share]) => {
      const canvas = element as HTMLCanvasElement;
      const probe = document.createElement('canvas').getContext('2d')!;
      probe.fillStyle = css;
      probe.fillRect(0, 0, 1, 1);
      const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      let right = -1;
      let pixels = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width * share; x++) {
          const i = (y * width + x) * 4;
          const distance =
            Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
          if (data[i + 3] > 200 && distance < 40) {
            pixels++;
            right = Math.max(right, x);
          }
        }
      }
      return { right, pixels };
    },
    [colour, leftShare] as const,
  );
}

/**
 * How far right the smoothed train curve (`--chart-train`) reaches on the loss chart, left of
 * the legend at the top right. The x axis spans the whole run, so this grows as steps arrive.
 */
export async function lossCurveReach(page: Page): Promise<{ right: number; pixels: number }> {
  const train = await page.evaluate(() =>
    getComputedStyle(document.documentElement).getPropertyValue('--chart-train').trim(),
  );
  return colourOnCanvas(page, 'loss-chart', train, 0.8);
}

/** Distinct colours on a canvas and how many pixels are not the background (top-left) colour. */
export async function canvasInk(page: Page, testid: string) {
  return page.getByTestId(testid).evaluate((element) => {
    const canvas = element as HTMLCanvasElement;
    const { width, height } = canvas;
    const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    const colours = new Set<number>();
    let ink = 0;
    const background = data.slice(0, 4).join();
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (data.slice(i, i + 4).join() !== background) ink++;
    }
    return { width, height, colours: colours.size, ink };
  });
}

/** Moves the mouse across a heatmap's first row until its tooltip shows, and returns the tip. */
export async function heatmapTip(page: Page, testid: string): Promise<string> {
  const canvas = page.getByTestId(testid);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  if (!box) throw new Error(`${testid} is not visible`);
  // Row 0 sits under an 18 px header of column labels; cells are 22 px high.
  const y = box.y + 18 + 11;
  for (let x = box.x + 4; x < box.x + box.width; x += 8) {
    await page.mouse.move(x, y);
    const tip = page.locator('.heatmap .tip');
    if ((await tip.count()) > 0) return (await tip.innerText()).trim();
  }
  throw new Error(`no tooltip anywhere on the first row of ${testid}`);
}

// ---- the run's folder, as the store writes it (README "Where runs live") ----

export function runDir(dataDir: string, runId: string): string {
  return join(dataDir, 'runs', runId);
}

/** Steps with a finished checkpoint folder (temporary ones start with a dot). */
export function checkpointSteps(dataDir: string, runId: string): number[] {
  const dir = join(runDir(dataDir, runId), 'checkpoints');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^step-(\d+)$/.exec(name)?.[1])
    .filter((step): step is string => step !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The step of every train record in metrics.jsonl, in file order. */
export function trainedSteps(dataDir: string, runId: string): number[] {
  const file = join(runDir(dataDir, runId), 'metrics.jsonl');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { type: string; step: number })
    .filter((record) => record.type === 'train')
    .map((record) => record.step);
}

export function runLog(dataDir: string, runId: string): string {
  return readFileSync(join(runDir(dataDir, runId), 'log.txt'), 'utf8');
}

/** Processes whose parent is `pid` (Linux /proc; empty elsewhere). */
export function childProcesses(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Gone, or a zombie nobody has reaped yet: either way it runs no more. */
export function processEnded(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Asserts that no uncaught exception reached the page. */
export function expectNoPageErrors(opened: OpenedPage): void {
  expect(opened.errors, 'uncaught exceptions in the page').toEqual([]);
}
