/**
 * `mot train ... | head`: the reader closes the pipe while the run trains. The process must not
 * die on EPIPE: the run stops after its step with a checkpoint (as on Ctrl-C), never left
 * "running". Real pipes, closed by the test the way `head` closes them: by going away.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freshDir, MOT, mot } from './run-mot';

/** Starts `mot train`, and once `closeAfter` has printed on stderr, closes our end of both pipes. */
async function trainThenCloseOutput(dataDir: string, closeAfter: RegExp) {
  const child = spawn(process.execPath, [MOT, 'train', '--preset', 'smoke', '--steps', '150'], {
    env: { ...process.env, MOT_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      seen += String(chunk);
      if (closeAfter.test(seen)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`mot train ended (${code}) first:\n${seen}`)));
  });
  child.stdout.destroy();
  child.stderr.destroy();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code };
}

describe('mot train whose output is closed early', () => {
  it('ends the run stopped with a checkpoint, not running', async () => {
    const dataDir = freshDir();
    const { code } = await trainThenCloseOutput(dataDir, /step \d+\/150/);
    expect(code).toBe(0);
    const [run] = JSON.parse(mot(['runs', '--json'], dataDir).stdout) as {
      id: string;
      status: string;
      lastStep: number;
    }[];
    expect(['stopped', 'completed']).toContain(run.status);
    expect(run.lastStep).toBeGreaterThan(0);
    // It resumes from that checkpoint and finishes.
    const resumed = mot(['resume', '--run', run.id], dataDir);
    expect(resumed.stderr).toMatch(
      new RegExp(`resuming from the checkpoint at step ${run.lastStep}`),
    );
    expect(resumed.code).toBe(0);
  });
});
