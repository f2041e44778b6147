/**
 * Step-numbered names (`step-00001200`) for snapshots and checkpoints: zero padding to 8 digits
 * makes a plain directory listing sort by step; longer numbers still parse.
 */
import { StoreError } from './errors';

const STEP_NAME = /^step-([0-9]{8,})$/;

/** Throws `invalid` unless `step` is a non-negative safe integer. */
export function assertStep(step: unknown): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new StoreError('invalid', `not a step number: ${String(step)}`);
  }
  return step;
}

export function stepName(step: number): string {
  return `step-${String(assertStep(step)).padStart(8, '0')}`;
}

/** The step of a `step-<digits>` name (after stripping `suffix`), or undefined for anything else. */
export function parseStepName(name: string, suffix = ''): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const match = STEP_NAME.exec(name.slice(0, name.length - suffix.length));
  if (match === null) return undefined;
  const step = Number(match[1]);
  return Number.isSafeInteger(step) ? step : undefined;
}
