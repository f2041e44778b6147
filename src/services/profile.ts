/**
 * Where a training step's time goes, kernel by kernel (`mot bench --profile`): tf.profile over a
 * few steps, kernels grouped by name and input shapes, shares by kind, and the achieved matMul
 * GFLOP/s against a ceiling measured on the same backend in the same process (the step's largest
 * product, timed alone). The gap between the step and its matMul floor (matMul FLOPs / ceiling) is
 * split into the other kernels and what runs outside kernels (tape, gradients, JavaScript).
 */
import * as tf from '@tensorflow/tfjs';
import type { Trainer } from '../core/train/trainer';

export type KernelKind =
  'matMul' | 'transpose' | 'conv/pool' | 'elementwise' | 'reduce/softmax' | 'gather/copy';

export interface KernelRow {
  kernel: string;
  /** Input shapes, e.g. "2048x128 128x512" (matMul: "-> 2048x512", the output). */
  shapes: string;
  kind: KernelKind;
  callsPerStep: number;
  msPerStep: number;
  share: number;
  /** matMul only: achieved GFLOP/s of these calls. */
  gflops?: number;
}

export interface StepProfile {
  /** Median CPU time of a profiled step (profiling itself adds a little). */
  stepMs: number;
  /** Sum of kernel CPU times per step. */
  kernelMs: number;
  kernelsPerStep: number;
  /** Kernels under 50 us each, and their time together. */
  small: { count: number; ms: number };
  byKind: { kind: KernelKind; msPerStep: number; share: number }[];
  top: KernelRow[];
  matMul: {
    /** Multiply-adds count 2, read off the kernels' shapes. */
    flopsPerStep: number;
    msPerStep: number;
    achievedGflops: number;
    /** The step's largest matMul timed alone on this backend, in this run. */
    ceiling: { shapes: string; gflops: number };
    /** matMul FLOPs at the ceiling rate: the least time this step could take on these kernels. */
    floorMs: number;
  };
}

interface Sample {
  kernel: string;
  shapes: number[][];
  out: number[];
  ms: number;
}

/**
 * Profiles `steps` training steps of a warmed-up trainer. Times are this process's CPU time, not
 * the wall clock: on a machine that other processes share, the wall clock also counts their turns
 * (the engine runs one thread, so on an idle machine the two agree).
 */
export async function profileSteps(trainer: Trainer, steps = 3, topN = 15): Promise<StepProfile> {
  const samples: Sample[] = [];
  const stepMs: number[] = [];
  const restore = timeKernelsInCpu(tf.backend());
  try {
    for (let i = 0; i < steps; i++) {
      const started = process.cpuUsage();
      const info = await tf.profile(() => {
        trainer.trainStep();
      });
      stepMs.push(cpuMsSince(started));
      const backend = tf.getBackend();
      for (const k of info.kernels) {
        // Custom ops (tf.customGrad) appear as "forward" around the kernels they run: skip them.
        if (!tf.getKernel(k.name, backend)) continue;
        const kernelMs = await k.kernelTimeMs;
        if (typeof kernelMs !== 'number') continue; // a backend without timers reports an error
        samples.push({
          kernel: k.name,
          shapes: k.inputShapes.map((s) => s ?? []),
          out: k.outputShapes[0] ?? [],
          ms: kernelMs,
        });
      }
    }
  } finally {
    restore();
  }
  const rows = new Map<string, KernelRow & { flops: number }>();
  let totalFlops = 0;
  let small = 0;
  let smallMs = 0;
  let largest: { flops: number; shapes: number[][]; out: number[] } = {
    flops: 0,
    shapes: [],
    out: [],
  };
  for (const s of samples) {
    const flops = matMulFlops(s.kernel, s.shapes, s.out);
    const inputs = s.shapes.map((shape) => shape.join('x') || 'scalar').join(' ');
    const shapes = flops > 0 ? `${inputs} -> ${s.out.join('x')}` : inputs; // matMul: flags show
    const key = `${s.kernel} ${shapes}`;
    totalFlops += flops;
    if (flops > largest.flops) largest = { flops, shapes: s.shapes, out: s.out };
    if (s.ms < 0.05) {
      small++;
      smallMs += s.ms;
    }
    const row = rows.get(key) ?? {
      kernel: s.kernel,
      shapes,
      kind: kindOf(s.kernel),
      callsPerStep: 0,
      msPerStep: 0,
      share: 0,
      flops: 0,
    };
    row.callsPerStep += 1 / steps;
    row.msPerStep += s.ms / steps;
    row.flops += flops / steps;
    rows.set(key, row);
  }
  const kernelMs = samples.reduce((sum, s) => sum + s.ms, 0) / steps;
  const byKindMs = new Map<KernelKind, number>();
  for (const row of rows.values()) {
    row.share = row.msPerStep / kernelMs;
    if (row.flops > 0) row.gflops = row.flops / row.msPerStep / 1e6;
    byKindMs.set(row.kind, (byKindMs.get(row.kind) ?? 0) + row.msPerStep);
  }
  const matMulMs = byKindMs.get('matMul') ?? 0;
  const ceiling = measureCeiling(largest.shapes, largest.out);
  const gflopPerStep = totalFlops / steps / 1e9;
  return {
    stepMs: median(stepMs),
    kernelMs: round(kernelMs),
    kernelsPerStep: Math.round(samples.length / steps),
    small: { count: Math.round(small / steps), ms: round(smallMs / steps) },
    byKind: [...byKindMs]
      .map(([kind, ms]) => ({ kind, msPerStep: round(ms), share: round(ms / kernelMs, 3) }))
      .sort((a, b) => b.msPerStep - a.msPerStep),
    top: [...rows.values()]
      .sort((a, b) => b.msPerStep - a.msPerStep)
      .slice(0, topN)
      .map(({ flops: _flops, ...row }) => ({
        ...row,
        callsPerStep: round(row.callsPerStep, 1),
        msPerStep: round(row.msPerStep),
        share: round(row.share, 3),
        ...(row.gflops === undefined ? {} : { gflops: round(row.gflops, 1) }),
      })),
    matMul: {
      flopsPerStep: totalFlops / steps,
      msPerStep: round(matMulMs),
      achievedGflops: round(gflopPerStep / (matMulMs / 1000), 1),
      ceiling,
      floorMs: round((gflopPerStep / ceiling.gflops) * 1000),
    },
  };
}

