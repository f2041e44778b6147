/**
 * The schema a study is checked with when the catalog is read back (a file on disk is input like
 * any other). The base config is kept as written; it is re-validated where it is used.
 */
import * as v from 'valibot';
import type { StudyRecord } from '../../core/api/study';
import { StoreError } from './errors';
import { RUN_ID_PATTERN } from './run-record';

export type { StudyRecord, StudyRun } from '../../core/api/study';

const id = v.pipe(v.string(), v.regex(RUN_ID_PATTERN));

export const StudyRecordSchema = v.looseObject({
  id,
  name: v.pipe(v.string(), v.minLength(1)),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  preset: v.optional(v.string()),
  baseConfig: v.record(v.string(), v.unknown()),
  grid: v.record(v.string(), v.array(v.unknown())),
  runs: v.array(v.object({ runId: id, values: v.record(v.string(), v.unknown()) })),
});

export function parseStudyRecord(input: unknown, where: string): StudyRecord {
  const result = v.safeParse(StudyRecordSchema, input);
  if (!result.success) throw new StoreError('invalid', `${where}: ${v.summarize(result.issues)}`);
  return result.output as unknown as StudyRecord;
}
