/**
 * Users' own corpora, imported into the data dir so runs never depend on a path elsewhere:
 *   datasets/<id>/data.txt | data.jsonl   a copy of the file, as imported
 *   datasets/<id>/dataset.json            name, format, documents, size, origin, time
 * A run names one as `data.corpus: {"kind": "dataset", "id": ...}`. Files come in only from the
 * command line (`mot datasets import FILE`) or the desktop app's file dialog: never as a path in
 * an API request.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { DATASET_ID_PATTERN } from '../core/config';
import { loadCorpusFile } from './corpus-file';
import { writeDirDurable } from './store';

export interface ImportedDataset {
  id: string;
  name: string;
  format: 'txt' | 'jsonl';
  documents: number;
  bytes: number;
  /** The imported file's name (not its path: the data dir may move between machines). */
  originalName: string;
  importedAt: string;
}

const DATASETS_DIR = 'datasets';
const META_FILE = 'dataset.json';

/** The data file of an imported dataset; the id is checked before it is joined into a path. */
export function datasetFile(dataDir: string, id: string): string {
  if (!DATASET_ID_PATTERN.test(id)) throw new Error(`not a dataset id: ${JSON.stringify(id)}`);
  for (const format of ['txt', 'jsonl']) {
    const file = join(dataDir, DATASETS_DIR, id, `data.${format}`);
    if (existsSync(file)) return file;
  }
  throw new Error(`no imported dataset "${id}" in ${dataDir} (see \`mot datasets\`)`);
}

/** Every readable dataset, sorted by name; a folder whose metadata is damaged is skipped. */
export function listImportedDatasets(dataDir: string): ImportedDataset[] {
  const folder = join(dataDir, DATASETS_DIR);
  if (!existsSync(folder)) return [];
  const found: ImportedDataset[] = [];
  for (const id of readdirSync(folder)) {
    if (!DATASET_ID_PATTERN.test(id)) continue; // temporary folders of an import in progress
    try {
      found.push(JSON.parse(readFileSync(join(folder, id, META_FILE), 'utf8')) as ImportedDataset);
    } catch {
      // An import that never finished writes no metadata: not a dataset.
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Checks the file parses as a corpus (same rules as training uses), then copies it in whole.
 * Throws a one-line Error naming the file on any problem; nothing is written then.
 */
export async function importDataset(
  dataDir: string,
  file: string,
  name?: string,
): Promise<ImportedDataset> {
  const corpus = loadCorpusFile(file);
  const bytes = readFileSync(file);
  const format = extname(file).toLowerCase() === '.jsonl' ? 'jsonl' : 'txt';
  const title = (name ?? basename(file, extname(file))).trim() || 'dataset';
  const id = uniqueId(dataDir, slug(title));
  const dataset: ImportedDataset = {
    id,
    name: title,
    format,
    documents: corpus.documents.length,
    bytes: bytes.length,
    originalName: basename(file),
    importedAt: new Date().toISOString(),
  };
  await mkdir(join(dataDir, DATASETS_DIR), { recursive: true });
  await writeDirDurable(join(dataDir, DATASETS_DIR, id), {
    [`data.${format}`]: bytes,
    [META_FILE]: `${JSON.stringify(dataset, null, 2)}\n`,
  });
  return dataset;
}

function slug(text: string): string {
  const cleaned = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  return cleaned === '' ? 'dataset' : cleaned;
}

function uniqueId(dataDir: string, base: string): string {
  const taken = new Set(readdirSafe(join(dataDir, DATASETS_DIR)));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

function readdirSafe(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder) : [];
}
