/** `mot layer-eval`: one FFN layer on given inputs and weights, for cross-checking the math. */
import { writeFileSync } from 'node:fs';
import { selectBackend } from '../../services/backends';
import { evaluateLayerCase } from '../../services/layer-eval';
import { backendFlag, parse, requireFlag } from '../args';
import { readJsonFile } from '../files';

export async function layerEvalCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    in: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
  });
  const input = requireFlag(values.in, 'in');
  const output = requireFlag(values.out, 'out');
  const backend = backendFlag(values.backend);
  const parsed = readJsonFile(input);
  await selectBackend(backend);
  const result = evaluateLayerCase(parsed);
  writeFileSync(output, JSON.stringify(result));
}
