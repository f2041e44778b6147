/**
 * Builds the desktop app (main, preload, renderer) with the project's own electron-vite config
 * into a fresh temporary folder, so a test checks what the sources say now and never races other
 * suites over out/. The folder sits under node_modules/.cache so that the main bundle's package
 * imports (tfjs, lowdb, valibot) resolve as they do from out/.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'electron-vite';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** Returns the folder holding main/, preload/ and renderer/. */
export async function buildAppIntoTemp(): Promise<string> {
  const cache = join(REPO_ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'mot-built-app-'));
  await build({ root: REPO_ROOT, logLevel: 'warn', build: { outDir } });
  return outDir;
}
