/**
 * Trains one stored run on the torch engine from a process that owns the catalog (the CLI):
 * a run manager of its own with one slot, so the Python trainer is driven exactly as the app
 * drives it (patches, crash handling, stop with a final checkpoint).
 */
import type { MetricRecord } from '../../core/train/metrics';
import { EventHub } from '../events';
import { RunManager, forkTrainerLauncher } from '../run-manager';
import type { RunRecord, RunStore } from '../store';
import { engineLauncher } from './engine-launcher';

export interface TorchSessionHooks {
  onRecords?(records: MetricRecord[]): void;
  onLog?(line: string): void;
}

export interface TorchSession {
  /** Resolves with the run's record once it completed, stopped or failed. */
  finished: Promise<RunRecord>;
  /** Ends after the current step with a final checkpoint. */
  stop(): Promise<RunRecord>;
}

export function trainOnEngine(
  store: RunStore,
  runId: string,
  hooks: TorchSessionHooks = {},
): TorchSession {
  const events = new EventHub();
  const manager = new RunManager(store, events.emit, {
    launcher: engineLauncher(store, forkTrainerLauncher()),
    concurrency: 1,
    stopGraceMs: 60_000,
    shutdownGraceMs: 10_000,
  });
  events.on('runProgress', (e) => e.runId === runId && hooks.onRecords?.(e.records));
  events.on('runLog', (e) => e.runId === runId && hooks.onLog?.(e.line));
  const finished = new Promise<RunRecord>((resolve, reject) => {
    events.on('runStatus', (e) => {
      if (e.runId !== runId) return;
      if (['completed', 'stopped', 'failed', 'interrupted'].includes(e.status))
        // The status lands before the process exits: wait for the exit too.
        setTimeout(() => manager.close().then(() => resolve(store.get(runId)), reject), 0);
    });
    manager.enqueue(runId).catch(reject);
  });
  return { finished, stop: () => manager.stop(runId) };
}
