/**
 * A fork's or transition child's own figures apart from what it inherited: its metrics start
 * with a copy of its parent's up to the fork step, and its record's best validation loss and
 * training time continue the parent's. Own = the steps after the fork step.
 */
import type { EvalRecord, TrainRecord } from '../../../core/train/metrics';

export interface OwnFigures {
  /** Best validation loss measured after the fork step; undefined before its first eval. */
  bestValidationLoss?: number;
  /** Training time after the fork step. */
  elapsedMs?: number;
  /** The parent's figures at the fork step, as the child inherited them. */
  inheritedBestValidationLoss?: number;
  inheritedElapsedMs?: number;
}

/** `records` in step order, the parent's copied history included. */
export function ownFigures(
  forkStep: number,
  records: readonly (TrainRecord | EvalRecord)[],
): OwnFigures {
  const figures: OwnFigures = {};
  const lower = (key: keyof OwnFigures, value: number): void => {
    const current = figures[key];
    if (current === undefined || value < current) figures[key] = value;
  };
  let lastOwnElapsed: number | undefined;
  for (const record of records) {
    const own = record.step > forkStep;
    if (record.type === 'eval') {
      lower(own ? 'bestValidationLoss' : 'inheritedBestValidationLoss', record.validationLoss);
    } else if (own) {
      lastOwnElapsed = record.elapsedMs;
    } else {
      figures.inheritedElapsedMs = Math.max(figures.inheritedElapsedMs ?? 0, record.elapsedMs);
    }
  }
  if (lastOwnElapsed !== undefined)
    figures.elapsedMs = Math.max(0, lastOwnElapsed - (figures.inheritedElapsedMs ?? 0));
  return figures;
}
