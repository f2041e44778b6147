/**
 * One study's page: its detail (runs, progress, report) from `getStudy`, re-read when one of its
 * runs changes status (a run that completes adds a point to the report), at most once a second.
 */
import type { Host } from '../../../../core/api/contract';
import type { StudyDetail } from '../../../../core/api/study';
import { toShownError, type ShownError } from '../errors';
import { Coalesced } from './coalesce';

const REFRESH_GAP_MS = 1000;

export class StudySession {
  detail = $state.raw<StudyDetail | null>(null);
  error = $state.raw<ShownError | null>(null);
  #refreshSoon = new Coalesced(() => void this.load(), REFRESH_GAP_MS);
  #unsubscribe: () => void;

  constructor(
    private readonly host: Host,
    readonly studyId: string,
  ) {
    this.#unsubscribe = host.on('runStatus', (event) => {
      if (this.detail?.runs.some((run) => run.runId === event.runId)) this.#refreshSoon.request();
    });
    void this.load();
  }

  async load(): Promise<void> {
    try {
      this.detail = await this.host.call('getStudy', { studyId: this.studyId });
      this.error = null;
    } catch (error) {
      this.error = toShownError(error);
    }
  }

  dispose(): void {
    this.#unsubscribe();
    this.#refreshSoon.cancel();
  }
}
