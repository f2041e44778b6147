/**
 * `mot transition`: transition-tunes a MoT run into a top-1 token-choice MoE (shared/MOT.md): a new
 * run, child of the MoT run at the chosen checkpoint, holding the converted weights and the
 * parent's metrics up to that step, then trained in this process for the extra steps.
 */
import { TRANSITION_DEFAULTS } from '../../core/transition';
import { selectBackend } from '../../services/backends';
import { readRunConfig } from '../../services/run-data';
import { resolveDataDir } from '../../services/store';
import { openStore } from '../store';
import { createTransitionRun } from '../../services/transition';
import { backendFlag, numberFlag, parse, requireFlag } from '../args';
import { progress } from '../output';
import { trainWithProgress } from './train';

export async function transitionCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    step: { type: 'string' },
    steps: { type: 'string' },
    'capacity-factor': { type: 'string' },
    'load-balance': { type: 'string' },
    'data-dir': { type: 'string' },
  });
  const parentId = requireFlag(values.run, 'run');
  const step = values.step === undefined ? undefined : numberFlag(values.step, 'step', 0, 1, 1e9);
  const extraSteps =
    values.steps === undefined ? undefined : numberFlag(values.steps, 'steps', 0, 1, 10_000_000);
  const capacityFactor = numberFlag(
    values['capacity-factor'],
    'capacity-factor',
    TRANSITION_DEFAULTS.capacityFactor,
    0.01,
    64,
    false,
  );
  const loadBalanceWeight = numberFlag(
    values['load-balance'],
    'load-balance',
    TRANSITION_DEFAULTS.loadBalanceWeight,
    0,
    10,
    false,
  );

  const store = await openStore(resolveDataDir(values['data-dir']));
  const parentConfig = readRunConfig(store, parentId);
  await selectBackend(backendFlag(parentConfig.backend));
  const run = await createTransitionRun(store, parentId, {
    step,
    extraSteps,
    capacityFactor,
    loadBalanceWeight,
  });
  const config = readRunConfig(store, run.id);
  progress(
    `run ${run.id} "${run.name}" (${run.ffnSummary}): MoT run ${parentId} at step ${run.parent!.step} ` +
      `converted (controller -> router, experts kept); training to step ${config.train.steps}`,
  );
  await trainWithProgress(store, run.id, config, true);
}
