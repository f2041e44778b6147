/** `mot eval`: a checkpoint's validation loss run in every way that matters for its FFN kind. */
import { selectBackend } from '../../services/backends';
import { evaluateRun } from '../../services/evaluate';
import { readRunConfig } from '../../services/run-data';
import { resolveDataDir } from '../../services/store';
import { openStore } from '../store';
import { backendFlag, numberFlag, parse, requireFlag } from '../args';
import { progress, result, table } from '../output';

export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    run: { type: 'string' },
    step: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
  });
  const runId = requireFlag(values.run, 'run');
  const step = values.step === undefined ? undefined : numberFlag(values.step, 'step', 0, 0, 1e9);
  const backendChoice = values.backend === undefined ? undefined : backendFlag(values.backend);
  const store = await openStore(resolveDataDir(values['data-dir']));
  const config = readRunConfig(store, runId);
  await selectBackend(backendChoice ?? config.backend);
  const evaluation = evaluateRun(store, runId, { step });
  if (values.json) {
    result(evaluation);
    return;
  }
  progress(`run ${runId}, checkpoint at step ${evaluation.step}`);
  const rows = evaluation.rows.map((r) => [
    r.label,
    String(r.batchSize),
    r.validationLoss.toFixed(4),
    r.validationStdError === undefined ? '-' : r.validationStdError.toFixed(4),
    r.evalTokens.toLocaleString('en-US'),
  ]);
  const head = ['evaluated as', 'batch', 'val loss', '± s.e.', 'tokens'];
  process.stdout.write(`${table(head, rows)}\n`);
}
