/**
 * Finds the built renderer for `mot serve`, building it first when it is missing or older than
 * its sources (a checkout after `npm ci` has no build yet).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root: this file lives in src/services/server. */
const ROOT = join(import.meta.dirname, '..', '..', '..');
export const RENDERER_OUT = join(ROOT, 'out', 'renderer');
/** What the renderer bundle is made of. */
const SOURCES = ['src/renderer', 'src/core'].map((dir) => join(ROOT, dir));

export function ensureRendererBuilt(log: (line: string) => void): string {
  const index = join(RENDERER_OUT, 'index.html');
  if (existsSync(index) && newestMtime(SOURCES) <= statSync(index).mtimeMs) return RENDERER_OUT;
  log('building the renderer (first start, or its sources changed)...');
  const viteBin = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const build = spawnSync(process.execPath, [viteBin, 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0 || !existsSync(index)) {
    throw new Error(
      `building the renderer failed: ${(build.stderr || build.stdout).trim().split('\n').at(-1)}`,
    );
  }
  return RENDERER_OUT;
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const info = statSync(path);
    if (info.isDirectory())
      newest = Math.max(newest, newestMtime(readdirSync(path).map((name) => join(path, name))));
    else newest = Math.max(newest, info.mtimeMs);
  }
  return newest;
}
