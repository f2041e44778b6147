/**
 * Studies in the catalog: list, read, add, forget. They live beside the runs in catalog.json
 * (not in folders of their own: a study is a small index over runs, and the runs keep all the
 * data), so they share the catalog's single writer and its chain of durable changes.
 */
import type { Catalog } from './catalog';
import { StoreError } from './errors';
import { assertRunId, newRunId } from './run-record';
import { type StudyRecord, parseStudyRecord } from './study-record';

export class StudyStore {
  constructor(private readonly catalog: Catalog) {}

  /** Every study, newest first. */
  list(): StudyRecord[] {
    return [...this.catalog.studies].reverse().map((study) => structuredClone(study));
  }

  get(id: string): StudyRecord {
    const study = this.catalog.studies.find((s) => s.id === assertRunId(id));
    if (study === undefined) throw new StoreError('not_found', `no study ${id}`);
    return structuredClone(study);
  }

  /**
   * Records a study over runs already created (its id is made here, in a run id's format). Every
   * run it names must exist, so a study never starts out pointing at nothing.
   */
  async add(input: Omit<StudyRecord, 'id' | 'createdAt'>): Promise<StudyRecord> {
    return this.catalog.transact((draft) => {
      const missing = input.runs.find((r) => !draft.runs.some((run) => run.id === r.runId));
      if (missing) throw new StoreError('not_found', `no run ${missing.runId}`);
      const studies = draft.studies ?? [];
      let id = newRunId();
      while (studies.some((s) => s.id === id)) id = newRunId();
      const study = parseStudyRecord(
        { ...structuredClone(input), id, createdAt: new Date().toISOString() },
        'add study',
      );
      draft.studies = [...studies, study];
      return structuredClone(study);
    });
  }

  /** Forgets a study; its runs stay. */
  async delete(id: string): Promise<void> {
    assertRunId(id);
    await this.catalog.transact((draft) => {
      const studies = draft.studies ?? [];
      if (!studies.some((s) => s.id === id)) throw new StoreError('not_found', `no study ${id}`);
      draft.studies = studies.filter((s) => s.id !== id);
    });
  }
}
