/**
 * The run manager: a queue of runs and a limit on how many train at once (the concurrency
 * setting, default 1), each in its own process. It is the only writer of the runs' catalog
 * records while they train: the children send patches, it writes them and announces status
 * changes. A process that dies without reporting (SIGKILL, a native abort, out of memory) fails
 * its run with what it left on stderr, and nothing else.
 *
 * Ownership: a run is claimed for this process (store.owners) when it is queued and released
 * once its final status is written, so no other process trains it meanwhile; a run another
 * live process owns cannot be queued here.
 *
 * A paused run keeps its process (and its slot): pause holds the model and optimizer state in
 * memory, which is what makes resume exact without a checkpoint.
 */
import { WorkbenchError } from '../../core/api/contract';
import type { Emit } from '../events';
import type { RunPatch, RunRecord, RunStatus, RunStore } from '../store';
import { ActiveRun } from './active-run';
import type { TrainerExit, TrainerLauncher } from './launcher';
import type { ChildMessage } from './protocol';

export interface RunManagerOptions {
  launcher: TrainerLauncher;
  /** How many runs train at once (at least 1). */
  concurrency: number;
  /** How long stopRun waits for the final checkpoint before it kills the process. */
  stopGraceMs: number;
  /** How long close() waits for each run to stop before it kills the process. */
  shutdownGraceMs: number;
  /** What this process is, for other processes' messages about the runs it owns. */
  ownerRole?: string;
}

/** Statuses no process works on: the run is released when it reaches one. */
const SETTLED: ReadonlySet<RunStatus> = new Set(['completed', 'stopped', 'failed', 'interrupted']);

export class RunManager {
  private readonly queue: string[] = [];
  private readonly enqueuing = new Set<string>();
  private readonly active = new Map<string, ActiveRun>();
  private closing = false;

  constructor(
    private readonly store: RunStore,
    private readonly emit: Emit,
    private options: RunManagerOptions,
  ) {}

  get concurrency(): number {
    return this.options.concurrency;
  }

  setConcurrency(concurrency: number): void {
    this.options = { ...this.options, concurrency: Math.max(1, Math.floor(concurrency)) };
    this.pump();
  }

