/**
 * Transition tuning (shared/MOT.md, "Transition tuning"): a trained MoT becomes a token-choice
 * (Switch, top-1) sparse MoE that decodes any batch, even one sequence alone, as trained.
 *
 * Per MoT block, the weights are reused bit for bit:
 *   blocks.i.ffn.C      [d, E]  ->  blocks.i.ffn.router [d, E]   (softmax now over experts, per token)
 *   blocks.i.ffn.W1.e   [d, f]  ->  blocks.i.ffn.W1.e   [d, f]   (expert e stays expert e)
 *   blocks.i.ffn.W2.e   [f, d]  ->  blocks.i.ffn.W2.e   [f, d]
 * and every other tensor (attention, norms, embeddings, head, dense blocks) is copied as is.
 *
 * AdamW moments are mapped the same way, not reset. The optimizer's step count (and so its bias
 * correction 1 - beta^t) is shared by all parameters; zeroed moments at a large t would make the
 * first updates about lr * (1 - beta1) / sqrt(1 - beta2) * sign(g), roughly 3x the learning rate
 * for beta (0.9, 0.999), on exactly the weights that matter. The kept moments are the best scale
 * estimate there is; they adapt within ~1 / (1 - beta1) = 10 steps (m) and the gradient clip
 * bounds the rest. The loss spike at the switch therefore comes from the changed function, not
 * from the optimizer.
 *
 * Pure: no tensors, no disk. The service layer (src/services/transition.ts) writes the result as
 * a new run; the Workbench's fork can call this function the same way.
 */
import {
  blockKinds,
  motExpertWidth,
  resolveConfig,
  type MoeConfig,
  type RunConfig,
} from './config';

/** A named tensor as in a checkpoint: `param/…`, `adam.m/…` or `adam.v/…`. */
export interface TransitionTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface TransitionOptions {
  /** The checkpoint step being converted; the MoE continues from it. */
  fromStep: number;
  /** MoE steps after the switch (the paper: 10% of the MoT steps, 150K + 15K). */
  extraSteps: number;
  /** Token-choice capacity factor (1.25 in the paper). */
  capacityFactor?: number;
  /** Switch load-balancing loss weight (0.01 in the paper). */
  loadBalanceWeight?: number;
}

export interface TransitionResult {
  config: RunConfig;
  tensors: TransitionTensor[];
  /** [MoT name, MoE name] of every renamed parameter (without the param/adam prefixes). */
  renamed: [string, string][];
}

export const TRANSITION_DEFAULTS = { capacityFactor: 1.25, loadBalanceWeight: 0.01 } as const;

const PREFIXES = ['param', 'adam.m', 'adam.v'];

/**
 * Converts a MoT run config and its checkpoint tensors into a top-1 token-choice MoE config and
 * tensors. The MoE trains to step fromStep + extraSteps with the same optimizer settings and
 * learning-rate schedule formula (a schedule longer than the parent's continues its cosine; a
 * transition before the parent's end with extraSteps = the remaining steps reproduces the
 * parent's schedule exactly).
 */
export function transitionToMoe(
  config: RunConfig,
  tensors: readonly TransitionTensor[],
  options: TransitionOptions,
): TransitionResult {
  const m = config.model;
  if (m.ffn !== 'mot')
    throw new Error(`transition tuning starts from a MoT run; this run's blocks are ${m.ffn}`);
  if (!Number.isInteger(options.extraSteps) || options.extraSteps < 1)
    throw new Error(`extraSteps must be a positive integer, got ${options.extraSteps}`);
  const moe: MoeConfig = {
    router: 'token-choice',
    experts: m.mot.experts,
    expertWidth: motExpertWidth(m),
    topK: 1,
    capacityFactor: options.capacityFactor ?? TRANSITION_DEFAULTS.capacityFactor,
    loadBalanceWeight: options.loadBalanceWeight ?? TRANSITION_DEFAULTS.loadBalanceWeight,
    balanceChoices: 'all',
    routerZLossWeight: 0,
    initScale: m.mot.initScale,
  };
  const steps = options.fromStep + options.extraSteps;
  const next = resolveConfig(config, {
    name: `${config.name} → MoE`.slice(0, 120),
    description:
      `Transition-tuned from MoT at step ${options.fromStep}: Switch top-1 MoE (capacity ` +
      `${moe.capacityFactor}, load balance ${moe.loadBalanceWeight}) for ${options.extraSteps} more steps.`,
    model: { ffn: 'moe', moe },
    train: { steps, warmupSteps: Math.min(config.train.warmupSteps, steps) },
  });

  const renamed: [string, string][] = [];
  const rename = new Map<string, string>();
  blockKinds(m).forEach((kind, i) => {
    if (kind !== 'mot') return;
    const from = `blocks.${i}.ffn.C`;
    const to = `blocks.${i}.ffn.router`;
    rename.set(from, to);
    renamed.push([from, to]);
  });

  const byName = new Set(tensors.map((t) => t.name));
  for (const [from] of renamed) {
    if (!byName.has(`param/${from}`))
      throw new Error(`the checkpoint has no tensor param/${from}: is it this run's checkpoint?`);
  }
  const converted = tensors.map((t) => {
    const slash = t.name.indexOf('/');
    const prefix = t.name.slice(0, slash);
    const local = t.name.slice(slash + 1);
    const target = PREFIXES.includes(prefix) ? rename.get(local) : undefined;
    return {
      name: target ? `${prefix}/${target}` : t.name,
      shape: [...t.shape],
      data: t.data.slice(), // a copy: the result never aliases the input
    };
  });
  return { config: next, tensors: converted, renamed };
}
