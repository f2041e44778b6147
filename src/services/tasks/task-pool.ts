/**
 * Runs tasks (generation, the backend probe) in task processes, so the serving thread only
 * passes messages: a long generation never delays another call, and a native abort in tfjs
 * ends that process, not the app. One process is kept warm between jobs (starting one loads
 * tfjs: about a second); a job that finds it busy gets a process of its own. Cancelling a job
 * kills its process, since generation is a synchronous loop that cannot be interrupted inside.
 */
import { WorkbenchError, type ApiResult } from '../../core/api/contract';
import type { ProcessChannel, TrainerExit } from '../run-manager/launcher';
import type { TaskBody, TaskReply, TaskRequest } from './protocol';

export type TaskChannel = ProcessChannel<TaskRequest, TaskReply>;
/** Starts one task process running `src/services/tasks/task-process.ts` (or its build). */
export type TaskLauncher = () => TaskChannel;

/** How long a warm process waits for the next job before it exits. */
const IDLE_EXIT_MS = 60_000;

interface Worker {
  channel: TaskChannel;
  ready: Promise<void>;
  /** Exited, or killed and about to: takes no more jobs. */
  gone: boolean;
  idleTimer?: NodeJS.Timeout;
}

interface Job {
  worker: Worker;
  type: TaskBody['type'];
  cancelKey?: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class TaskPool {
  private warm: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private readonly byCancelKey = new Map<string, number>();
  private nextId = 1;
  private closed = false;
  /** The backend probe, and the Python setting it was probed with. */
  private backends: { pythonPath?: string; probe: Promise<unknown> } | undefined;

  constructor(private readonly launcher: TaskLauncher) {}

  /**
   * Runs one job and resolves with its value, or rejects with its WorkbenchError. `cancelKey`
   * names it for cancel(); two running jobs may not share one (conflict).
   */
  async run(task: TaskBody, cancelKey?: string): Promise<unknown> {
    if (this.closed) throw new WorkbenchError('failed', 'the workbench is closed');
    if (cancelKey !== undefined && this.byCancelKey.has(cancelKey))
      throw new WorkbenchError(
        'conflict',
        `a ${what(task.type)} with id "${cancelKey}" is already running`,
      );
    const worker = this.takeWorker();
    const id = this.nextId++;
    const done = new Promise<unknown>((resolve, reject) => {
      this.jobs.set(id, { worker, type: task.type, cancelKey, resolve, reject });
    });
    if (cancelKey !== undefined) this.byCancelKey.set(cancelKey, id);
    // It may be answered (canceled, closed, crashed) before the process is ready: not unhandled.
    done.catch(() => {});
    await worker.ready;
    worker.channel.send({ ...task, id } as TaskRequest);
    return done;
  }

  /**
   * The backend probe, run once per pool and Python setting (what loads does not change while
   * the app runs; the torch line follows the setting).
   */
  probeBackends(pythonPath?: string): Promise<unknown> {
    if (this.backends !== undefined && this.backends.pythonPath === pythonPath)
      return this.backends.probe;
    const entry = {
      pythonPath,
      probe: this.run({ type: 'probeBackends', pythonPath }).catch((error: unknown) => {
        if (this.backends === entry) this.backends = undefined;
        throw error;
      }),
    };
    this.backends = entry;
    return entry.probe;
  }

  /** Probes the backends again at the next probeBackends (Python was installed or chosen). */
  forgetBackends(): void {
    this.backends = undefined;
  }

  /** Cancels the job named `cancelKey`: it rejects with `canceled`. False when none runs. */
  cancel(cancelKey: string): boolean {
    const id = this.byCancelKey.get(cancelKey);
    const job = id === undefined ? undefined : this.jobs.get(id);
    if (id === undefined || job === undefined) return false;
    this.finish(id, () =>
      job.reject(new WorkbenchError('canceled', `the ${what(job.type)} was canceled`)),
    );
    this.retire(job.worker, 'SIGKILL');
    return true;
  }

  /** Ends every task process; running jobs reject. */
  close(): void {
    this.closed = true;
    for (const [id, job] of this.jobs) {
      this.finish(id, () => job.reject(new WorkbenchError('failed', 'the workbench is closed')));
      this.retire(job.worker, 'SIGKILL');
    }
    if (this.warm) this.retire(this.warm);
  }

  private takeWorker(): Worker {
    const warm = this.warm;
    if (warm && !warm.gone && !this.isBusy(warm)) {
      clearTimeout(warm.idleTimer);
      return warm;
    }
    const worker = this.spawn();
    if (!this.warm || this.warm.gone) this.warm = worker;
    return worker;
  }

  private spawn(): Worker {
    const channel = this.launcher();
    let markReady!: () => void;
    const worker: Worker = {
      channel,
      ready: new Promise<void>((resolve) => (markReady = resolve)),
      gone: false,
    };
    channel.onMessage((message) => {
      if (message.type === 'ready') markReady();
      else this.settle(message.id, message.result);
    });
    channel.onExit((exit) => {
      worker.gone = true;
      markReady();
      clearTimeout(worker.idleTimer);
      if (this.warm === worker) this.warm = undefined;
      for (const [id, job] of this.jobs) {
        if (job.worker !== worker) continue;
        this.finish(id, () => job.reject(crashError(job.type, exit)));
      }
    });
    return worker;
  }

  private settle(id: number, result: ApiResult<unknown>): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.finish(id, () =>
      result.ok
        ? job.resolve(result.value)
        : job.reject(
            new WorkbenchError(result.error.code, result.error.message, result.error.issues),
          ),
    );
    this.release(job.worker);
  }

  private finish(id: number, answer: () => void): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    if (job.cancelKey !== undefined) this.byCancelKey.delete(job.cancelKey);
    answer();
  }

  /** A process whose job is done: kept warm if it is the pool's warm one, else ended. */
  private release(worker: Worker): void {
    if (worker.gone || this.isBusy(worker)) return;
    if (this.closed || (this.warm !== worker && this.warm !== undefined)) {
      this.retire(worker);
      return;
    }
    this.warm = worker;
    worker.idleTimer = setTimeout(() => this.retire(worker), IDLE_EXIT_MS);
    worker.idleTimer.unref();
  }

  /** Ends a process: SIGTERM for an idle one, SIGKILL for one inside a job (native code may not yield). */
  private retire(worker: Worker, signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.warm === worker) this.warm = undefined;
    worker.gone = true;
    clearTimeout(worker.idleTimer);
    worker.channel.kill(signal);
  }

  private isBusy(worker: Worker): boolean {
    for (const job of this.jobs.values()) if (job.worker === worker) return true;
    return false;
  }
}

function crashError(type: TaskBody['type'], exit: TrainerExit): WorkbenchError {
  const how = exit.signal !== null ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  const detail = exit.stderrTail ? `: ${exit.stderrTail.split('\n').at(-1)}` : '';
  return new WorkbenchError('failed', `the ${what(type)} process ended (${how})${detail}`);
}

function what(type: TaskBody['type']): string {
  return {
    generate: 'generation',
    evaluate: 'evaluation',
    probeBackends: 'backend probe',
    prepareTorch: 'data preparation',
  }[type];
}
