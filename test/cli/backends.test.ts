/**
 * `mot backends`: every backend, then the search for the torch engine's Python as Settings shows
 * it: the data dir's `pythonPath` setting asked first, each candidate with its source and its
 * torch or the reason it was rejected, without creating a data dir that is not there.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../src/services/store';
import { freshDir, mot } from './run-mot';

describe('mot backends', () => {
  it('reports the Python search, the setting first, and creates no data dir', () => {
    const dataDir = freshDir();
    const out = mot(['backends'], dataDir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^torch engine: (python \d|no Python with torch found)/m);
    expect(out.stdout).toMatch(/^[ *] PATH: python3?/m);
    expect(out.stdout).not.toMatch(/^[ *] setting:/m);
    expect(existsSync(dataDir)).toBe(false);
  }, 120_000);

  it('asks the data dir’s pythonPath setting first and says why it is no Python', async () => {
    const dataDir = freshDir();
    const store = await RunStore.open(dataDir);
    await store.updateSettings({ pythonPath: process.execPath });
    await store.flush();
    const out = mot(['backends', '--data-dir', dataDir]);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.split('\n');
    const search = lines.findIndex((line) => line.startsWith('torch engine: '));
    expect(lines[search + 1]).toMatch(
      new RegExp(`^  setting: ${process.execPath.replace(/[.\\/]/g, '\\$&')}: rejected: not a`),
    );
  }, 120_000);
});
