/**
 * One gradient worker thread of a data-parallel run: its own tfjs engine (the coordinator's
 * backend, native kernels with one BLAS thread when the coordinator uses them) and its own
 * replica of the model. Each step it loads the coordinator's weights from the shared buffer,
 * computes the gradient of its rows and writes it to its slab. It keeps no optimizer state: the
 * coordinator applies the update, so the replicas can never drift apart.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { Gpt } from '../../core/model/gpt';
import { nativeKernels } from '../../core/model/ops';
import {
  disposeSlice,
  disposeStats,
  readLosses,
  sliceGradients,
} from '../../core/train/slice-gradients';
import { selectBackend } from '../backends';
import type { FromWorker, ToWorker, WorkerSetup } from './messages';
import { layoutMismatch, layoutOf } from './parameter-layout';
import { threadCpuMs } from './thread-cpu';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const send = (message: FromWorker) => port.postMessage(message);

let backendDetail = '';

async function start(): Promise<(message: ToWorker) => void> {
  backendDetail = (await selectBackend(setup.backend, { native: setup.native })).detail;
  const model = new Gpt(setup.model, setup.vocabSize, setup.seed);
  const layout = layoutOf(model.params.variables);
  const mismatch = layoutMismatch(setup.layout, layout);
  if (mismatch) throw new Error(`worker ${setup.index} built another model: ${mismatch}`);
  const weights = new Float32Array(setup.weights);
  const gradients = new Float32Array(setup.gradients);
  return (message) => {
    loadWeights(model, layout.offsets, weights);
    const slice = sliceGradients(model, message.windows, message.rows, message.width);
    let i = 0;
    for (const g of Object.values(slice.grads)) {
      gradients.set(g.dataSync() as Float32Array, layout.offsets[i]);
      i++;
    }
    const losses = readLosses(slice);
    disposeStats(slice.layers);
    disposeSlice(slice);
    send({ type: 'gradients', losses, cpuMs: threadCpuMs() });
  };
}

/** Assigns every parameter from the shared weights (copied first: the buffer changes next step). */
function loadWeights(model: Gpt, offsets: number[], weights: Float32Array): void {
  let i = 0;
  for (const v of model.params.variables.values()) {
    const values = weights.slice(offsets[i], offsets[i] + v.size);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    i++;
  }
}

const fail = (error: unknown) =>
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });

start().then(
  (handle) => {
    port.on('message', (message: ToWorker) => {
      try {
        handle(message);
      } catch (error) {
        fail(error);
      }
    });
    send({ type: 'ready', native: nativeKernels(), detail: backendDetail });
  },
  (error: unknown) => fail(error),
);
