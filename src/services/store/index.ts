/** The local store: run folders, the catalog, durable writes. Node side only. */
export { RunStore, StoreError } from './run-store';
export type { CreateRunInput, RunPatch, RunStoreOpenOptions, StoreErrorCode } from './run-store';
export type { RunRecord, RunStatus } from './run-record';
export { RUN_STATUSES, RUN_ID_PATTERN, isRunId, newRunId } from './run-record';
export type { CatalogData, CatalogOpenReport } from './catalog';
export { CATALOG_SCHEMA_VERSION } from './catalog';
export type { Checkpoint, StoredTensor, TensorInput } from './checkpoint';
export type { AppendOptions, JsonLinesRead } from './metrics-log';
export { appendJsonLines, readJsonLines, JsonLinesFollower } from './metrics-log';
export { writeDirDurable, writeFileDurable } from './durable';
export { APP_NAME, DATA_DIR_ENV, defaultDataDir, resolveDataDir } from './paths';
export type { LogTail } from './run-log';
export type { StudyRecord, StudyRun } from './study-record';
export type { StoreNotice } from './notices';
export type { Owner, OwnerRecord } from './ownership';
export { describeOwner } from './ownership';
