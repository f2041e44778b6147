/**
 * Where a run came from, for its pages: a fork or a transition-tuned child starts from its
 * parent's checkpoint and carries the parent's metrics up to that step, so its charts need a mark
 * at the step where its own training begins.
 */
import type { RunRecord } from '../../../core/api/run-record';
import type { RunConfig } from '../../../core/config';
import type { ChartMarker } from './chart/types';

/**
 * A MoE child of a MoT run made by transitionRun. The tag says so, and so does the description
 * transitionToMoe writes (configs cannot be edited, so it survives a removed tag).
 */
export function isTransition(record: RunRecord, config: RunConfig): boolean {
  return (
    record.parent !== undefined &&
    config.model.ffn === 'moe' &&
    (record.tags.includes('transition') || config.description.startsWith('Transition-tuned'))
  );
}

/** The mark at the step where a child's own training begins; none for a run without a parent. */
export function lineageMarkers(
  record: RunRecord | undefined,
  config: RunConfig | undefined,
): ChartMarker[] {
  if (record?.parent === undefined || config === undefined) return [];
  const { step } = record.parent;
  const label = isTransition(record, config) ? `switch to MoE @ ${step}` : `forked @ ${step}`;
  return [{ x: step, label }];
}
