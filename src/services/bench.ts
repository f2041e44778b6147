/**
 * Training-speed benchmark: the fixed reference model (d 128, 2 blocks, 4 heads, T 64, B 32,
 * dFF 512; MoT g 8 E 8 FLOP-matched; MoE E 8 top-1; byte tokens on Brown) trained for a few steps
 * on each backend and FFN kind. One result per (backend, kind), as soon as it is measured.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FFN_KINDS, type FfnKind, type RunConfig } from '../core/config';
import type { PreparedData } from '../core/data/prepare';
import { findPreset } from '../core/presets';
import { flopsPerToken } from '../core/train/flops';
import { Trainer } from '../core/train/trainer';
import { selectBackend, type BackendName } from './backends';
import { nativeKernelsOn } from './native-kernels';
import { cpuMsSince, profileSteps, type StepProfile } from './profile';
import { describeRejections, describeTorchPython, findTorchPython } from './engines/python';
import { torchEngineDir } from './engines/torch-launcher';
import { prepareTorchRun } from './engines/torch-prepare';
import { loadRunData } from './run-data';
import { threadCpuMs } from './train-workers/thread-cpu';
import { WorkerPool } from './train-workers/worker-pool';

export interface BenchOptions {
  /**
   * Default: tensorflow, wasm, cpu (the ones that do not load are reported as unavailable);
   * `torch` runs the Python engine on the same config.
   */
  backends?: BackendName[];
  kinds?: FfnKind[];
  /** Timed steps (default 10; cpu, about 10x slower, defaults to 3). */
  steps?: number;
  /** Untimed steps first: kernel compilation, allocation, caches (default 3; cpu 1). */
  warmup?: number;
  /** Also profile a few steps kernel by kernel (see profile.ts). */
  profile?: boolean;
  /** wasm: with the native kernels (on, the default where they load), without, or both. */
  native?: 'on' | 'off' | 'both';
  /**
   * Data-parallel worker threads to measure each kind with, back to back (default [1]; wasm
   * and cpu only): the reference batch of 32 split across them.
   */
  workers?: number[];
}

export type BenchResult =
  | {
      backend: BackendName;
      kind: FfnKind;
      available: true;
      /** What ran, e.g. "@tensorflow/tfjs-backend-wasm (SIMD), native BatchMatMul, Transpose on OpenBLAS". */
      detail: string;
      /** wasm only: whether the native kernels served it. */
      native?: boolean;
      /** Data-parallel worker threads (this process's main thread included). */
      workers: number;
      /** Median over the timed steps. */
      msPerStep: number;
      /**
       * Median CPU time of this process per step: on a machine other processes share, the wall
       * clock counts their turns too; this does not. With worker threads it is every thread's.
       */
      cpuMsPerStep: number;
      /**
       * Mean CPU ms per step of each thread (this process's main thread, then each worker;
       * Linux only): on a machine other work keeps busy, the busiest thread's is what a step
       * would take with a core per thread.
       */
      threadCpuMsPerStep?: number[];
      /** Tokens/s at the busiest thread's CPU time per step (see threadCpuMsPerStep). */
      busiestThreadTokensPerSecond?: number;
      tokensPerSecond: number;
      /** Achieved training FLOP/s (3x forward, MoT mixing included), in 1e9 per second. */
      gflopsPerSecond: number;
      flopsPerToken: number;
      params: number;
      steps: number;
      profile?: StepProfile;
    }
  | { backend: BackendName; kind: FfnKind; workers?: number; available: false; reason: string };

const DEFAULT_BACKENDS: BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** The reference config for one FFN kind; every step trains on a fresh batch of 32 x 64 tokens. */
export function benchConfig(kind: FfnKind): RunConfig {
  const base = findPreset('tiny-mot').config; // 2 blocks of the desktop reference model
  return { ...base, name: `bench-${kind}`, model: { ...base.model, ffn: kind, placement: 'all' } };
}

