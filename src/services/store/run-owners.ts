/**
 * Claiming runs for training: a run is trained by at most one process, ever. A process claims a
 * run before it trains it (or queues it), keeps the claim alive with a heartbeat, and releases
 * it once the run's final status is written. Claims happen under the data-dir lock, so of two
 * processes claiming one run exactly one wins; the other gets a `conflict` naming the winner.
 */
import type { Catalog } from './catalog';
import { StoreError } from './errors';
import {
  type Owner,
  Heartbeats,
  THIS_PROCESS,
  describeOwner,
  isOwnerAlive,
  isThisProcess,
  readOwner,
  removeOwner,
  writeOwner,
} from './ownership';
import { runDirOf } from './run-folders';

export class RunOwners {
  private readonly heartbeats = new Heartbeats();

  constructor(
    private readonly dataDir: string,
    private readonly catalog: Catalog,
  ) {}

  /**
   * Makes this process the run's owner (`role` says what it is, for others' messages). A run
   * already ours stays ours; one owned by a live other process is refused; a dead owner's
   * claim is taken over. `onLost` is called if the claim is ever taken from us.
   */
  async claim(runId: string, role: string, onLost?: () => void): Promise<void> {
    const runDir = runDirOf(this.dataDir, runId);
    await this.catalog.transact(async (draft) => {
      if (!draft.runs.some((run) => run.id === runId))
        throw new StoreError('not_found', `no run ${runId}`);
      const owner = readOwner(runDir);
      if (owner !== undefined && this.holds(owner, runId)) return;
      if (owner !== undefined && isOwnerAlive(owner)) {
        throw new StoreError(
          'conflict',
          `run ${runId} is being trained by ${describeOwner(owner)}: stop it there first`,
        );
      }
      await writeOwner(runDir, {
        pid: THIS_PROCESS.pid,
        host: THIS_PROCESS.host,
        instance: THIS_PROCESS.instance,
        role,
        claimedAt: new Date().toISOString(),
      });
    });
    this.heartbeats.add(runId, runDir, onLost);
  }

  /** Records the pid of the child process training the run, so it counts as the owner too. */
  async setTrainer(runId: string, trainerPid: number): Promise<void> {
    const runDir = runDirOf(this.dataDir, runId);
    await this.catalog.transact(async () => {
      const owner = readOwner(runDir);
      if (owner === undefined || !this.holds(owner, runId)) return;
      const { heartbeatMs: _, ...record } = owner;
      await writeOwner(runDir, { ...record, trainerPid });
    });
  }

  /** Gives the run up (a no-op unless this store claimed it and still holds it). */
  async release(runId: string): Promise<void> {
    const runDir = runDirOf(this.dataDir, runId);
    const owner = readOwner(runDir);
    const held = owner !== undefined && this.holds(owner, runId);
    this.heartbeats.delete(runId);
    if (!held) return; // nothing to give up: no need for the lock
    await this.catalog.transact(async () => {
      // Taken over since (our heartbeat stalled)? Then the file is someone else's.
      const now = readOwner(runDir);
      if (now !== undefined && isThisProcess(now)) await removeOwner(runDir);
    });
  }

  /** The run's owner if it is alive (this process included), else undefined. */
  liveOwner(runId: string): Owner | undefined {
    const owner = readOwner(runDirOf(this.dataDir, runId));
    if (owner === undefined) return undefined;
    return this.holds(owner, runId) || isOwnerAlive(owner) ? owner : undefined;
  }

  /** True when `runId` is held by this very store (another store in this process is another owner). */
  private holds(owner: Owner, runId: string): boolean {
    return isThisProcess(owner) && this.heartbeats.has(runId);
  }

  /** Called when the claim on `runId` is taken from us (replaces the one given to claim). */
  onLost(runId: string, listener: () => void): void {
    this.heartbeats.onLost(runId, listener);
  }
}

export { describeOwner };
