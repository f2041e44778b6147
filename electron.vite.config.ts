import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/core/api/csp';

/** The placeholder in src/renderer/index.html that becomes the policy. */
const CSP_PLACEHOLDER = 'content="__MOT_CSP__"';

/**
 * Fills the renderer's Content-Security-Policy `<meta>` tag from the same function main uses for
 * the response header, so the two never drift apart. The dev server gets the dev policy.
 */
function cspMetaTag(): Plugin {
  let dev = false;
  return {
    name: 'mot:csp-meta',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        if (!html.includes(CSP_PLACEHOLDER)) {
          throw new Error(`index.html lost its CSP meta tag (${CSP_PLACEHOLDER})`);
        }
        const policy = contentSecurityPolicy({ dev, delivery: 'meta' });
        return html.replace(CSP_PLACEHOLDER, `content="${policy}"`);
      },
    },
  };
}

/**
 * Three builds, one per Electron process (see DESIGN.md, "One engine, three shells").
 *
 * - main: ESM (package.json has "type": "module"), written to out/main/index.js, plus the
 *   training process entry out/main/trainer-process.js (one utilityProcess per run), its gradient
 *   worker threads' out/main/train-worker.js (train.workers > 1), and the task
 *   process entry out/main/task-process.js (generation and the backend probe).
 * - preload: CommonJS named `.cjs`. A sandboxed preload is not an ES module: Electron runs it as
 *   a script with a limited `require`, so it must be one self-contained CommonJS file that
 *   requires `electron` alone (checked by test/main/preload.test.ts on the built file).
 * - renderer: a plain web page, root src/renderer, written to out/renderer, minified.
 */
export default defineConfig({
  main: {
    build: {
      lib: {
        entry: {
          index: resolve('src/main/index.ts'),
          // Each training run's utilityProcess runs this (see src/main/trainer-launcher.ts).
          'trainer-process': resolve('src/services/run-manager/trainer-process.ts'),
          // A data-parallel run's gradient worker threads (src/services/train-workers).
          'train-worker': resolve('src/services/train-workers/worker-entry.ts'),
          // Generation and the backend probe run here, off the main process (trainer-launcher.ts).
          'task-process': resolve('src/services/tasks/task-process.ts'),
        },
        formats: ['es'],
      },
    },
  },
  preload: {
    build: {
      // Bundle valibot (the contract's schemas) and anything else the preload imports: a
      // sandboxed preload's require knows only electron, events, timers and url.
      externalizeDeps: false,
      lib: { entry: resolve('src/preload/index.ts'), formats: ['cjs'] },
      rolldownOptions: {
        output: { entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    build: {
      // electron-vite leaves every build unminified; the page is what users download and parse.
      minify: true,
      rolldownOptions: {
        input: { index: resolve('src/renderer/index.html') },
      },
    },
    plugins: [svelte({ configFile: resolve('svelte.config.js') }), cspMetaTag()],
  },
});
