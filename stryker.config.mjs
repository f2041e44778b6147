// Mutation testing of the engine and the run store: `npm run mutation` (README, "Testing").
// Narrow a run to one file with `npm run mutation -- --mutate src/core/train/schedule.ts`.
// Incremental: results are kept in reports/mutation/, so a rerun only tests the mutants whose
// code or covering tests changed. One worker: the machines it runs on are shared.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  mutate: ['src/core/**/*.ts', 'src/services/store/**/*.ts'],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
