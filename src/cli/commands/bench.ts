/**
 * `mot bench` (npm run bench): ms/step, tokens/s and GFLOP/s per backend and FFN kind, one JSON
 * line each. `--native both` runs wasm with and without the native kernels; `--workers 1,2` measures
 * each kind with 1 and 2 data-parallel worker threads, back to back. `--profile` adds the per-kernel profile to each line and prints it as tables on stderr.
 */
import { FFN_KINDS, type FfnKind } from '../../core/config';
import type { BackendName } from '../../services/backends';
import { compareEngines, runBenchmark, type BenchResult } from '../../services/bench';
import type { StepProfile } from '../../services/profile';
import { backendFlag, numberFlag, parse, UsageError } from '../args';
import { progress, result, table } from '../output';

export async function benchCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    backend: { type: 'string', multiple: true },
    kind: { type: 'string', multiple: true },
    steps: { type: 'string' },
    profile: { type: 'boolean' },
    native: { type: 'string' },
    workers: { type: 'string', multiple: true },
  });
  const native = values.native ?? 'on';
  if (native !== 'on' && native !== 'off' && native !== 'both')
    throw new UsageError(`--native must be on, off or both, not "${native}"`);
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
  const profile = values.profile ?? false;
  // --workers 1,2 or --workers 1 --workers 2: each kind measured with each count, back to back.
  const workers = values.workers
    ?.flatMap((w) => w.split(','))
    .map((w) => numberFlag(w.trim(), 'workers', 1, 1, 256));
  const lines: BenchResult[] = [];
  for await (const line of runBenchmark({ backends, kinds, steps, profile, native, workers })) {
    result(line);
    lines.push(line);
    if (line.available && line.profile) progress(describeProfile(line, line.profile));
  }
  for (const comparison of compareEngines(lines)) result({ comparison });
}

function describeProfile(line: BenchResult & { available: true }, p: StepProfile): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const m = p.matMul;
  return [
    `\n${line.backend}${line.native ? '+native' : ''} ${line.kind}: ${p.stepMs.toFixed(1)} ms/step profiled, ${p.kernelMs} ms in ` +
      `${p.kernelsPerStep} kernels (${p.small.count} under 50 us: ${p.small.ms} ms), ` +
      `${(p.stepMs - p.kernelMs).toFixed(1)} ms outside kernels`,
    `matMul: ${(m.flopsPerStep / 1e9).toFixed(3)} GFLOP in ${m.msPerStep} ms = ${m.achievedGflops} GFLOP/s; ceiling ` +
      `${m.ceiling.gflops} GFLOP/s (${m.ceiling.shapes} alone) -> floor ${m.floorMs} ms/step`,
    table(
      ['kind', 'ms/step', 'share'],
      p.byKind.map((k) => [k.kind, k.msPerStep.toFixed(2), pct(k.share)]),
    ),
    table(
      ['kernel', 'input shapes', 'calls', 'ms/step', 'share', 'GFLOP/s'],
      p.top.map((r) => [
        r.kernel,
        r.shapes,
        String(r.callsPerStep),
        r.msPerStep.toFixed(2),
        pct(r.share),
        r.gflops === undefined ? '' : String(r.gflops),
      ]),
    ),
  ].join('\n');
}
