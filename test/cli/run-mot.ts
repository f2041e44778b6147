/** Runs the `mot` command as a user would: a real process, with an optional data dir. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOT = join(import.meta.dirname, '../../bin/mot.js');

export function mot(args: string[], dataDir?: string) {
  const env = { ...process.env, ...(dataDir ? { MOT_DATA_DIR: dataDir } : {}) };
  const out = spawnSync(process.execPath, [MOT, ...args], {
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** A data dir that does not exist yet, inside a fresh temporary folder. */
export const freshDir = () => join(mkdtempSync(join(tmpdir(), 'mot-cli-')), 'data');

/** The last line of stdout, parsed: the commands' JSON summary. */
export const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

export const metrics = (dataDir: string, runId: string) =>
  readFileSync(join(dataDir, 'runs', runId, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
