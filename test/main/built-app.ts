/**
 * Builds the desktop app (main, preload, renderer) with the project's own electron-vite config
 * into a fresh temporary folder, so a test checks what the sources say now and never races other
 * suites over out/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'electron-vite';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** Returns the folder holding main/, preload/ and renderer/. */
export async function buildAppIntoTemp(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'mot-built-app-'));
  await build({ root: REPO_ROOT, logLevel: 'warn', build: { outDir } });
  return outDir;
}
