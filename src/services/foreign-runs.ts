/**
 * Follows runs that other processes write into this data dir (a terminal's `mot train`, a study
 * run from the CLI): a new run folder or a changed record shows within a fraction of a second
 * (fs.watch on the runs folder and on catalog.json, which every record change replaces), or within
 * one poll where fs.watch does not work (network drives). Each new or changed record is
 * emitted as a `runStatus` event, so every open view lists it without a reload. Runs whose owner
 * died meanwhile are marked interrupted on the way.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Emit } from './events';
import { recoverInterruptedRuns } from './interrupted';
import type { RunStore } from './store';
import { runsDirOf } from './store/run-folders';

export interface ForeignRunsOptions {
  /** How often run files are re-checked (default 2 s). */
  pollMs?: number;
  /** Runs this process trains: their records are ahead of their files. */
  isOwn: (runId: string) => boolean;
}

export class ForeignRuns {
  #timer: ReturnType<typeof setInterval>;
  #watchers: FSWatcher[] = [];
  #busy: Promise<void> | null = null;
  #again = false;
  #closed = false;

  constructor(
    private readonly store: RunStore,
    private readonly emit: Emit,
    private readonly options: ForeignRunsOptions,
  ) {
    this.#timer = setInterval(() => this.check(), options.pollMs ?? 2000);
    this.#timer.unref();
    // New run folders appear in runs/; every record change is a new catalog.json (written under
    // the data-dir lock, then renamed into place) in the data dir.
    this.#watch(runsDirOf(store.dataDir), () => true);
    this.#watch(store.dataDir, (name) => name === 'catalog.json');
  }

  #watch(dir: string, relevant: (name: string | null) => boolean): void {
    try {
      const watcher = watch(dir, (_event, name) => {
        if (relevant(name === null ? null : String(name))) void this.check();
      });
      watcher.on('error', () => watcher.close());
      watcher.unref();
      this.#watchers.push(watcher);
    } catch {
      // No watching here: the timer alone keeps up.
    }
  }

  /** One sync at a time; a request during one runs once more after it. */
  check(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#busy) {
      this.#again = true;
      return this.#busy;
    }
    this.#busy = this.#sync().finally(() => {
      this.#busy = null;
      if (this.#again) {
        this.#again = false;
        void this.check();
      }
    });
    return this.#busy;
  }

  async #sync(): Promise<void> {
    let records;
    try {
      // A run whose owner died meanwhile (a killed terminal, or the orphaned trainer of a killed
      // server finishing its exit) shows as interrupted now, not at the next start.
      await recoverInterruptedRuns(this.store);
      records = await this.store.syncFromDisk(this.options.isOwn);
    } catch (error) {
      console.error('workbench: could not read run folders written elsewhere:', error);
      return;
    }
    for (const record of records) {
      if (this.#closed) return;
      this.emit('runStatus', {
        runId: record.id,
        status: record.status,
        record,
        ...(record.error !== undefined && { error: record.error }),
      });
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const watcher of this.#watchers) watcher.close();
  }
}
