/**
 * One study's page: its detail (runs, progress, report) from `getStudy`, re-read when one of its
 * runs changes status (a run that completes adds a point to the report), at most once a second.
 */
import type { Host } from '../../../../core/api/contract';
import type { StudyDetail } from '../../../../core/api/study';
import { toShownError, type ShownError } from '../errors';

const REFRESH_GAP_MS = 1000;

export class StudySession {
  detail = $state.raw<StudyDetail | null>(null);
  error = $state.raw<ShownError | null>(null);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #unsubscribe: () => void;

  constructor(
    private readonly host: Host,
    readonly studyId: string,
  ) {
    this.#unsubscribe = host.on('runStatus', (event) => {
      if (this.detail?.runs.some((run) => run.runId === event.runId)) this.#refreshSoon();
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

  #refreshSoon(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.load();
    }, REFRESH_GAP_MS);
  }

  dispose(): void {
    this.#unsubscribe();
    if (this.#timer) clearTimeout(this.#timer);
  }
}
