/**
 * Passes over the training split: how often a run has seen its training text. Past one pass the
 * model sees windows again, so its loss measures memorisation as much as the architecture.
 */
import type { RunConfig } from '../../../core/config';

/** Passes so far: the newest metric record's own count, else tokensSeen / trainSplitTokens. */
export function passesSoFar(
  record: { tokensSeen: number; trainSplitTokens?: number },
  latest?: { epochs?: number },
): number | null {
  if (latest?.epochs !== undefined && Number.isFinite(latest.epochs)) return latest.epochs;
  const split = record.trainSplitTokens;
  return split && split > 0 ? record.tokensSeen / split : null;
}

/** The run's token budget: steps · B · T. */
export function tokenBudget(config: RunConfig): number {
  return config.train.steps * config.train.batchSize * config.model.contextLength;
}

/** Passes the whole token budget makes over the training split. */
export function plannedPasses(config: RunConfig, trainSplitTokens?: number): number | null {
  if (!trainSplitTokens || trainSplitTokens <= 0) return null;
  return tokenBudget(config) / trainSplitTokens;
}

/** "2.2 passes", "1 pass", "<0.01 passes". */
export function formatPassCount(passes: number): string {
  if (passes > 0 && passes < 0.01) return '<0.01 passes';
  const text = passes < 10 ? passes.toFixed(passes < 1 ? 2 : 1) : passes.toFixed(0);
  return `${text} ${text === '1.0' ? 'pass' : 'passes'}`;
}
