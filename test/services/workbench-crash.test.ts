/**
 * Crashes, for real: a training process killed mid-run fails that run only; a stuck one is
 * killed after the stop grace period; and when the serving process itself is SIGKILLed, the
 * next Workbench finds the run interrupted (once) and resumes it from its last checkpoint.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResult, Events } from '../../src/core/api/contract';
import type { RunRecord } from '../../src/core/api/run-record';
import type { MetricRecord } from '../../src/core/train/metrics';
import { Workbench } from '../../src/services/workbench';

const FIXTURE = join(import.meta.dirname, '../contract/fixtures/serve-and-train.ts');
const freshDir = () => join(mkdtempSync(join(tmpdir(), 'mot-crash-')), 'data');
const open: Workbench[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((workbench) => workbench.close()));
});

async function openWorkbench(dataDir: string, options: Parameters<typeof Workbench.open>[1] = {}) {
  const workbench = await Workbench.open(dataDir, options);
  open.push(workbench);
  return workbench;
}

function value<T>(result: ApiResult<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

async function createSmoke(workbench: Workbench, train: Record<string, number>): Promise<string> {
  return value<RunRecord>(
    await workbench.handle('createRun', { preset: 'smoke', config: { train } }),
  ).id;
}

function statusOf(
  workbench: Workbench,
  runId: string,
  wanted: string,
): Promise<Events['runStatus']> {
  return new Promise((resolve) => {
    const off = workbench.on('runStatus', (event) => {
      if (event.runId === runId && event.status === wanted) {
        off();
        resolve(event);
      }
    });
  });
}

function progressPast(workbench: Workbench, runId: string, step: number): Promise<void> {
  return new Promise((resolve) => {
    const off = workbench.on('runProgress', (event) => {
      if (event.runId === runId && event.records.some((r) => r.step >= step)) {
        off();
        resolve();
      }
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function trainSteps(workbench: Workbench, runId: string): Promise<number[]> {
  const { records } = value<{ records: MetricRecord[] }>(
    await workbench.handle('readMetrics', { runId }),
  );
  return records.filter((r) => r.type === 'train').map((r) => r.step);
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('crashes', () => {
  it('a training process killed with SIGKILL fails its run only; another run still completes', async () => {
    const workbench = await openWorkbench(freshDir(), { concurrency: 2 });
    const victim = await createSmoke(workbench, { steps: 5000, checkpointEvery: 10 });
    const survivor = await createSmoke(workbench, { steps: 60 });
    const failed = statusOf(workbench, victim, 'failed');
    const completed = statusOf(workbench, survivor, 'completed');
    value(await workbench.handle('startRun', { runId: victim }));
    value(await workbench.handle('startRun', { runId: survivor }));
    await progressPast(workbench, victim, 12);
    process.kill(workbench.trainerProcessId(victim)!, 'SIGKILL');

    const failure = await failed;
    expect(failure.error).toMatch(/training process was killed by signal SIGKILL/);
    expect(failure.record.status).toBe('failed');
    await completed;
    expect(await trainSteps(workbench, survivor)).toEqual(oneTo(60));
    const runs = value<RunRecord[]>(await workbench.handle('listRuns', {}));
    expect(runs.find((r) => r.id === victim)?.error).toBe(failure.error);

    // A failed run starts again from its last checkpoint.
    const running = statusOf(workbench, victim, 'running');
    value(await workbench.handle('startRun', { runId: victim }));
    await running;
    await progressPast(workbench, victim, 11);
    const stopped = value<RunRecord>(await workbench.handle('stopRun', { runId: victim }));
    expect(stopped.status).toBe('stopped');
    expect(stopped.error).toBeUndefined();
  });

  it('a training process that stops responding is killed after the stop grace period', async () => {
    const workbench = await openWorkbench(freshDir(), { stopGraceMs: 1000 });
    const runId = await createSmoke(workbench, { steps: 5000, checkpointEvery: 10 });
    value(await workbench.handle('startRun', { runId }));
    await progressPast(workbench, runId, 12);
    const pid = workbench.trainerProcessId(runId)!;
    process.kill(pid, 'SIGSTOP'); // frozen: it cannot answer `stop`
    const started = performance.now();
    const stopped = value<RunRecord>(await workbench.handle('stopRun', { runId }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(stopped.status).toBe('stopped');
    expect(isAlive(pid)).toBe(false);
    expect(
      value<{ checkpoints: number[] }>(await workbench.handle('getRun', { runId })).checkpoints
        .length,
    ).toBeGreaterThan(0);
  });

  it('after the serving process is SIGKILLed mid-run, the run is interrupted (once) and resumes from its last checkpoint', async () => {
    const dataDir = freshDir();
    const steps = 80;
    const server = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir, String(steps)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => server.once('exit', resolve));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', resolve);
      server.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
    });
    const { runId, trainerPid } = JSON.parse(line) as { runId: string; trainerPid: number };
    server.kill('SIGKILL');
    await exited;
    // The orphaned trainer notices its parent is gone and exits on its own.
    await expect.poll(() => isAlive(trainerPid), { timeout: 15_000 }).toBe(false);

    const first = await openWorkbench(dataDir);
    expect(first.interruptedAtOpen).toEqual([runId]);
    const detail = value<{ record: RunRecord; checkpoints: number[] }>(
      await first.handle('getRun', { runId }),
    );
    expect(detail.record.status).toBe('interrupted');
    const lastCheckpoint = detail.checkpoints.at(-1)!;
    expect(lastCheckpoint).toBeGreaterThanOrEqual(20);
    // The record shows where the run resumes from, even if its last progress was lost.
    expect(detail.record.lastStep).toBe(lastCheckpoint);
    expect(detail.record.tokensSeen).toBeGreaterThan(0);
    await first.close();

    const second = await openWorkbench(dataDir);
    expect(second.interruptedAtOpen).toEqual([]);
    const again = value<{ record: RunRecord }>(await second.handle('getRun', { runId }));
    expect(again.record).toEqual(detail.record);

    const logs: string[] = [];
    second.on('runLog', (event) => logs.push(event.line));
    const completed = statusOf(second, runId, 'completed');
    value(await second.handle('startRun', { runId }));
    await completed;
    expect(logs.some((l) => l.includes(`resume from step ${lastCheckpoint}`))).toBe(true);
    expect(await trainSteps(second, runId)).toEqual(oneTo(steps));
  });
});
