/**
 * How the workbench starts its worker processes (one per training run, and the task processes
 * that generate text and probe backends), abstracted so one implementation serves every shell:
 * the CLI and `mot serve` fork a Node child ({@link forkTrainerLauncher}); the Electron app
 * passes launchers built on `utilityProcess.fork` (src/main), since Electron's main process is
 * not a plain Node that `child_process.fork` could re-run.
 */
import type { ChildMessage, ParentMessage } from './protocol';

/** How a training process ended. */
export interface TrainerExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it (e.g. `SIGKILL`), when one did. */
  signal: string | null;
  /** The end of what it wrote to stderr: the only trace a native crash (abort, OOM) leaves. */
  stderrTail?: string;
}

/** One running worker process, seen from the parent: what it is sent and what it answers. */
export interface ProcessChannel<Send, Receive> {
  /** The OS process id, when known (for logs and tests). */
  readonly pid?: number;
  /** Sends a message; silently dropped once the process has gone. */
  send(message: Send): void;
  onMessage(listener: (message: Receive) => void): void;
  /** Called once, after every message the process sent has been delivered. */
  onExit(listener: (exit: TrainerExit) => void): void;
  /** Ends the process now (default SIGKILL): for a run that does not stop when asked. */
  kill(signal?: NodeJS.Signals): void;
}

/** One running training process. */
export type TrainerChannel = ProcessChannel<ParentMessage, ChildMessage>;

/**
 * Starts one training process for `runId`: the tfjs launchers run
 * `src/services/run-manager/trainer-process.ts` (or its build) and ignore the id; the engine
 * seam (src/services/engines/engine-launcher.ts) reads the run's backend to pick an engine.
 */
export type TrainerLauncher = (runId?: string) => TrainerChannel;

/** A cheap shape check of what a worker sends (both ends are our code; this drops strays). */
export type MessageGuard<T> = (value: unknown) => value is T;

/** Keeps the last `limit` characters of a stream of text. */
export class TextTail {
  private text = '';

  constructor(private readonly limit = 4000) {}

  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }

  get value(): string | undefined {
    const trimmed = this.text.trim();
    return trimmed === '' ? undefined : trimmed;
  }
}