export async function* runBenchmark(options: BenchOptions = {}): AsyncGenerator<BenchResult> {
  const kinds = options.kinds ?? [...FFN_KINDS];
  let data: PreparedData | null = null; // the same corpus and tokenizer for every run
  for (const { backend, native } of targets(options)) {
    if (backend === 'torch') {
      for (const kind of kinds) yield await benchTorch(kind, options);
      continue;
    }
    let detail: string;
    try {
      ({ detail } = await selectBackend(backend, { native }));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      for (const kind of kinds) yield { backend, kind, available: false, reason };
      continue;
    }
    const nativeOn = backend === 'wasm' ? nativeKernelsOn() : undefined;
    if (native && nativeOn === false) {
      for (const kind of kinds)
        yield { backend, kind, available: false, reason: `wasm+native: ${detail}` };
      continue;
    }
    const slow = backend === 'cpu';
    const steps = options.steps ?? (slow ? 3 : 10);
    const warmup = options.warmup ?? (slow ? 1 : 3);
    for (const kind of kinds) {
      for (const workers of options.workers ?? [1]) {
        if (workers > 1 && backend !== 'wasm' && backend !== 'cpu') {
          const reason = 'worker threads run the wasm and cpu backends only';
          yield { backend, kind, workers, available: false, reason };
          continue;
        }
        const config = benchConfig(kind);
        data ??= loadRunData(config);
        yield await benchOne(
          config,
          data,
          { backend, detail, nativeOn, workers, steps, warmup },
          options,
        );
      }
    }
  }
}

interface BenchTarget {
  backend: BackendName;
  detail: string;
  nativeOn: boolean | undefined;
  workers: number;
  steps: number;
  warmup: number;
}

/** Times `target.steps` steps of one kind on the active backend, after the warm-up steps. */
async function benchOne(
  config: RunConfig,
  data: PreparedData,
  target: BenchTarget,
  options: BenchOptions,
): Promise<BenchResult> {
  const { backend, detail, nativeOn, workers, steps, warmup } = target;
  const kind = config.model.ffn;
  const trainer = new Trainer(config, data);
  let pool: WorkerPool | undefined;
  try {
    if (workers > 1) {
      pool = await WorkerPool.open({
        threads: workers - 1,
        model: config.model,
        vocabSize: data.tokenizer.vocabSize,
        seed: config.train.seed,
        params: trainer.model.params.variables,
        backend: backend === 'cpu' ? 'cpu' : 'wasm',
        native: nativeOn === true,
      });
      trainer.useWorkers(pool);
    }
    const stepMs: number[] = [];
    const cpuMs: number[] = [];
    let threadsAtStart: (number | null)[] = [];
    for (let i = 0; i < warmup + steps; i++) {
      if (i === warmup) threadsAtStart = [threadCpuMs(), ...(pool?.workerCpuMs ?? [])];
      const cpu = process.cpuUsage();
      const record = pool ? await trainer.parallelStep(pool) : trainer.trainStep();
      if (i >= warmup) {
        cpuMs.push(cpuMsSince(cpu));
        stepMs.push(record.stepMs);
      }
    }
    const msPerStep = median(stepMs);
    const tokensPerStep = config.train.batchSize * config.model.contextLength;
    const perToken = flopsPerToken(config.model, data.tokenizer.vocabSize).train;
    const tokensPerSecond = (tokensPerStep * 1000) / msPerStep;
    const threadsAtEnd = [threadCpuMs(), ...(pool?.workerCpuMs ?? [])];
    const perThread = threadsAtEnd.map((end, i) => {
      const start = threadsAtStart[i];
      return end === null || start === null ? null : (end - start) / steps;
    });
    const threadCpuMsPerStep = perThread.every((ms) => ms !== null) ? perThread : undefined;
    // The profile times this thread's kernels, so it is taken of one worker.
    const profile = options.profile && !pool ? await profileSteps(trainer) : undefined;
    return {
      backend,
      kind,
      available: true,
      detail,
      ...(nativeOn === undefined ? {} : { native: nativeOn }),
      workers,
      msPerStep,
      cpuMsPerStep: median(cpuMs),
      ...(threadCpuMsPerStep && {
        threadCpuMsPerStep,
        busiestThreadTokensPerSecond: (tokensPerStep * 1000) / Math.max(...threadCpuMsPerStep),
      }),
      tokensPerSecond,
      gflopsPerSecond: (tokensPerSecond * perToken) / 1e9,
      flopsPerToken: perToken,
      params: trainer.model.params.count(),
      steps,
      ...(profile ? { profile } : {}),
    };
  } finally {
    await pool?.close();
    trainer.dispose();
  }
}

