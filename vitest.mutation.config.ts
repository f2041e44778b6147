import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant of src/core and src/services/store: the engine and
 * store tests, without the CLI, browser and Electron suites (they start processes and add minutes
 * per mutant). MUTATION_SCOPE=unit keeps the layer-level suites and the short trainer checks only,
 * not the ones that train for dozens of steps: a model-file mutant then costs seconds, not minutes.
 */
const unit = [
  'model-reference',
  'mot',
  'moe',
  'expert-choice',
  'layer-stats',
  'ops',
  'adamw',
  'data',
  'tokenizer',
  'params',
  'train-parts',
  'trainer-reports',
];

export default defineConfig({
  test: {
    include:
      process.env.MUTATION_SCOPE === 'unit'
        ? unit.map((name) => `test/core/${name}.test.ts`)
        : ['test/core/**/*.test.ts', 'test/services/{store,durable,run-manager}*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
