/**
 * Finding runs a crash cut off: any process that opens the data dir (the app, `mot serve`,
 * `mot runs`, `mot resume`) marks runs left `running`, `paused` or `queued` by an owner that is
 * gone as `interrupted` (see RunStore.markInterrupted: a live owner's run is never touched),
 * notes it in each run's log, and shows where each will resume from.
 */
import type { CheckpointMeta } from './run-data';
import type { RunStore } from './store';

/** Returns the ids it marked interrupted. */
export async function recoverInterruptedRuns(store: RunStore): Promise<string[]> {
  const interrupted = await store.markInterrupted();
  for (const runId of interrupted) {
    await store
      .appendLog(
        runId,
        `${new Date().toISOString()} interrupted: the process that trained it is gone (killed, crashed or closed)`,
      )
      .catch(() => {});
    await recordResumePoint(store, runId).catch(() => {});
  }
  return interrupted;
}

/**
 * A crashed run's record may lag its files (the last progress never reached the catalog): show
 * where it will resume from, its last checkpoint.
 */
async function recordResumePoint(store: RunStore, runId: string): Promise<void> {
  const steps = store.listCheckpoints(runId);
  if (steps.length === 0) return;
  const { state } = store.readCheckpointMeta(
    runId,
    steps[steps.length - 1],
  ) as Partial<CheckpointMeta>;
  if (!state) return;
  await store.update(runId, {
    lastStep: state.step,
    tokensSeen: state.tokens,
    ...(state.bestValidationLoss != null && { bestValidationLoss: state.bestValidationLoss }),
  });
}
