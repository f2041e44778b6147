/**
 * Native kernels for tfjs-backend-wasm: the optional addon in native/ (N-API, on the platform's
 * BLAS) computes matMul (2-D and batched, transpose flags folded into sgemm) and transpose
 * directly on the wasm heap, in place of the wasm backend's own kernels, and adds two for AdamW
 * (src/core/train/adamw.ts: the sum of squares, and the whole update in one pass), two for
 * LayerNorm (src/core/model/layer-norm.ts: forward and backward, one pass each), two for
 * attention's causal softmax and its gradient (src/core/model/attention.ts) and ReLU's gradient
 * (src/core/model/ops.ts). It also replaces
 * wasm's Identity and same-dtype Cast, which copy the data, by ones that share it: tfjs clones
 * every tensor it saves for the backward pass, so the copies cost a pass over memory each, a
 * dozen [2048, 128] and larger per step. Sharing is safe because no wasm kernel writes into its
 * inputs: each writes a fresh output (the wasm Reshape shares data the same way). Registered
 * over the 'wasm' kernels only when the addon loads; `setNativeKernels(false)` puts the
 * originals back.
 * While they are on, the tfjs flag MOT_NATIVE_KERNELS is true, so src/core picks the layouts
 * these kernels are fast for (batched matMul instead of depthwise convolutions).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_KERNELS_FLAG, RELU_GRAD_KERNEL } from '../core/model/ops';
import { CAUSAL_SOFTMAX_KERNEL, SOFTMAX_GRAD_KERNEL } from '../core/model/attention';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../core/model/layer-norm';
import { ADAMW_KERNEL, SUM_SQUARES_KERNEL } from '../core/train/adamw';

interface NativeAddon {
  gemm(
    heap: ArrayBuffer,
    batch: number,
    m: number,
    n: number,
    k: number,
    a: number,
    strideA: number,
    transposeA: boolean,
    b: number,
    strideB: number,
    transposeB: boolean,
    out: number,
  ): void;
  transpose(heap: ArrayBuffer, x: number, out: number, dims: number[], perm: number[]): void;
  sumSquares(heap: ArrayBuffer, x: number, count: number): number;
  adamw(
    heap: ArrayBuffer,
    count: number,
    p: number,
    m: number,
    v: number,
    g: number,
    outP: number,
    outM: number,
    outV: number,
    settings: number[],
  ): void;
  reluGrad(heap: ArrayBuffer, count: number, dy: number, y: number, out: number): void;
  causalSoftmax(heap: ArrayBuffer, batch: number, t: number, scores: number, probs: number): void;
  softmaxGrad(heap: ArrayBuffer, rows: number, n: number, dy: number, y: number, dx: number): void;
  layerNorm(
    heap: ArrayBuffer,
    rows: number,
    d: number,
    x: number,
    gain: number,
    bias: number,
    y: number,
    xhat: number,
    rstd: number,
    epsilon: number,
  ): void;
  layerNormGrad(
    heap: ArrayBuffer,
    rows: number,
    d: number,
    dy: number,
    xhat: number,
    rstd: number,
    gain: number,
    dx: number,
    dgain: number,
    dbias: number,
  ): void;
  setThreads(n: number): void;
  info(): { blas: string; threads: number };
}

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  incRef(dataId: object): void;
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: Float32Array,
  ): tf.TensorInfo;
}

type KernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
};

/** The wasm kernels replaced: the first two by the addon's, the others by sharing data. */
const KERNELS = ['BatchMatMul', 'Transpose', 'Identity', 'Cast'] as const;

let addon: NativeAddon | null | undefined;
let loadError = '';
const originals = new Map<string, tf.KernelConfig>();

/** The addon, built by `npm install` (scripts/build-native.mjs); null with a reason if absent. */
export function nativeAddon(): { addon: NativeAddon | null; reason: string } {
  if (addon === undefined) {
    const file = addonPath();
    if (process.env.MOT_NATIVE === '0') {
      addon = null;
      loadError = 'native kernels turned off by MOT_NATIVE=0';
    } else if (!file) {
      addon = null;
      loadError = `native kernels are not built (${buildError() ?? 'run npm run build:native'})`;
    } else {
      try {
        addon = createRequire(import.meta.url)(file) as NativeAddon;
        // One BLAS thread: a step's products are small, and the other cores belong to other
        // runs or data-parallel workers. MOT_BLAS_THREADS overrides.
        addon.setThreads(Number(process.env.MOT_BLAS_THREADS ?? 1));
      } catch (error) {
        addon = null;
        loadError = `native kernels failed to load: ${(error as Error).message.split('\n')[0]}`;
      }
    }
  }
  return { addon, reason: loadError };
}

