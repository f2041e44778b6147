/**
 * One arm of a study point (dense or MoT): its runs over seeds and swept learning rates, the rate
 * it is reported at (the lowest mean final validation loss over its seeds, chosen only once every
 * rate of the sweep finished, so an early lucky rate is never picked), and the per-seed pairing of
 * two arms.
 */

export const SEED_KEY = 'train.seed';
export const LR_KEY = 'train.learningRate';

/** One run of a study as the report needs it. */
export interface StudyRunOutcome {
  runId: string;
  values: Record<string, unknown>;
  /** The run's status, or `missing` when it was deleted. */
  status: string;
  /** The last evaluation's validation loss (final once the run completed). */
  finalValidationLoss: number | null;
  /** Its standard error over the validation batches, when recorded. */
  validationStdError?: number | null;
  tokens: number;
  /** Cumulative training FLOPs at the last step. */
  flops: number;
  /** Tokens in the run's training split, when recorded: tokens / this = passes over it. */
  trainSplitTokens?: number | null;
}

/** One arm (dense or MoT) at one point: its runs at the learning rate it is reported at. */
export interface StudyArm {
  /** The chosen rate when the grid sweeps it (null until every rate finished, or without a sweep). */
  learningRate: number | null;
  /** Mean final validation loss over the seeds, per swept rate (all rates, for the record). */
  rates: { learningRate: number | null; meanLoss: number | null; seeds: number }[];
  /** The runs at the chosen rate, one per seed (without a sweep: the runs, finished or not). */
  runs: StudyRunOutcome[];
  meanLoss: number | null;
}

export interface SeedGap {
  seed: number | null;
  dense: number;
  mot: number;
  /** mot - dense */
  gap: number;
}

/** The arm of one FFN at one point, given every run it has there (all rates and seeds). */
export function armOf(
  runs: StudyRunOutcome[],
  planned: { seeds: number; rates: number },
): StudyArm {
  const byRate = new Map<string, StudyRunOutcome[]>();
  for (const run of runs) {
    const id = JSON.stringify(run.values[LR_KEY] ?? null);
    byRate.set(id, [...(byRate.get(id) ?? []), run]);
  }
  const rates = [...byRate.entries()].map(([id, group]) => {
    const done = group.filter(completed);
    const complete = done.length === planned.seeds && done.length === group.length;
    return {
      learningRate: JSON.parse(id) as number | null,
      meanLoss: complete ? mean(done.map((r) => r.finalValidationLoss as number)) : null,
      seeds: done.length,
      runs: group,
    };
  });
  const everyRate = rates.length === planned.rates && rates.every((r) => r.meanLoss !== null);
  const best = everyRate
    ? [...rates].sort((a, b) => (a.meanLoss as number) - (b.meanLoss as number))[0]
    : undefined;
  // With one rate there is nothing to choose: its runs stand for the arm while they train.
  const only = rates.length === 1 ? rates[0] : undefined;
  return {
    learningRate: planned.rates > 1 ? (best?.learningRate ?? null) : null,
    rates: rates.map(({ learningRate, meanLoss, seeds }) => ({ learningRate, meanLoss, seeds })),
    runs: (best ?? only)?.runs ?? [],
    meanLoss: best?.meanLoss ?? null,
  };
}

/** Gaps of the seeds both arms have at their chosen rates. */
export function pairBySeed(dense: StudyArm | null, mot: StudyArm | null): SeedGap[] {
  if (!dense || !mot || dense.meanLoss === null || mot.meanLoss === null) return [];
  const seedOf = (r: StudyRunOutcome) => (r.values[SEED_KEY] as number | undefined) ?? null;
  return dense.runs.flatMap((d) => {
    const m = mot.runs.find((r) => seedOf(r) === seedOf(d));
    if (!m) return [];
    const [dl, ml] = [d.finalValidationLoss as number, m.finalValidationLoss as number];
    return [{ seed: seedOf(d), dense: dl, mot: ml, gap: ml - dl }];
  });
}

function completed(run: StudyRunOutcome): boolean {
  return run.status === 'completed' && run.finalValidationLoss !== null;
}

export function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
