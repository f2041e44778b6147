/**
 * What evaluating a checkpoint answers (`mot eval`, the app's Evaluate panel): the validation
 * loss of the same weights run in each way that matters for its FFN kind (services/evaluate.ts).
 */

export type EvaluationMode = 'trained' | 'discrete' | 'group-size' | 'no-capacity' | 'alone';

export interface EvaluationRow {
  mode: EvaluationMode;
  /** What was run, in words. */
  label: string;
  batchSize: number;
  /** MoT group size used (MoT runs only). */
  groupSize?: number;
  validationLoss: number;
  /** Standard error of validationLoss over its batches (absent with one batch). */
  validationStdError?: number;
  /** Validation tokens scored. */
  evalTokens: number;
}

export interface CheckpointEvaluation {
  runId: string;
  step: number;
  ffn: string;
  rows: EvaluationRow[];
}
