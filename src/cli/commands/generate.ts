/** `mot generate`: text from a run's checkpoint, saying how MoT groups were filled. */
import { generate } from '../../core/generate';
import { selectBackend } from '../../services/backends';
import { companionsFor } from '../../services/generation';
import { loadCheckpoint, modelFromCheckpoint } from '../../services/run-data';
import { resolveDataDir } from '../../services/store';
import { openStore } from '../store';
import { backendFlag, numberFlag, parse, requireFlag, UsageError } from '../args';
import { progress, result } from '../output';

export async function generateCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    prompt: { type: 'string', multiple: true },
    'max-tokens': { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    seed: { type: 'string' },
    step: { type: 'string' },
    discrete: { type: 'boolean' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
  });
  const runId = requireFlag(values.run, 'run');
  const prompts = values.prompt ?? [];
  if (prompts.length === 0) throw new UsageError('give at least one --prompt TEXT');
  const options = {
    maxTokens: numberFlag(values['max-tokens'], 'max-tokens', 100, 1, 4096),
    temperature: numberFlag(values.temperature, 'temperature', 0.8, 0, 10, false),
    topK: numberFlag(values['top-k'], 'top-k', 40, 0, 1 << 16),
    seed: numberFlag(values.seed, 'seed', 0, 0, 2 ** 31 - 1),
  };
  const step = values.step === undefined ? undefined : numberFlag(values.step, 'step', 0, 0, 1e9);

  const backend = backendFlag(values.backend);
  const store = await openStore(resolveDataDir(values['data-dir']));
  store.get(runId);
  const loaded = loadCheckpoint(store, runId, step);
  await selectBackend(backend);
  const model = modelFromCheckpoint(loaded);
  try {
    const companionSource = companionsFor(model, loaded, store.dataDir);
    const out = generate(model, loaded.tokenizer, {
      prompts,
      ...options,
      discrete: values.discrete,
      companionSource,
    });
    if (values.json) {
      result({ runId, step: loaded.step, ...out });
      return;
    }
    progress(`run ${runId}, checkpoint at step ${loaded.step}: ${out.groupFill}`);
    for (const c of out.companions)
      progress(`  companion @${c.offset}: ${JSON.stringify(c.preview)}`);
    for (const o of out.outputs) process.stdout.write(`${o.prompt}${o.text}\n`);
  } finally {
    model.dispose();
  }
}
