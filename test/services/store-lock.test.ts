/**
 * One writer at a time, with real processes: two stores in two processes change one catalog
 * at once and lose nothing; a writer SIGKILLed while it holds the data-dir lock blocks nobody
 * (its pid is gone), while a live holder makes others wait.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../src/services/store';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const freshDir = () => join(mkdtempSync(join(tmpdir(), 'mot-lock-')), 'data');

function startFixture(name: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, name), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name} exited early with ${code}`)));
  });
  return { child, exited, firstLine };
}

describe('data-dir lock', () => {
  it('two processes writing one catalog at once lose no change', async () => {
    const dataDir = freshDir();
    await RunStore.open(dataDir);
    const count = 40;
    const writers = ['a', 'b'].map((prefix) =>
      startFixture('store-settings-writer.ts', [dataDir, prefix, String(count)]),
    );
    await Promise.all(writers.map((w) => w.firstLine));
    writeFileSync(join(dataDir, 'go'), '');
    expect(await Promise.all(writers.map((w) => w.exited))).toEqual([0, 0]);
    const store = await RunStore.open(dataDir);
    const settings = store.settings();
    for (const prefix of ['a', 'b'])
      for (let i = 0; i < count; i += 1) expect(settings[`${prefix}-${i}`]).toBe(i);
    expect(store.openReport.recoveredRunIds).toEqual([]);
    expect(
      store
        .list()
        .map((run) => run.name)
        .sort(),
    ).toEqual(['a', 'b']);
  }, 60_000);

  it('a writer SIGKILLed while holding the lock blocks nobody; a live one makes others wait', async () => {
    const dataDir = freshDir();
    const store = await RunStore.open(dataDir);
    const holder = startFixture('store-lock-holder.ts', [dataDir]);
    await holder.firstLine;
    let written = false;
    const write = store.updateSettings({ after: 'kill' }).then(() => (written = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(written).toBe(false);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const killedAt = performance.now();
    await write;
    expect(performance.now() - killedAt).toBeLessThan(5_000);
    expect((await RunStore.open(dataDir)).settings()).toEqual({ after: 'kill' });
    expect(existsSync(join(dataDir, 'catalog.lock'))).toBe(false);
  }, 60_000);
});
