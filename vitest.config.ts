import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // CLI and training tests start real processes and train real models on 2 cores.
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
