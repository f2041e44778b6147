/**
 * The studies page's list: `listStudies`, re-read (at most once a second) when a run changes
 * status, since a study's progress is its runs' statuses. Made per page and disposed with it, so
 * nothing polls while no one looks.
 */
import type { Host } from '../../../../core/api/contract';
import type { StudySummary } from '../../../../core/api/study';
import { toShownError, type ShownError } from '../errors';
import { Coalesced } from './coalesce';

const REFRESH_GAP_MS = 1000;

export class StudiesState {
  list = $state.raw<StudySummary[]>([]);
  loaded = $state(false);
  error = $state.raw<ShownError | null>(null);
  #refreshSoon = new Coalesced(() => void this.refresh(), REFRESH_GAP_MS);
  #unsubscribe: () => void;

  constructor(private readonly host: Host) {
    this.#unsubscribe = host.on('runStatus', (event) => {
      if (this.list.some((study) => study.runIds.includes(event.runId)))
        this.#refreshSoon.request();
    });
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this.list = await this.host.call('listStudies', {});
      this.error = null;
      this.loaded = true;
    } catch (error) {
      this.error = toShownError(error);
    }
  }

  dispose(): void {
    this.#unsubscribe();
    this.#refreshSoon.cancel();
  }
}
