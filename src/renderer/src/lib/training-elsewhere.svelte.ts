/**
 * "Training elsewhere" for the badges of attached runs: isTrainingElsewhere against a clock that
 * ticks every few seconds while something shows it, so the label ends a minute after the folder
 * stops growing without another event.
 */
import { createSubscriber } from 'svelte/reactivity';
import { isTrainingElsewhere, type RunRecord } from '../../../core/api/run-record';

const TICK_MS = 5000;

const tick = createSubscriber((update) => {
  const timer = setInterval(update, TICK_MS);
  return () => clearInterval(timer);
});

export function trainingElsewhere(record: RunRecord): boolean {
  if (record.grewElsewhereAt === undefined) return false;
  tick();
  return isTrainingElsewhere(record);
}
