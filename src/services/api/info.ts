/** What there is to choose from: datasets, presets and backends. */
import { PRESETS } from '../../core/presets';
import { WorkbenchError, type ResponseOf } from '../../core/api/contract';
import { BUILTIN_CORPORA } from '../corpora';
import {
  importDataset as importDataset_,
  listImportedDatasets,
  type ImportedDataset,
} from '../datasets';
import { cliCommand } from './cli-hint';
import type { Handler } from './context';
import { storedPythonPath } from './settings';

/** Built-in corpora, then the datasets imported into this data dir. */
export const listDatasets: Handler<'listDatasets'> = async (context) => [
  ...BUILTIN_CORPORA.map(({ name, description }) => ({
    id: name,
    name,
    description,
    kind: 'builtin' as const,
    corpus: { kind: 'builtin' as const, name },
  })),
  ...listImportedDatasets(context.store.dataDir).map(datasetInfo),
];

/** Asks the desktop app's file dialog for a file, then imports it (no path ever travels in a request). */
export const importDataset: Handler<'importDataset'> = async (context, request) => {
  if (!context.pickDatasetFile) {
    throw new WorkbenchError(
      'failed',
      `browser mode cannot open files on the server: run \`${cliCommand('datasets import FILE', context.store.dataDir)}\` there, then reload`,
    );
  }
  const file = await context.pickDatasetFile();
  if (file === null) return { canceled: true as const };
  try {
    return datasetInfo(await importDataset_(context.store.dataDir, file, request.name));
  } catch (error) {
    throw new WorkbenchError('failed', (error as Error).message);
  }
};

function datasetInfo(dataset: ImportedDataset) {
  return {
    id: `dataset:${dataset.id}`,
    name: dataset.name,
    description: `imported ${dataset.originalName}: ${dataset.documents.toLocaleString('en-US')} documents, ${(dataset.bytes / 1e6).toFixed(1)} MB`,
    kind: 'imported' as const,
    corpus: { kind: 'dataset' as const, id: dataset.id },
  };
}

export const listPresets: Handler<'listPresets'> = async () =>
  PRESETS.map(({ name, description, config }) => ({
    name,
    description,
    config: structuredClone(config),
  }));

/** Probed in a task process (it loads native backends), once per workbench and Python setting. */
export const backendInfo: Handler<'backendInfo'> = async (context) =>
  (await context.tasks.probeBackends(storedPythonPath(context.store))) as ResponseOf<'backendInfo'>;

export const storeNotices: Handler<'storeNotices'> = async ({ store }) =>
  store.notices.map((notice) => ({ ...notice }));
