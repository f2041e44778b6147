/**
 * The coordinator's side of a data-parallel run: W - 1 gradient worker threads
 * (worker-entry.ts), the shared weights buffer and one gradient slab per worker. Implements the
 * trainer's `GradientPeers`: each step it writes the current weights, sends every worker its
 * rows, and sums the slabs once all have answered.
 *
 * Worker threads, not processes: the buffers are shared memory, so a step's exchange is a copy
 * of the weights and one of each gradient (a few ms at desktop sizes), with no serialisation.
 */
import type * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import type { ModelConfig } from '../../core/config';
import type { GradientPeers, PeerGradients, SliceLosses } from '../../core/train/data-parallel';
import type { FromWorker, ToWorker, WorkerSetup } from './messages';
import { layoutOf, writeParameters, type ParameterLayout } from './parameter-layout';

export interface WorkerPoolOptions {
  /** W - 1 threads to start. */
  threads: number;
  model: ModelConfig;
  vocabSize: number;
  seed: number;
  /** The coordinator's model parameters (their order and sizes define the buffers). */
  params: Map<string, tf.Variable>;
  backend: 'wasm' | 'cpu';
  native: boolean;
  /** The worker script; default worker-entry.ts beside this file (a build passes its own). */
  entry?: URL;
}

interface Pending {
  answers: (SliceLosses | undefined)[];
  left: number;
  resolve(result: PeerGradients): void;
  reject(error: Error): void;
}

export class WorkerPool implements GradientPeers {
  private readonly weights: Float32Array;
  private readonly slabs: Float32Array[];
  private readonly sum: Float32Array;
  private pending: Pending | null = null;
  /** Each worker thread's CPU time as of its last answer (null where the OS does not say). */
  readonly workerCpuMs: (number | null)[];
  private broken: Error | null = null;
  private closing = false;

  private constructor(
    private readonly workers: Worker[],
    private readonly layout: ParameterLayout,
    weights: SharedArrayBuffer,
    slabs: SharedArrayBuffer[],
  ) {
    this.weights = new Float32Array(weights);
    this.slabs = slabs.map((slab) => new Float32Array(slab));
    this.sum = workers.length === 1 ? this.slabs[0] : new Float32Array(layout.total);
    this.workerCpuMs = workers.map(() => null);
    workers.forEach((worker, i) => this.watch(worker, i));
  }

  /** Starts the threads and resolves once every one has built its replica. */
  static async open(options: WorkerPoolOptions): Promise<WorkerPool> {
    const layout = layoutOf(options.params);
    const bytes = layout.total * Float32Array.BYTES_PER_ELEMENT;
    const weights = new SharedArrayBuffer(bytes);
    const slabs = Array.from({ length: options.threads }, () => new SharedArrayBuffer(bytes));
    const entry = options.entry ?? defaultWorkerEntry();
    const workers = slabs.map((gradients, i) => {
      const setup: WorkerSetup = {
        index: i + 1,
        model: options.model,
        vocabSize: options.vocabSize,
        seed: options.seed,
        backend: options.backend,
        native: options.native,
        layout,
        weights,
        gradients,
      };
      return new Worker(runnable(entry), { workerData: setup });
    });
    try {
      const answers = await Promise.all(workers.map((worker, i) => firstAnswer(worker, i + 1)));
      answers.forEach((ready, i) => {
        // A replica on slower kernels would hold every step back, so say so instead.
        if (ready.native !== options.native)
          throw new Error(
            `worker ${i + 1} runs ${ready.detail}, but the coordinator has native kernels ${options.native ? 'on' : 'off'}`,
          );
      });
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    return new WorkerPool(workers, layout, weights, slabs);
  }

  get count(): number {
    return this.workers.length;
  }

  gradients(
    params: Map<string, tf.Variable>,
    slices: Int32Array[],
    width: number,
  ): Promise<PeerGradients> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.pending) return Promise.reject(new Error('a step is already in flight'));
    if (slices.length !== this.workers.length)
      return Promise.reject(new Error(`${slices.length} slices for ${this.count} workers`));
    writeParameters(params, this.layout, this.weights);
    return new Promise<PeerGradients>((resolve, reject) => {
      this.pending = { answers: slices.map(() => undefined), left: slices.length, resolve, reject };
      slices.forEach((windows, i) => {
        const rows = windows.length / width;
        const message: ToWorker = { type: 'step', windows: windows.slice(), rows, width };
        this.workers[i].postMessage(message);
      });
    });
  }

  /** Ends every thread (safe to call twice). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private watch(worker: Worker, i: number): void {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'gradients') {
        this.workerCpuMs[i] = message.cpuMs;
        this.answer(i, message.losses);
      } else if (message.type === 'failed')
        this.fail(new Error(`worker ${i + 1}: ${message.message}`));
    });
    worker.on('error', (error) =>
      this.fail(new Error(`worker ${i + 1} crashed: ${error.message}`)),
    );
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`worker ${i + 1} exited (code ${code})`));
    });
  }

  private answer(i: number, losses: SliceLosses): void {
    const pending = this.pending;
    if (!pending || pending.answers[i]) return;
    pending.answers[i] = losses;
    pending.left -= 1;
    if (pending.left > 0) return;
    this.pending = null;
    if (this.slabs.length > 1) {
      // Fixed order (worker 1, 2, ...), so a run is the same every time.
      this.sum.set(this.slabs[0]);
      for (const slab of this.slabs.slice(1))
        for (let k = 0; k < slab.length; k++) this.sum[k] += slab[k];
    }
    pending.resolve({ sum: this.sum, losses: pending.answers as SliceLosses[] });
  }

  private fail(error: Error): void {
    this.broken ??= error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}

/** worker-entry.ts beside this file (the checkout runs TypeScript through tsx). */
export function defaultWorkerEntry(): URL {
  return new URL('./worker-entry.ts', import.meta.url);
}

/**
 * A built entry runs as it is; a TypeScript one (the checkout) through a two-line ES module
 * that registers tsx in the thread first, as bin/mot.js does for the CLI: a worker ignores
 * `--import` in its execArgv, so tsx's loader has to be registered from inside it.
 */
function runnable(entry: URL): URL {
  if (!entry.pathname.endsWith('.ts')) return entry;
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const code = `const { register } = await import(${api}); register(); await import(${JSON.stringify(entry.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** Resolves at the worker's `ready`; rejects with its failure or crash. */
function firstAnswer(
  worker: Worker,
  index: number,
): Promise<Extract<FromWorker, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromWorker) => {
      cleanup();
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed')
        reject(new Error(`worker ${index} could not start: ${message.message}`));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new Error(`worker ${index} could not start: ${error.message}`));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`worker ${index} exited while starting (code ${code})`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
