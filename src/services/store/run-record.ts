/**
 * What the store knows about a run, its id format, and the schema that checks both when they
 * are read back from disk (catalog.json and each run's run.json), since a file on disk is
 * input like any other.
 */
import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { StoreError } from './errors';

import { RUN_ID_PATTERN, RUN_STATUSES, type RunRecord } from '../../core/api/run-record';

export { RUN_ID_PATTERN, RUN_STATUSES };
export type { RunRecord, RunStatus } from '../../core/api/run-record';

export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID_PATTERN.test(value);
}

/** Throws `invalid` for anything that is not a run id; call before any path join. */
export function assertRunId(value: unknown): string {
  if (!isRunId(value)) throw new StoreError('invalid', `not a run id: ${JSON.stringify(value)}`);
  return value;
}

/** A fresh id; ids sort by creation time, and the random suffix separates runs made in one second. */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-29T04:45:12.345Z
  const date = iso.slice(0, 10).replaceAll('-', '');
  const time = iso.slice(11, 19).replaceAll(':', '');
  return `${date}-${time}-${randomBytes(2).toString('hex')}`;
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
/** JSON has no NaN or Infinity (they come back as null), so such a value must never be stored. */
const finite = v.pipe(v.number(), v.finite());
const timestamp = v.pipe(v.string(), v.isoTimestamp());

export const RunRecordSchema = v.looseObject({
  id: v.pipe(v.string(), v.regex(RUN_ID_PATTERN)),
  name: v.string(),
  status: v.picklist(RUN_STATUSES),
  createdAt: timestamp,
  updatedAt: timestamp,
  ffnSummary: v.string(),
  parent: v.optional(v.object({ runId: v.pipe(v.string(), v.regex(RUN_ID_PATTERN)), step: count })),
  tags: v.array(v.string()),
  notes: v.string(),
  lastStep: count,
  tokensSeen: count,
  trainSplitTokens: v.optional(v.pipe(count, v.minValue(1))),
  // Optional: catalogs written before it existed must still load.
  elapsedMs: v.optional(v.pipe(finite, v.minValue(0))),
  bestValidationLoss: v.optional(finite),
  finalTrainLoss: v.optional(finite),
  error: v.optional(v.string()),
  grewElsewhereAt: v.optional(timestamp),
});

/** Checks a record (from disk or after a patch); throws `invalid` naming the first bad field. */
export function parseRunRecord(input: unknown, where: string): RunRecord {
  const result = v.safeParse(RunRecordSchema, input);
  if (!result.success) {
    throw new StoreError('invalid', `${where}: ${v.summarize(result.issues)}`);
  }
  return result.output as RunRecord;
}

/** What create() takes, checked (a name, the config to store verbatim, lineage and tags). */
export const CreateInputSchema = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'a run needs a name')),
  config: v.unknown(),
  ffnSummary: v.string(),
  parent: v.optional(v.object({ runId: v.pipe(v.string(), v.regex(RUN_ID_PATTERN)), step: count })),
  tags: v.optional(v.array(v.string()), []),
});

/** The fields of a run record that update() may change. */
export const PATCHABLE = new Set<string>([
  'name',
  'status',
  'updatedAt',
  'ffnSummary',
  'parent',
  'tags',
  'notes',
  'lastStep',
  'tokensSeen',
  'trainSplitTokens',
  'elapsedMs',
  'bestValidationLoss',
  'finalTrainLoss',
  'error',
  'grewElsewhereAt',
]);

export function recordJson(record: RunRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Now, but strictly after `previous`, so the newer of catalog and run.json is always decidable. */
export function nextTimestamp(previous: string): string {
  const floor = Date.parse(previous) + 1;
  return new Date(Number.isNaN(floor) ? Date.now() : Math.max(Date.now(), floor)).toISOString();
}
