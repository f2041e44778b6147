/**
 * How long preparing a torch run's data (Brown, a 512-token BPE, initial weights) stalls the
 * calling event loop: prepared in this process, then in a task process as the workbench does.
 * Prints the wall time and the longest event-loop delay of each. Usage:
 *   npx tsx scripts/prepare-stall.mts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { resolveConfig } from '../src/core/config';
import { BASE_CONFIG } from '../src/core/presets';
import { prepareTorchRun } from '../src/services/engines/torch-prepare';
import { TaskPool, forkTaskLauncher } from '../src/services/tasks';

const config = resolveConfig(BASE_CONFIG, {
  backend: 'torch',
  data: { corpus: { kind: 'builtin', name: 'brown' }, tokenizer: { kind: 'bpe', vocabSize: 512 } },
});
const freshRunDir = () => mkdtempSync(path.join(tmpdir(), 'mot-prepare-stall-'));

async function measure(label: string, prepare: (runDir: string) => Promise<unknown>) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // The histogram counts from its second tick: let it tick before the work starts.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  await prepare(freshRunDir());
  const wallMs = performance.now() - started;
  delay.disable();
  const maxDelayMs = delay.max / 1e6;
  console.log(
    `${label.padEnd(14)} wall ${wallMs.toFixed(0)} ms, longest event-loop stall ${maxDelayMs.toFixed(0)} ms`,
  );
}

await measure('in process', (runDir) => prepareTorchRun(runDir, config, { initialWeights: true }));
const pool = new TaskPool(forkTaskLauncher());
await measure('task process', (runDir) =>
  pool.run({ type: 'prepareTorch', runDir, dataDir: tmpdir(), config, initialWeights: true }),
);
pool.close();