  isQueued(runId: string): boolean {
    return this.enqueuing.has(runId) || this.queue.includes(runId);
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** The training process of a run, for diagnostics. */
  processId(runId: string): number | undefined {
    return this.active.get(runId)?.channel.pid;
  }

  /** Queues a run (status `queued`); it starts, resuming from its last checkpoint, when a slot frees. */
  async enqueue(runId: string): Promise<RunRecord> {
    if (this.closing) throw new WorkbenchError('conflict', 'the workbench is shutting down');
    if (this.isQueued(runId) || this.isActive(runId))
      throw new WorkbenchError('conflict', `run ${runId} is already queued or training`);
    // Claimed before the first await, so two quick starts cannot queue a run twice.
    this.enqueuing.add(runId);
    let record: RunRecord;
    try {
      await this.store.owners.claim(runId, this.options.ownerRole ?? 'a workbench');
      record = await this.update(runId, { status: 'queued', error: undefined }).catch(
        async (error: unknown) => {
          await this.store.owners.release(runId);
          throw error;
        },
      );
    } finally {
      this.enqueuing.delete(runId);
    }
    this.queue.push(runId);
    this.pump();
    return record;
  }

  async pause(runId: string): Promise<RunRecord> {
    const run = this.requireActive(runId, 'pause');
    if (run.paused) throw new WorkbenchError('conflict', `run ${runId} is already paused`);
    run.paused = true;
    run.send({ type: 'pause' });
    // A paused run may sit for hours: its record should say how long it has trained so far.
    const elapsed = run.elapsedMs;
    return run.serialize(() =>
      this.update(runId, {
        status: 'paused',
        ...(elapsed !== undefined && { elapsedMs: elapsed }),
      }),
    );
  }

  async resume(runId: string): Promise<RunRecord> {
    const run = this.requireActive(runId, 'resume');
    if (!run.paused) throw new WorkbenchError('conflict', `run ${runId} is not paused`);
    run.paused = false;
    run.send({ type: 'resume' });
    return run.serialize(() => this.update(runId, { status: 'running' }));
  }

  /**
   * A queued run leaves the queue; a training one ends after its current step with a final
   * checkpoint. Resolves with the record once the run has stopped.
   */
  async stop(runId: string): Promise<RunRecord> {
    const queued = this.queue.indexOf(runId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return this.update(runId, { status: 'stopped' });
    }
    const run = this.active.get(runId);
    if (run === undefined)
      throw new WorkbenchError('conflict', `run ${runId} is neither queued nor training`);
    // Stopping twice waits for the same end.
    if (!run.stopping) this.requestStop(run, this.options.stopGraceMs, 'stop-timeout');
    await run.finished;
    return this.store.get(runId);
  }

  /**
   * Stops every run (final checkpoints), killing any that does not stop within the shutdown
   * grace; queued runs stay `queued` on disk and become `interrupted` at the next open.
   */
  async close(): Promise<void> {
    this.closing = true;
    // Queued runs stay `queued` on disk without an owner: the next open finds them interrupted.
    for (const runId of this.queue.splice(0)) await this.store.owners.release(runId);
    const runs = [...this.active.values()];
    for (const run of runs) this.requestStop(run, this.options.shutdownGraceMs, 'shutdown');
    await Promise.all(runs.map((run) => run.finished));
    await this.store.flush();
  }

  private requestStop(run: ActiveRun, graceMs: number, reason: 'stop-timeout' | 'shutdown'): void {
    run.stopping = true;
    run.send({ type: 'stop' });
    run.killAfter(graceMs, reason);
  }

  /** The run's process, if it is still training and not on its way out; else a conflict. */
  private requireActive(runId: string, action: string): ActiveRun {
    const run = this.active.get(runId);
    if (run === undefined || run.stopping || run.reported) {
      throw new WorkbenchError(
        'conflict',
        `cannot ${action} run ${runId}: it is not training (status ${this.store.get(runId).status})`,
      );
    }
    return run;
  }

  /** Starts queued runs while slots are free. */
  private pump(): void {
    while (!this.closing && this.active.size < this.options.concurrency) {
      const runId = this.queue.shift();
      if (runId === undefined) return;
      this.launch(runId);
    }
  }

  private launch(runId: string): void {
    let run: ActiveRun;
    try {
      run = new ActiveRun(runId, this.options.launcher(runId));
    } catch (error) {
      const message = `could not start a training process: ${errorMessage(error)}`;
      void this.update(runId, { status: 'failed', error: message }).catch(() => {});
      return;
    }
    this.active.set(runId, run);
    // Taken from us (we were judged dead): stop training it and write nothing more about it.
    this.store.owners.onLost(runId, () => {
      run.killedFor = 'lost';
      run.channel.kill('SIGKILL');
    });
    void run.serialize(() => this.update(runId, { status: 'running' }));
    run.channel.onMessage((message) => this.onMessage(run, message));
    run.channel.onExit((exit) => void this.onExit(run, exit));
  }

  private onMessage(run: ActiveRun, message: ChildMessage): void {
    const { runId } = run;
    switch (message.type) {
      case 'ready': {
        // The child's pid counts as the owner too: it outlives us for a moment if we are killed.
        // (Read now: Electron's utility process knows its pid only once it has spawned.)
        const { pid } = run.channel;
        if (pid !== undefined) void run.serialize(() => this.store.owners.setTrainer(runId, pid));
        // Every run resumes from its last checkpoint when it has one (a fork, a stopped run).
        run.becomeReady({
          type: 'start',
          dataDir: this.store.dataDir,
          runId,
          resume: true,
          concurrentRuns: this.options.concurrency,
        });
        return;
      }
      case 'progress':
        run.elapsedMs = message.records.at(-1)?.elapsedMs ?? run.elapsedMs;
        this.emit('runProgress', { runId, records: message.records });
        return;
      case 'log':
        this.emit('runLog', { runId, line: message.line });
        return;
      case 'patch':
        if (run.killedFor === 'lost') return;
        void run.serialize(() => this.update(runId, this.adjust(run, message.patch)));
        return;
      case 'done':
        run.reported = true;
        run.channel.send({ type: 'exit' });
        return;
      case 'failed':
        run.reported = true;
        void run.serialize(() => this.fail(runId, message.message));
        run.channel.send({ type: 'exit' });
        return;
    }
  }

  /** A child reports `running` when it starts training; a pause asked for meanwhile wins. */
  private adjust(run: ActiveRun, patch: RunPatch): RunPatch {
    if (patch.status === 'running' && run.paused) return { ...patch, status: 'paused' };
    return patch;
  }

  private async onExit(run: ActiveRun, exit: TrainerExit): Promise<void> {
    const { runId } = run;
    await run
      .serialize(async () => {
        if (run.killedFor === 'lost') {
          await this.log(runId, 'training process killed: another process took this run over');
          return;
        }
        if (run.reported) return;
        if (run.killedFor !== undefined) {
          // Killed by us after it did not stop in time: the last checkpoint stands.
          const status = run.killedFor === 'shutdown' ? 'interrupted' : 'stopped';
          await this.log(runId, `training process killed: it did not stop in time (${status})`);
          await this.update(runId, { status });
          return;
        }
        await this.fail(runId, describeExit(exit));
      })
      .catch(() => {});
    if (run.killedFor !== 'lost') await this.store.owners.release(runId).catch(() => {});
    this.active.delete(runId);
    run.settle();
    this.pump();
  }

  /** Fails a run (unless the child already did, with the same news) and logs why. */
  private async fail(runId: string, message: string): Promise<void> {
    const current = this.store.get(runId);
    if (current.status === 'failed' && current.error === message) return;
    await this.log(runId, `failed: ${message}`);
    await this.update(runId, { status: 'failed', error: message });
  }

  private async log(runId: string, message: string): Promise<void> {
    const line = `${new Date().toISOString()} ${message}`;
    await this.store.appendLog(runId, line);
    this.emit('runLog', { runId, line });
  }

  /**
   * Writes a patch and announces a status change. A run that reached a final status is given
   * up before anyone hears of it, so whoever reacts to the news may claim it at once.
   */
  private async update(runId: string, patch: RunPatch): Promise<RunRecord> {
    const before = this.store.get(runId).status;
    const record = await this.store.update(runId, patch);
    if (SETTLED.has(record.status)) await this.store.owners.release(runId);
    if (record.status !== before) {
      this.emit('runStatus', {
        runId,
        status: record.status,
        ...(record.error !== undefined && { error: record.error }),
        record,
      });
    }
    return record;
  }
}

/** A one-line reason for a process that ended without reporting. */
export function describeExit(exit: TrainerExit): string {
  const how =
    exit.signal !== null
      ? `was killed by signal ${exit.signal}`
      : `exited with code ${exit.code ?? 'unknown'}`;
  const lastLine = exit.stderrTail
    ?.split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
  return `the training process ${how}${lastLine !== undefined ? `: ${lastLine}` : ''}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
