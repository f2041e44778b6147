/**
 * Mixing snapshots: small JSON documents (router weights, mix entropies, ...) taken every so
 * many steps for the UI to replay. One durable file per step under `snapshots/`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StoreError, errnoCode } from './errors';
import { ensureSubdirDurable, listNames, writeFileDurable } from './durable';
import { parseStepName, stepName } from './steps';

const SUFFIX = '.json';

export async function writeSnapshotFile(
  snapshotsDir: string,
  step: number,
  snapshot: object,
): Promise<void> {
  const text = JSON.stringify(snapshot);
  if (typeof text !== 'string')
    throw new StoreError('invalid', 'a snapshot must serialise to JSON');
  await ensureSubdirDurable(snapshotsDir);
  await writeFileDurable(path.join(snapshotsDir, stepName(step) + SUFFIX), text);
}

/** Steps with a snapshot, ascending; temp files (dotted) are not snapshots. */
export function listSnapshotFileSteps(snapshotsDir: string): number[] {
  return listNames(snapshotsDir)
    .map((name) => parseStepName(name, SUFFIX))
    .filter((step): step is number => step !== undefined)
    .sort((a, b) => a - b);
}

export function readSnapshotFile(snapshotsDir: string, step: number): object {
  const file = path.join(snapshotsDir, stepName(step) + SUFFIX);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT')
      throw new StoreError('not_found', `no snapshot at step ${step}`);
    throw new StoreError('io', `cannot read ${file}`, { cause: error });
  }
  try {
    return JSON.parse(text) as object;
  } catch (error) {
    throw new StoreError('invalid', `${file} is not valid JSON`, { cause: error });
  }
}