/**
 * Per FFN kind where both ran: which is faster, TensorFlow's own kernels (tfjs-node) or wasm with
 * the native kernels, and by how much.
 */
export function compareEngines(results: BenchResult[]) {
  // One thread each: tfjs-node schedules its own threads, worker threads are another comparison.
  const measured = results.flatMap((r) => (r.available && r.workers === 1 ? [r] : []));
  return FFN_KINDS.flatMap((kind) => {
    const tensorflow = measured.find((r) => r.kind === kind && r.backend === 'tensorflow');
    const native = measured.find((r) => r.kind === kind && r.backend === 'wasm' && r.native);
    if (!tensorflow || !native) return [];
    const [fast, slow] =
      tensorflow.msPerStep <= native.msPerStep ? [tensorflow, native] : [native, tensorflow];
    return [
      {
        kind,
        faster: fast.backend === 'wasm' ? 'wasm+native' : 'tensorflow',
        speedup: slow.msPerStep / fast.msPerStep,
      },
    ];
  });
}

/** Each backend once; wasm once per kernel set asked for (plain first, so `both` compares). */
interface Target {
  backend: BackendName;
  native?: boolean;
}
function targets(options: BenchOptions): Target[] {
  const mode = options.native ?? 'on';
  return (options.backends ?? DEFAULT_BACKENDS).flatMap((backend): Target[] =>
    backend !== 'wasm'
      ? [{ backend }]
      : mode === 'both'
        ? [
            { backend, native: false },
            { backend, native: true },
          ]
        : [{ backend, native: mode === 'on' ? undefined : false }],
  );
}

/**
 * The Python engine on the same config: the workbench prepares a scratch run folder (same data,
 * same initial weights) and `train.py --bench` times the steps there (nothing is written).
 */
async function benchTorch(kind: FfnKind, options: BenchOptions): Promise<BenchResult> {
  const backend = 'torch' as const;
  const probe = await findTorchPython();
  if (!probe.found) return { backend, kind, available: false, reason: describeRejections(probe) };
  const config: RunConfig = { ...benchConfig(kind), backend };
  const dir = await mkdtemp(path.join(tmpdir(), 'mot-bench-'));
  try {
    await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
    const manifest = await prepareTorchRun(dir, config, { initialWeights: true });
    const steps = options.steps ?? 10;
    const args = ['--run', dir, '--bench', String(steps), '--warmup', String(options.warmup ?? 3)];
    const { stdout } = await promisify(execFile)(probe.found.command, [
      path.join(torchEngineDir(), 'train.py'),
      ...args,
    ]);
    const { msPerStep, cpuMsPerStep, params } = JSON.parse(
      stdout.trim().split('\n').at(-1) ?? '',
    ) as { msPerStep: number; cpuMsPerStep: number; params: number };
    const tokensPerSecond =
      (config.train.batchSize * config.model.contextLength * 1000) / msPerStep;
    return {
      backend,
      kind,
      available: true,
      detail: describeTorchPython(probe.found),
      workers: 1,
      msPerStep,
      cpuMsPerStep,
      tokensPerSecond,
      gflopsPerSecond: (tokensPerSecond * manifest.flopsPerTrainToken) / 1e9,
      flopsPerToken: manifest.flopsPerTrainToken,
      params,
      steps,
    };
  } catch (error) {
    return {
      backend,
      kind,
      available: false,
      reason: error instanceof Error ? error.message : String(error),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