/** The addon's file name, as native/binding.gyp builds it. */
export const ADDON_FILE = 'mot_native.node';
/** Where a packaged app keeps it: <resources>/native/ (electron-builder.config.js copies it). */
export const PACKAGED_ADDON_DIR = 'native';

/**
 * Where the addon may be, in order: native/build/Release/ of a checkout, seen from this file
 * (src/services, run by tsx) or from a bundle (out/main, or a chunk folder under it); then, in a
 * packaged app, <resources>/native/, outside the asar since native code cannot be loaded from
 * inside one: by Electron's `process.resourcesPath` when there is one, else found from the
 * bundle, which sits at <resources>/app.asar/out/main/.
 */
export function addonCandidates(moduleUrl: string, resourcesPath?: string): string[] {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const built = ['../..', '../../..'].map((up) =>
    path.resolve(here, up, 'native', 'build', 'Release', ADDON_FILE),
  );
  const asar = path.resolve(here, '..', '..');
  const packaged = [
    ...(resourcesPath ? [resourcesPath] : []),
    ...(asar.endsWith('.asar') ? [path.dirname(asar)] : []),
  ].map((resources) => path.join(resources, PACKAGED_ADDON_DIR, ADDON_FILE));
  return [...new Set([...built, ...packaged])];
}

/** The first candidate that exists (see addonCandidates), or null. */
export function findAddon(moduleUrl: string, resourcesPath?: string): string | null {
  return addonCandidates(moduleUrl, resourcesPath).find((file) => existsSync(file)) ?? null;
}

/** native/build/<file> of a checkout, looked for from src/services and from a bundle in out/. */
function buildFile(name: string): string | null {
  for (const up of ['../..', '../../..']) {
    const file = fileURLToPath(new URL(`${up}/native/build/${name}`, import.meta.url));
    if (existsSync(file)) return file;
  }
  return null;
}

function addonPath(): string | null {
  return findAddon(import.meta.url, (process as { resourcesPath?: string }).resourcesPath);
}

/** Why scripts/build-native.mjs could not build the addon, as it wrote it down. */
function buildError(): string | null {
  const file = buildFile('error.txt');
  return file ? readFileSync(file, 'utf8').trim() : null;
}

/**
 * Turns the native kernels on or off for the wasm backend (which must be registered). Returns a
 * description of what now runs, or throws when `on` is asked and the addon is unavailable.
 */
export function setNativeKernels(on: boolean): string {
  if (!on) {
    for (const [name, config] of originals) {
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel(config);
    }
    originals.clear();
    tf.env().set(NATIVE_KERNELS_FLAG, false);
    return 'wasm kernels';
  }
  const { addon: native, reason } = nativeAddon();
  if (!native) throw new Error(reason);
  if (originals.size === 0) {
    for (const name of KERNELS) {
      const original = tf.getKernel(name, 'wasm');
      if (!original) throw new Error(`tfjs-backend-wasm has no ${name} kernel to replace`);
      originals.set(name, original);
      tf.unregisterKernel(name, 'wasm');
    }
    tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul });
    tf.registerKernel({ kernelName: 'Transpose', backendName: 'wasm', kernelFunc: transpose });
    tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity });
    tf.registerKernel({ kernelName: 'Cast', backendName: 'wasm', kernelFunc: cast });
    for (const [kernelName, kernelFunc] of [
      [SUM_SQUARES_KERNEL, sumSquares],
      [ADAMW_KERNEL, adamwUpdate],
      [LAYER_NORM_KERNEL, layerNorm],
      [LAYER_NORM_GRAD_KERNEL, layerNormGrad],
      [RELU_GRAD_KERNEL, reluGrad],
      [CAUSAL_SOFTMAX_KERNEL, causalSoftmax],
      [SOFTMAX_GRAD_KERNEL, softmaxGrad],
    ] as const)
      if (!tf.getKernel(kernelName, 'wasm'))
        tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  tf.env().set(NATIVE_KERNELS_FLAG, true);
  return `native ${KERNELS.slice(0, 2).join(', ')} on ${native.info().blas.split(' ')[0]}`;
}

