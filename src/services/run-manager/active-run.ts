/**
 * What the parent knows about one training process while it lives: its channel, the commands
 * waiting for it to be ready, whether it was asked to pause or stop, how it ended, and one
 * chain of catalog writes so the child's patches land in the order it sent them.
 */
import type { TrainerChannel } from './launcher';
import type { ParentMessage } from './protocol';

/**
 * Why the parent killed the process, if it did: decides the status a killed run ends in
 * (`lost`: another process owns the run now, so none is written).
 */
export type KillReason = 'stop-timeout' | 'shutdown' | 'lost';

export class ActiveRun {
  /** Set once the child said `ready`; commands before that wait in `pending`. */
  private ready = false;
  private readonly pending: ParentMessage[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private killTimer: ReturnType<typeof setTimeout> | undefined;
  private markExited!: () => void;

  paused = false;
  stopping = false;
  /** The child reported its outcome (`done` or `failed`). */
  reported = false;
  killedFor: KillReason | undefined;
  /** Training time of the newest progress record: written to the catalog when the run pauses. */
  elapsedMs: number | undefined;
  /** Resolves once the process has exited and its final status is written. */
  readonly finished: Promise<void>;

  constructor(
    readonly runId: string,
    readonly channel: TrainerChannel,
  ) {
    this.finished = new Promise((resolve) => (this.markExited = resolve));
  }

  /** Sends now, or once the child is ready. */
  send(message: ParentMessage): void {
    if (this.ready) this.channel.send(message);
    else this.pending.push(message);
  }

  /** Marks the child ready, sends `first` (the start command), then what was waiting. */
  becomeReady(first: ParentMessage): void {
    if (this.ready) return;
    this.ready = true;
    this.channel.send(first);
    for (const message of this.pending.splice(0)) this.channel.send(message);
  }

  /** Runs `task` after every earlier write of this run; a failed write does not block later ones. */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = this.writes.then(task);
    this.writes = next.catch((error: unknown) => {
      console.error(`run ${this.runId}: could not record a change:`, error);
    });
    return next;
  }

  /** Kills the process unless it exits within `graceMs`. */
  killAfter(graceMs: number, reason: KillReason): void {
    if (this.killTimer !== undefined) return;
    this.killTimer = setTimeout(() => {
      this.killedFor = reason;
      this.channel.kill('SIGKILL');
    }, graceMs);
  }

  /** Called once the exit has been recorded. */
  settle(): void {
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    this.markExited();
  }
}
