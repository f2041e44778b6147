/**
 * The sample study the first-run welcome offers: dense against FLOP-matched MoT over four token
 * budgets on the tiny-mot preset (the "Crossover" grid of the Studies view), created but not
 * started, so the user sees what a study is and starts it when ready.
 */
import { findPreset } from '../core/presets';
import { crossoverGrid } from '../core/study/crossover';

export const SAMPLE_STUDY_PRESET = 'tiny-mot';

/** The `createStudy` request for the sample study. */
export function sampleStudyRequest() {
  return {
    name: 'Sample: dense vs MoT crossover',
    preset: SAMPLE_STUDY_PRESET,
    grid: crossoverGrid(findPreset(SAMPLE_STUDY_PRESET).config),
    start: false,
  };
}
