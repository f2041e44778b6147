/** `mot bench` (npm run bench): ms/step, tokens/s and GFLOP/s per backend and FFN kind, one JSON line each. */
import { FFN_KINDS, type FfnKind } from '../../core/config';
import type { BackendName } from '../../services/backends';
import { runBenchmark } from '../../services/bench';
import { backendFlag, numberFlag, parse, UsageError } from '../args';
import { result } from '../output';

export async function benchCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    backend: { type: 'string', multiple: true },
    kind: { type: 'string', multiple: true },
    steps: { type: 'string' },
  });
  const backends = values.backend?.map((b) => {
    const choice = backendFlag(b);
    if (choice === 'auto') throw new UsageError('--backend auto is not a single backend');
    return choice as BackendName;
  });
  const kinds = values.kind?.map((k) => {
    if (!(FFN_KINDS as readonly string[]).includes(k))
      throw new UsageError(`unknown --kind "${k}"; choose dense, mot or moe`);
    return k as FfnKind;
  });
  const steps =
    values.steps === undefined ? undefined : numberFlag(values.steps, 'steps', 10, 1, 1000);
  for await (const line of runBenchmark({ backends, kinds, steps })) result(line);
}
