import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant of src/core and src/services/store: the engine and
 * store tests, without the CLI, browser and Electron suites (they start processes and add minutes
 * per mutant). MUTATION_SCOPE narrows them further, so a mutant costs seconds, not minutes:
 * - unit: the layer-level suites and the short trainer checks, not the ones that train for dozens
 *   of steps (for the model, data and the small train files);
 * - train: unit plus trainer.test.ts (its loop, checkpoint and 40-step checks, about 15 s), for
 *   trainer.ts, whose every mutant the study and CLI suites would otherwise also run;
 * - store: the run store's own suites (for src/services/store).
 */
const unit = [
  'model-reference',
  'mot',
  'moe',
  'expert-choice',
  'expert-choice-plan',
  'layer-stats',
  'ops',
  'adamw',
  'data',
  'tokenizer',
  'params',
  'train-parts',
  'trainer-reports',
  'validation-sample',
];

const scopes: Record<string, string[]> = {
  unit: unit.map((name) => `test/core/${name}.test.ts`),
  train: [...unit, 'trainer'].map((name) => `test/core/${name}.test.ts`),
  store: ['test/services/{store,durable,process-alive}*.test.ts'],
};

const scope = process.env.MUTATION_SCOPE;
if (scope !== undefined && !(scope in scopes)) {
  throw new Error(`MUTATION_SCOPE=${scope}: expected one of ${Object.keys(scopes).join(', ')}`);
}

export default defineConfig({
  test: {
    include:
      scope === undefined
        ? ['test/core/**/*.test.ts', 'test/services/{store,durable,run-manager}*.test.ts']
        : scopes[scope],
    setupFiles: ['test/setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
