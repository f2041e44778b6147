/**
 * What the coordinator (the training process's main thread) and one gradient worker thread say
 * to each other. Bulk data never travels in messages: weights and gradients live in shared
 * buffers (parameter-layout.ts), written before the message that announces them, so the
 * message's delivery orders the memory (postMessage happens-before the receiver's handler).
 */
import type { ModelConfig } from '../../core/config';
import type { SliceLosses } from '../../core/train/data-parallel';
import type { ParameterLayout } from './parameter-layout';

/** The worker's `workerData`: what it needs to build a replica and find its buffers. */
export interface WorkerSetup {
  /** 1 .. W-1 (the coordinator is worker 0). */
  index: number;
  model: ModelConfig;
  vocabSize: number;
  seed: number;
  /** The coordinator's backend; native kernels on when the coordinator has them on. */
  backend: 'wasm' | 'cpu';
  native: boolean;
  layout: ParameterLayout;
  /** float32 [layout.total]: the weights of the step, written by the coordinator. */
  weights: SharedArrayBuffer;
  /** float32 [layout.total]: this worker's gradient, written by the worker. */
  gradients: SharedArrayBuffer;
}

/**
 * Coordinator -> worker: load the weights, train `rows` windows of `width` ids, write the
 * gradient, answer. (The coordinator ends a worker with `terminate()`: it holds nothing to save.)
 */
export type ToWorker = { type: 'step'; windows: Int32Array; rows: number; width: number };

/** Worker -> coordinator. */
export type FromWorker =
  /** Built its replica; `native`: whether the native kernels serve its wasm backend. */
  | { type: 'ready'; native: boolean; detail: string }
  /** `cpuMs`: this thread's CPU time so far (thread-cpu.ts; null where unknown). */
  | { type: 'gradients'; losses: SliceLosses; cpuMs: number | null }
  | { type: 'failed'; message: string };
