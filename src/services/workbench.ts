/**
 * The workbench on the Node side: the contract's methods and events over one data folder.
 * Electron's main process, `mot serve` and tests all hold one Workbench and pass it requests
 * as they arrive (`handle`), so the desktop app and the browser mode behave the same.
 *
 * Opening it marks runs that a crash left running, paused or queued, and that no live process
 * owns, as `interrupted` (startRun resumes them from their last checkpoint). Other processes
 * may share the data folder: a run a terminal's `mot train` trains stays `running` here, and
 * starting it is refused with the owner's name (see store/ownership.ts).
 */
import {
  validateRequest,
  type ApiResult,
  type EventName,
  type Events,
  type MethodName,
} from '../core/api/contract';
import {
  CONCURRENCY_SETTING,
  DEFAULT_CONCURRENCY,
  HANDLERS,
  storedConcurrency,
  toApiError,
  type ApiContext,
  type Handler,
} from './api';
import { EventHub } from './events';
import { heapLimitArgs, memoryLimitBytes } from './memory-guard';
import { ForeignRuns } from './foreign-runs';
import { RunManager, forkTrainerLauncher, type TrainerLauncher } from './run-manager';
import { AttachedRunWatcher } from './engines/attached-watch';
import { engineLauncher } from './engines/engine-launcher';
import { recoverInterruptedRuns } from './interrupted';
import { RunStore } from './store';
import { TaskPool, forkTaskLauncher, prepareInTaskProcess, type TaskLauncher } from './tasks';

export { CONCURRENCY_SETTING };

export interface WorkbenchOptions {
  /** The desktop app's open-file dialog for importDataset; browser mode has none. */
  pickDatasetFile?: () => Promise<string | null>;
  /** The desktop app's folder dialog for attachFolder; browser mode has none. */
  pickRunFolder?: () => Promise<string | null>;
  /** Starts training processes (default: `child_process.fork`; Electron passes a utilityProcess one). */
  launcher?: TrainerLauncher;
  /**
   * Starts task processes for generation, the backend probe and torch runs' data preparation
   * (default: `child_process.fork`).
   */
  taskLauncher?: TaskLauncher;
  /**
   * The most memory a run's estimate may need, in bytes (default: MOT_MEMORY_LIMIT, else half the
   * RAM). The default launchers cap their processes' V8 heap at the same size.
   */
  memoryLimitBytes?: number;
  /** Runs training at once, for this session only (default: the catalog setting, else 1). */
  concurrency?: number;
  /** How long stopRun waits for a final checkpoint before killing the process (default 60 s). */
  stopGraceMs?: number;
  /** How long close() waits for each run to stop before killing it (default 10 s). */
  shutdownGraceMs?: number;
  /** How often runs other processes write are re-read (default 2 s; 0: never). */
  foreignRunsPollMs?: number;
  /** What this process is, in other processes' messages about runs it trains. */
  ownerRole?: string;
}

export class Workbench {
  private readonly events = new EventHub();
  private readonly manager: RunManager;
  private readonly tasks: TaskPool;
  private readonly memoryLimitBytes: number;
  private readonly foreignRuns: ForeignRuns | null;
  /** Turns growth of attached run folders (trained elsewhere) into progress events. */
  private readonly attached: AttachedRunWatcher;
  private readonly pickDatasetFile?: () => Promise<string | null>;
  private readonly pickRunFolder?: () => Promise<string | null>;
  private closed = false;

  private constructor(
    readonly store: RunStore,
    /** Runs found running, paused or queued at open (a crash), now `interrupted`. */
    readonly interruptedAtOpen: readonly string[],
    options: WorkbenchOptions,
  ) {
    const concurrency = options.concurrency ?? storedConcurrency(store) ?? DEFAULT_CONCURRENCY;
    this.pickDatasetFile = options.pickDatasetFile;
    this.pickRunFolder = options.pickRunFolder;
    this.memoryLimitBytes = options.memoryLimitBytes ?? memoryLimitBytes();
    const execArgv = heapLimitArgs(this.memoryLimitBytes);
    this.tasks = new TaskPool(options.taskLauncher ?? forkTaskLauncher({ execArgv }));
    this.manager = new RunManager(store, this.events.emit, {
      launcher: engineLauncher(
        store,
        options.launcher ?? forkTrainerLauncher({ execArgv }),
        prepareInTaskProcess(this.tasks),
      ),
      ownerRole: options.ownerRole ?? (process.versions['electron'] ? 'the app' : 'mot serve'),
      concurrency: Math.max(1, Math.floor(concurrency)),
      stopGraceMs: options.stopGraceMs ?? 60_000,
      shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
    });
    const manager = this.manager;
    this.foreignRuns =
      options.foreignRunsPollMs === 0
        ? null
        : new ForeignRuns(store, this.events.emit, {
            pollMs: options.foreignRunsPollMs,
            isOwn: (runId) => manager.isActive(runId) || manager.isQueued(runId),
          });
    this.attached = new AttachedRunWatcher(store, this.events.emit, (runId) =>
      this.manager.isActive(runId),
    );
  }

  static async open(dataDir: string, options: WorkbenchOptions = {}): Promise<Workbench> {
    const store = await RunStore.open(dataDir);
    const interrupted = await recoverInterruptedRuns(store);
    return new Workbench(store, interrupted, options);
  }

  get dataDir(): string {
    return this.store.dataDir;
  }

  /**
   * Validates and runs one API call. Never throws: every failure is a structured error, and a
   * request that fails validation changes nothing.
   */
  async handle(methodName: string, request: unknown): Promise<ApiResult<unknown>> {
    if (this.closed)
      return { ok: false, error: { code: 'failed', message: 'the workbench is closed' } };
    const valid = validateRequest(methodName, request);
    if (!valid.ok) return { ok: false, error: valid.error };
    try {
      const handler = HANDLERS[valid.method] as Handler<MethodName>;
      const context: ApiContext = {
        store: this.store,
        manager: this.manager,
        tasks: this.tasks,
        memoryLimitBytes: this.memoryLimitBytes,
        pickDatasetFile: this.pickDatasetFile,
        pickRunFolder: this.pickRunFolder,
        attachedTrainedElsewhere: (runId) => this.attached.trainedElsewhere(runId),
      };
      return { ok: true, value: await handler(context, valid.value as never) };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  }

  /** Subscribes to pushed events; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  get concurrency(): number {
    return this.manager.concurrency;
  }

  /** Changes how many runs train at once and remembers it in the catalog. */
  async setConcurrency(concurrency: number): Promise<void> {
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new RangeError(`concurrency must be an integer from 1 to 64, got ${concurrency}`);
    await this.store.updateSettings({ [CONCURRENCY_SETTING]: concurrency });
    this.manager.setConcurrency(concurrency);
  }

  /** The OS process training a run, if any (for diagnostics). */
  trainerProcessId(runId: string): number | undefined {
    return this.manager.processId(runId);
  }

  /**
   * Ends the task processes (a running generation answers `failed`), stops every run (final
   * checkpoints; a stuck one is killed after the grace) and flushes the store.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tasks.close();
    this.foreignRuns?.close();
    await this.manager.close();
    this.attached.close();
    this.events.clear();
  }
}
