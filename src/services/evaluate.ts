/**
 * Evaluations of any checkpoint beyond the trainer's own: the validation loss of the same weights
 * run in other ways. For MoT: the trained group size, discrete mixing (each expert takes its top
 * token), and other group sizes g/2, 2g, 4g and 1 with the same batch (only the grouping
 * changes; the batch must stay a multiple of it). For sparse MoE: as trained (with capacity),
 * without a capacity limit, and one sequence at a time (batch 1), which is how a transition-tuned
 * model decodes a single prompt. Dense runs have one way only.
 */
import type { CheckpointEvaluation, EvaluationMode, EvaluationRow } from '../core/api/evaluation';
import { blockKinds } from '../core/config';
import type { FfnOptions } from '../core/model/ffn';
import { validationLoss, validationWindows } from '../core/train/validation';
import { loadCheckpoint, loadRunData, modelFromCheckpoint } from './run-data';
import type { RunStore } from './store';

interface Plan {
  mode: EvaluationMode;
  label: string;
  batchSize: number;
  groupSize?: number;
  options: FfnOptions;
}

export function evaluateRun(
  store: RunStore,
  runId: string,
  options: { step?: number } = {},
): CheckpointEvaluation {
  store.get(runId);
  const loaded = loadCheckpoint(store, runId, options.step);
  const config = loaded.meta.config;
  const { model: m, train: t } = config;
  const windows = validationWindows(
    config,
    loadRunData(config, { dataDir: store.dataDir, tokenizer: loaded.tokenizer }).validation,
  );
  const kinds = new Set(blockKinds(m));
  const B = t.batchSize;
  const plans: Plan[] = [];
  if (kinds.has('mot')) {
    const g = m.mot.groupSize;
    plans.push({
      mode: 'trained',
      label: `soft MoT, g ${g} (as trained)`,
      batchSize: B,
      groupSize: g,
      options: {},
    });
    plans.push({
      mode: 'discrete',
      label: `discrete MoT, g ${g} (each expert takes its top token)`,
      batchSize: B,
      groupSize: g,
      options: { discrete: true },
    });
    for (const other of otherGroupSizes(g, B)) {
      const label =
        other === 1
          ? 'soft MoT, g 1 (every token alone: each expert sees it unmixed)'
          : `soft MoT, g ${other}`;
      plans.push({
        mode: 'group-size',
        label,
        batchSize: B,
        groupSize: other,
        options: { groupSize: other },
      });
    }
  } else if (kinds.has('moe')) {
    const expertChoice = m.moe.router === 'expert-choice';
    plans.push({
      mode: 'trained',
      label: `MoE ${expertChoice ? 'expert choice' : 'token choice'}, batch ${B}, with capacity (as trained)`,
      batchSize: B,
      options: {},
    });
    if (!expertChoice)
      plans.push({
        mode: 'no-capacity',
        label: `MoE token choice, batch ${B}, no capacity limit`,
        batchSize: B,
        options: { inference: true },
      });
    plans.push({
      mode: 'alone',
      label: expertChoice
        ? 'MoE expert choice, batch 1 (at each position every expert takes the one token there)'
        : 'MoE token choice, batch 1 (each sequence decoded alone, no capacity limit)',
      batchSize: 1,
      options: { inference: true },
    });
  } else {
    plans.push({ mode: 'trained', label: `dense, batch ${B}`, batchSize: B, options: {} });
  }

  const model = modelFromCheckpoint(loaded);
  try {
    const rows = plans.map((plan): EvaluationRow => {
      const { loss, stdError, tokens } = validationLoss(
        model,
        windows,
        m.contextLength,
        plan.batchSize,
        plan.options,
      );
      return {
        mode: plan.mode,
        label: plan.label,
        batchSize: plan.batchSize,
        ...(plan.groupSize !== undefined && { groupSize: plan.groupSize }),
        validationLoss: loss,
        ...(stdError !== null && { validationStdError: stdError }),
        evalTokens: tokens,
      };
    });
    return { runId, step: loaded.step, ffn: m.ffn, rows };
  } finally {
    model.dispose();
  }
}

/** g/2, 2g, 4g and 1, where each is a whole number dividing the batch and differs from g. */
export function otherGroupSizes(g: number, batchSize: number): number[] {
  const candidates = [g / 2, 2 * g, 4 * g, 1];
  return [...new Set(candidates)].filter(
    (c) => Number.isInteger(c) && c >= 1 && c !== g && batchSize % c === 0,
  );
}
