/**
 * One trainer per run, with real processes on one data dir, in both orders: a terminal's
 * `mot train` and a workbench (`mot serve`, the app). The live owner's run is never marked
 * interrupted, and starting or resuming it elsewhere is refused naming the owner; once the owner
 * is SIGKILLed, `mot runs` shows the run interrupted and `mot resume` finishes it, every step
 * trained exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../src/core/api/contract';
import type { RunRecord } from '../../src/core/api/run-record';
import { Workbench } from '../../src/services/workbench';
import { MOT, freshDir, lastJson, metrics } from '../cli/run-mot';

const SERVE_AND_TRAIN = join(import.meta.dirname, '../contract/fixtures/serve-and-train.ts');
const open: Workbench[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((workbench) => workbench.close()));
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** `mot ...` as a separate process, without blocking this one (its workbench keeps serving). */
function mot(args: string[], dataDir: string) {
  const child = spawn(process.execPath, [MOT, ...args], {
    env: { ...process.env, MOT_DATA_DIR: dataDir },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

async function until(check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function statusInCli(dataDir: string, runId: string): Promise<string> {
  const { code, stdout, stderr } = await mot(['runs', '--json'], dataDir).done;
  expect(code, stderr).toBe(0);
  return (JSON.parse(stdout) as RunRecord[]).find((run) => run.id === runId)!.status;
}

function error(result: ApiResult<unknown>): string {
  if (result.ok) throw new Error('expected the call to fail');
  return `${result.error.code}: ${result.error.message}`;
}

const trainSteps = (dataDir: string, runId: string) =>
  metrics(dataDir, runId)
    .filter((r) => r.type === 'train')
    .map((r) => r.step as number);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('one trainer per run', () => {
  it('mot train first: the app leaves its run running and refuses it; after SIGKILL, mot resume finishes it', async () => {
    const dataDir = freshDir();
    const steps = 200;
    const trainer = mot(['train', '--preset', 'smoke', '--steps', String(steps)], dataDir);
    const runsDir = join(dataDir, 'runs');
    let runId = '';
    await until(() => {
      runId = existsSync(runsDir)
        ? (readdirSync(runsDir).find((n) => !n.startsWith('.')) ?? '')
        : '';
      return runId !== '' && existsSync(join(runsDir, runId, 'checkpoints', 'step-00000020'));
    });
    const pid = trainer.child.pid!;

    const app = await Workbench.open(dataDir);
    open.push(app);
    expect(app.interruptedAtOpen).toEqual([]);
    expect(app.store.get(runId).status).toBe('running');
    expect(error(await app.handle('startRun', { runId }))).toMatch(
      new RegExp(`^conflict: run ${runId} is being trained by process ${pid} \\(mot train\\)`),
    );
    for (const method of ['pauseRun', 'stopRun'])
      expect(error(await app.handle(method, { runId }))).toMatch(/being trained by process/);
    const second = await mot(['resume', '--run', runId], dataDir).done;
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(new RegExp(`being trained by process ${pid} \\(mot train\\)`));
    await app.close();

    trainer.child.kill('SIGKILL');
    await trainer.done;
    expect(await statusInCli(dataDir, runId)).toBe('interrupted');
    const resumed = await mot(['resume', '--run', runId], dataDir).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', step: steps });
    expect(trainSteps(dataDir, runId)).toEqual(oneTo(steps));
    expect(existsSync(join(runsDir, runId, 'owner.json'))).toBe(false);
  }, 240_000);

  it('the server first: mot resume and a second workbench refuse its run; after SIGKILL, mot resume finishes it', async () => {
    const dataDir = freshDir();
    const steps = 1000;
    const server = spawn(
      process.execPath,
      ['--import', 'tsx', SERVE_AND_TRAIN, dataDir, String(steps)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(server);
    const exited = new Promise((resolve) => server.once('exit', resolve));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', resolve);
      server.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
    });
    const { runId, trainerPid } = JSON.parse(line) as { runId: string; trainerPid: number };

    const refused = await mot(['resume', '--run', runId], dataDir).done;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      new RegExp(`being trained by process ${server.pid} \\(mot serve\\)`),
    );
    expect(await statusInCli(dataDir, runId)).toBe('running');
    const other = await Workbench.open(dataDir);
    open.push(other);
    expect(other.interruptedAtOpen).toEqual([]);
    expect(error(await other.handle('startRun', { runId }))).toMatch(/being trained by process/);
    await other.close();

    server.kill('SIGKILL');
    await exited;
    // The orphaned trainer exits on its own; until then it still counts as the owner.
    await until(() => !isAlive(trainerPid), 20_000);
    expect(await statusInCli(dataDir, runId)).toBe('interrupted');
    const resumed = await mot(['resume', '--run', runId], dataDir).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', step: steps });
    expect(trainSteps(dataDir, runId)).toEqual(oneTo(steps));
  }, 240_000);
});
