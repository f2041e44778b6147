/**
 * Ctrl-C in the terminal running `npm start` (or `mot serve`) sends SIGINT to the whole process
 * group: the shell and every training process it started. Each run must end `stopped` with a final
 * checkpoint, as when the user presses Stop, not `failed` because its process died first.
 * Plain Node, the real trainer-process entry; the Electron utility process runs the same code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../src/services/store';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'shell-training.ts');

async function interruptGroup(signal: NodeJS.Signals) {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'mot-signal-')), 'data');
  // detached: its own process group, as a terminal gives `npm start` one.
  const shell = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => shell.once('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: shell.stdout! }).once('line', resolve);
    shell.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
  });
  const { runId } = JSON.parse(line) as { runId: string; trainerPid: number };
  process.kill(-shell.pid!, signal);
  const code = await exited;
  const store = await RunStore.open(dataDir);
  return { code, record: store.get(runId), checkpoints: store.listCheckpoints(runId) };
}

// Windows has neither process groups a signal reaches nor SIGINT between processes.
describe.skipIf(process.platform === 'win32')('a signal to the whole process group', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s stops the run with a final checkpoint instead of failing it',
    async (signal) => {
      const { code, record, checkpoints } = await interruptGroup(signal);
      expect(code).toBe(0);
      expect(record.error).toBeUndefined();
      expect(record.status).toBe('stopped');
      expect(checkpoints.length).toBe(1);
      expect(checkpoints[0]).toBeGreaterThanOrEqual(3);
      expect(record.lastStep).toBe(checkpoints[0]);
    },
  );
});