/**
 * 2*M*N*K per product for BatchMatMul / _FusedMatMul: out is [..., M, N], and K = |a| / (batch M)
 * whatever a's transpose flag.
 */
function matMulFlops(kernel: string, [a]: number[][], out: number[]): number {
  if ((kernel !== 'BatchMatMul' && kernel !== '_FusedMatMul') || !a || out.length < 2) return 0;
  const m = out[out.length - 2];
  const k = size(a.slice(-2)) / m;
  return 2 * size(out) * k;
}

/**
 * GFLOP/s of the step's largest matMul shape, run alone: the fastest of 15 (CPU time) after 3
 * warm-ups.
 */
function measureCeiling(shapes: number[][], out: number[]): { shapes: string; gflops: number } {
  const known = shapes.length === 2 && out.length >= 2;
  const [aShape, bShape] = known
    ? shapes
    : [
        [2048, 128],
        [128, 512],
      ];
  const outShape = known ? out : [2048, 512];
  const flops = matMulFlops('BatchMatMul', [aShape, bShape], outShape);
  const a = tf.randomNormal(aShape);
  const b = tf.randomNormal(bShape);
  // The flags that turn these inputs into this output: a is [.., M, K] unless its last axis is M.
  const transposeA = aShape[aShape.length - 2] !== outShape[outShape.length - 2];
  const transposeB = bShape[bShape.length - 1] !== outShape[outShape.length - 1];
  const times: number[] = [];
  for (let i = 0; i < 18; i++) {
    // The product alone: synchronous backends compute it inside the call; reading it back is not
    // part of a training step (on GPU backends this times the dispatch only).
    const started = process.cpuUsage();
    const out = tf.matMul(a, b, transposeA, transposeB);
    if (i >= 3) times.push(cpuMsSince(started));
    out.dataSync();
    out.dispose();
  }
  tf.dispose([a, b]);
  const shapeText = [aShape, bShape].map((s) => s.join('x')).join(' ');
  return { shapes: shapeText, gflops: round(flops / Math.min(...times) / 1e6, 1) };
}

export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * Makes tf.profile time each kernel in CPU time. Kernels of the synchronous CPU backends (wasm,
 * cpu) finish inside the call; GPU backends keep their own timers. Returns the undo.
 */
function timeKernelsInCpu(backend: tf.KernelBackend): () => void {
  if (!['wasm', 'cpu'].includes(tf.getBackend())) return () => {};
  const timed = backend as unknown as { time(f: () => void): Promise<{ kernelMs: number }> };
  timed.time = async (f) => {
    const started = process.cpuUsage();
    f();
    return { kernelMs: cpuMsSince(started) };
  };
  return () => {
    delete (timed as { time?: unknown }).time; // back to the backend's own (prototype) timer
  };
}

function kindOf(kernel: string): KernelKind {
  if (kernel === 'BatchMatMul' || kernel === '_FusedMatMul') return 'matMul';
  if (kernel === 'Transpose') return 'transpose';
  if (/Conv|Pool/.test(kernel)) return 'conv/pool';
  if (/^(Sum|Max|Min|Mean|Prod|ArgMax|ArgMin|Softmax|LogSoftmax|All|Any)$/.test(kernel))
    return 'reduce/softmax';
  if (
    /^(Gather|Scatter|Concat|Slice|Pack|Unpack|Reshape|Identity|Cast|Fill|Tile|OneHot|ZerosLike|OnesLike|Pad|SplitV|StridedSlice)/.test(
      kernel,
    )
  )
    return 'gather/copy';
  return 'elementwise';
}

function size(shape: number[]): number {
  return shape.reduce((p, n) => p * n, 1);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
