/**
 * Studies in folders of their own, like runs: `studies/<id>/study.json`. A study is a small index
 * over runs; keeping it out of catalog.json means a rebuilt catalog keeps every study, and a
 * study made by one process survives another process's catalog writes. Ids have a run id's
 * shape (safe in paths). Creation writes the whole folder at once; deletion renames it to a
 * dotted tombstone first, so listings never see half a study.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from './catalog';
import { StoreError, errnoCode } from './errors';
import { fsyncDir, listNames, writeDirDurable } from './durable';
import { assertRunId, isRunId, newRunId } from './run-record';
import { type StudyRecord, parseStudyRecord } from './study-record';

export const STUDIES_DIR = 'studies';
export const STUDY_FILE = 'study.json';

export class StudyStore {
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly catalog: Catalog,
  ) {
    this.dir = path.join(dataDir, STUDIES_DIR);
  }

  /** Every readable study, newest first (ids sort by creation time). */
  list(): StudyRecord[] {
    return this.readAll().sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  get(id: string): StudyRecord {
    const study = this.read(assertRunId(id));
    if (study === undefined) throw new StoreError('not_found', `no study ${id}`);
    return study;
  }

  /**
   * Records a study over runs already created (its id is made here, in a run id's format). Every
   * run it names must exist, so a study never starts out pointing at nothing: checked under the
   * data-dir lock, which deletes of runs also hold.
   */
  async add(input: Omit<StudyRecord, 'id' | 'createdAt'>): Promise<StudyRecord> {
    return this.catalog.transact(async (draft) => {
      const missing = input.runs.find((r) => !draft.runs.some((run) => run.id === r.runId));
      if (missing) throw new StoreError('not_found', `no run ${missing.runId}`);
      const existing = new Set(listNames(this.dir));
      let id = newRunId();
      while (existing.has(id)) id = newRunId();
      const study = parseStudyRecord(
        { ...structuredClone(input), id, createdAt: new Date().toISOString() },
        'add study',
      );
      await this.write(study);
      return structuredClone(study);
    });
  }

  /** Forgets a study; its runs stay. */
  async delete(id: string): Promise<void> {
    const folder = path.join(this.dir, assertRunId(id));
    const tombstone = path.join(this.dir, `.deleted-${id}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.rename(folder, tombstone);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw new StoreError('not_found', `no study ${id}`);
      throw error;
    }
    await fsyncDir(this.dir);
    await fs.rm(tombstone, { recursive: true, force: true });
  }

  private write(study: StudyRecord): Promise<void> {
    return writeStudyFolder(this.dir, study);
  }

  private readAll(): StudyRecord[] {
    return listNames(this.dir)
      .filter(isRunId)
      .map((id) => this.read(id))
      .filter((study): study is StudyRecord => study !== undefined);
  }

  private read(id: string): StudyRecord | undefined {
    return readStudyFolder(this.dir, id);
  }
}

/**
 * Repairs the studies folder while the store opens, under the data-dir lock: removes dotted
 * leftovers (tombstones, half-written folders), then moves the studies of an old catalog into
 * folders (one already in a folder is left as it is).
 */
export async function repairStudies(
  dataDir: string,
  legacy: readonly StudyRecord[],
): Promise<void> {
  const dir = path.join(dataDir, STUDIES_DIR);
  for (const name of listNames(dir)) {
    if (name.startsWith('.')) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
  for (const study of legacy) {
    if (readStudyFolder(dir, study.id) === undefined) await writeStudyFolder(dir, study);
  }
}

async function writeStudyFolder(dir: string, study: StudyRecord): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeDirDurable(path.join(dir, study.id), {
    [STUDY_FILE]: `${JSON.stringify(study, null, 2)}\n`,
  });
}

/** The study in folder `id`, or undefined when there is none or its file does not parse. */
function readStudyFolder(dir: string, id: string): StudyRecord | undefined {
  try {
    const study = parseStudyRecord(
      JSON.parse(readFileSync(path.join(dir, id, STUDY_FILE), 'utf8')),
      STUDY_FILE,
    );
    return study.id === id ? study : undefined;
  } catch {
    return undefined;
  }
}