export function nativeKernelsOn(): boolean {
  return originals.size > 0;
}

function offset(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

function original(name: string, args: KernelArgs): tf.TensorInfo {
  return (originals.get(name)!.kernelFunc as (a: KernelArgs) => tf.TensorInfo)(args);
}

/** out[..., m, n] = op(a)[..., m, k] @ op(b)[..., k, n]; one batch side may be a single matrix. */
const batchMatMul = ((args: KernelArgs) => {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  const [ra, rb] = [a.shape.length, b.shape.length];
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = size(outerA);
  const batchB = size(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((n, i) => n === outerB[i]);
  if (
    a.dtype !== 'float32' ||
    b.dtype !== 'float32' ||
    (!sameOuter && batchA !== 1 && batchB !== 1)
  )
    return original('BatchMatMul', args); // general broadcasting: the wasm kernel
  const m = a.shape[transposeA ? ra - 1 : ra - 2];
  const k = a.shape[transposeA ? ra - 2 : ra - 1];
  const kB = b.shape[transposeB ? rb - 1 : rb - 2];
  const n = b.shape[transposeB ? rb - 2 : rb - 1];
  if (k !== kB)
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  const outer = batchA >= batchB ? outerA : outerB;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([...outer, m, n], 'float32'); // may grow the heap: read it after
  addon!.gemm(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    batch,
    m,
    n,
    k,
    offset(backend, a),
    batchA === 1 ? 0 : m * k,
    transposeA,
    offset(backend, b),
    batchB === 1 ? 0 : k * n,
    transposeB,
    offset(backend, out),
  );
  return out;
}) as unknown as tf.KernelFunc;

/** x.transpose(perm) for 4-byte dtypes; others (bool) go to the wasm kernel. */
const transpose = ((args: KernelArgs) => {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const perm = attrs.perm as number[];
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length > 8)
    return original('Transpose', args);
  const out = backend.makeOutput(
    perm.map((p) => x.shape[p]),
    x.dtype,
  );
  addon!.transpose(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    offset(backend, x),
    offset(backend, out),
    x.shape,
    perm,
  );
  return out;
}) as unknown as tf.KernelFunc;

/** The same data under a second tensor (strings, which live in JavaScript, are copied by wasm's). */
const identity = ((args: KernelArgs) => {
  const { inputs, backend } = args;
  const { x } = inputs;
  if (x.dtype === 'string') return original('Identity', args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}) as unknown as tf.KernelFunc;

/** A cast to the tensor's own dtype shares its data (as `identity`); others convert (wasm's). */
const cast = ((args: KernelArgs) => {
  const { inputs, attrs } = args;
  if (inputs.x.dtype !== attrs.dtype) return original('Cast', args);
  return (identity as unknown as (a: KernelArgs) => tf.TensorInfo)(args);
}) as unknown as tf.KernelFunc;

/** dy where y > 0, else 0: ReLU's gradient given its output y. */
const reluGrad = ((args: KernelArgs) => {
  const { inputs, backend } = args;
  const { dy, y } = inputs;
  checkFloat32('ReluGrad', [dy, y]);
  if (dy.shape.join() !== y.shape.join())
    throw new Error(`ReluGrad: dy [${dy.shape}] and y [${y.shape}] differ`);
  const out = backend.makeOutput(dy.shape, 'float32');
  addon!.reluGrad(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    size(dy.shape),
    offset(backend, dy),
    offset(backend, y),
    offset(backend, out),
  );
  return out;
}) as unknown as tf.KernelFunc;

/** Softmax over keys 0..q of each query row q of x [N, T, T], 0 after (the causal mask). */
const causalSoftmax = ((args: KernelArgs) => {
  const { inputs, backend } = args;
  const { x } = inputs;
  checkFloat32('CausalSoftmax', [x]);
  const [batch, t, keys] = x.shape;
  if (x.shape.length !== 3 || t !== keys)
    throw new Error(`CausalSoftmax: scores must be [N, T, T], not [${x.shape}]`);
  const out = backend.makeOutput(x.shape, 'float32');
  const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
  addon!.causalSoftmax(heap, batch, t, offset(backend, x), offset(backend, out));
  return out;
}) as unknown as tf.KernelFunc;

/** Softmax's gradient over the last axis: y * (dy - sum(dy * y)). */
const softmaxGrad = ((args: KernelArgs) => {
  const { inputs, backend } = args;
  const { dy, y } = inputs;
  checkFloat32('SoftmaxGrad', [dy, y]);
  if (dy.shape.join() !== y.shape.join() || y.shape.length === 0)
    throw new Error(`SoftmaxGrad: dy [${dy.shape}] and y [${y.shape}] differ`);
  const n = y.shape[y.shape.length - 1];
  const out = backend.makeOutput(y.shape, 'float32');
  addon!.softmaxGrad(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    size(y.shape) / n,
    n,
    offset(backend, dy),
    offset(backend, y),
    offset(backend, out),
  );
  return out;
}) as unknown as tf.KernelFunc;

/** LayerNorm forward over the last axis: [y, xhat, rstd] (see native/src/layernorm.c). */
const layerNorm = ((args: KernelArgs) => {
  const { inputs, backend, attrs } = args;
  const { x, gain, bias } = inputs;
  const d = x.shape[x.shape.length - 1];
  const rows = size(x.shape) / d;
  checkFloat32('LayerNorm', [x, gain, bias]);
  if (
    gain.shape.length !== 1 ||
    gain.shape[0] !== d ||
    bias.shape.length !== 1 ||
    bias.shape[0] !== d
  )
    throw new Error(
      `LayerNorm: gain and bias must be [${d}], not [${gain.shape}] and [${bias.shape}]`,
    );
  const outs = [
    backend.makeOutput(x.shape, 'float32'),
    backend.makeOutput(x.shape, 'float32'),
    backend.makeOutput([...x.shape.slice(0, -1), 1], 'float32'),
  ];
  addon!.layerNorm(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    rows,
    d,
    ...([x, gain, bias, ...outs].map((t) => offset(backend, t)) as Sextuple),
    attrs.epsilon as number,
  );
  return outs;
}) as unknown as tf.KernelFunc;

/** LayerNorm backward: [dx, dgain, dbias] from dy, xhat, rstd and gain. */
const layerNormGrad = ((args: KernelArgs) => {
  const { inputs, backend } = args;
  const { dy, xhat, rstd, gain } = inputs;
  const d = gain.shape[0];
  const rows = size(dy.shape) / d;
  checkFloat32('LayerNormGrad', [dy, xhat, rstd, gain]);
  if (size(xhat.shape) !== rows * d || size(rstd.shape) !== rows || dy.shape.at(-1) !== d)
    throw new Error(
      `LayerNormGrad: dy [${dy.shape}], xhat [${xhat.shape}], rstd [${rstd.shape}] and gain [${gain.shape}] do not match`,
    );
  const outs = [
    backend.makeOutput(dy.shape, 'float32'),
    backend.makeOutput([d], 'float32'),
    backend.makeOutput([d], 'float32'),
  ];
  addon!.layerNormGrad(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    rows,
    d,
    ...([dy, xhat, rstd, gain, ...outs].map((t) => offset(backend, t)) as Septuple),
  );
  return outs;
}) as unknown as tf.KernelFunc;

type Sextuple = [number, number, number, number, number, number];
type Septuple = [number, number, number, number, number, number, number];

function checkFloat32(kernel: string, tensors: tf.TensorInfo[]): void {
  for (const t of tensors)
    if (t.dtype !== 'float32')
      throw new Error(`${kernel}: float32 tensors expected, got ${t.dtype}`);
}

/** sum(x^2) of a float32 tensor, as a scalar. */
const sumSquares = ((args: KernelArgs) => {
  const { inputs, backend } = args;
  const { x } = inputs;
  const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
  const sum = addon!.sumSquares(heap, offset(backend, x), size(x.shape));
  return backend.makeOutput([], 'float32', undefined, new Float32Array([sum]));
}) as unknown as tf.KernelFunc;

/** One AdamW update of a parameter in one pass: [p', m', v'] (attrs.settings: see addon.c). */
const adamwUpdate = ((args: KernelArgs) => {
  const { inputs, backend, attrs } = args;
  const { p, m, v, g } = inputs;
  const outs = [p, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  addon!.adamw(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    size(p.shape),
    ...([p, m, v, g, ...outs].map((t) => offset(backend, t)) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ]),
    attrs.settings as number[],
  );
  return outs;
}) as unknown as tf.KernelFunc;

function size(shape: number[]): number {
  return shape.reduce((p, n) => p * n, 1);
}
