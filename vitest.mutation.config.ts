import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant of src/core and src/services/store: the engine and
 * store unit tests, without the CLI, browser and Electron suites (they start processes and add
 * minutes per mutant without reaching code those tests do not).
 */
export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts', 'test/services/{store,durable,run-manager}*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
