/**
 * The training loop. It knows nothing of disk, processes or UI: it reports through callbacks
 * (records, snapshots, checkpoints) and is steered by pause / resume / stop.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config';
import type { PreparedData } from '../data/prepare';
import { sampleWindows } from '../data/pack';
import { Gpt, type LayerReport } from '../model/gpt';
import { Rng, type RngState } from '../rng';
import { AdamW } from './adamw';
import { meanLosses, splitRows, type GradientPeers, type SliceLosses } from './data-parallel';
import { flopsPerToken } from './flops';
import type { EvalRecord, LayerMetrics, TrainRecord } from './metrics';
import { learningRateAt } from './schedule';
import { disposeSlice, disposeStats, readLosses, sliceGradients } from './slice-gradients';
import { takeSnapshot, type MixSnapshot } from './snapshot';
import { validationLoss, validationWindows } from './validation';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Everything besides the tensors that a checkpoint must hold to continue exactly. */
export interface TrainerState {
  step: number;
  tokens: number;
  flops: number;
  elapsedMs: number;
  optimizerStep: number;
  samplerRng: RngState;
  bestValidationLoss: number | null;
  lastValidationLoss: number | null;
  /** Data-parallel workers that trained the steps (absent: one, as before workers existed). */
  workers?: number;
}

export interface TrainerCheckpoint {
  state: TrainerState;
  tensors: NamedTensor[];
}

export interface TrainerEvents {
  onTrain?(record: TrainRecord): void;
  onEval?(record: EvalRecord): void;
  onSnapshot?(snapshot: MixSnapshot): void | Promise<void>;
  onCheckpoint?(checkpoint: TrainerCheckpoint): void | Promise<void>;
}

export interface TrainSummary {
  step: number;
  tokens: number;
  elapsedMs: number;
  finalTrainLoss: number | null;
  lastValidationLoss: number | null;
  bestValidationLoss: number | null;
  completed: boolean;
}

export class Trainer {
  readonly model: Gpt;
  private peers: GradientPeers | undefined;
  readonly optimizer: AdamW;
  private readonly sampler: Rng;
  private readonly validationWindows: Int32Array; // [evalWindows, T+1]
  private readonly flopsPerTrainToken: number;
  private state: TrainerState;
  private lastTrainLoss: number | null = null;
  private stopRequested = false;
  private resumeGate: { promise: Promise<void>; release: () => void } | null = null;

  constructor(
    readonly config: RunConfig,
    readonly data: PreparedData,
    restore?: TrainerCheckpoint,
  ) {
    const { model: m, train: t } = config;
    this.model = new Gpt(m, data.tokenizer.vocabSize, t.seed);
    this.optimizer = new AdamW(this.model.params.variables, t);
    this.sampler = new Rng(t.seed ^ 0x5eed5eed);
    this.validationWindows = validationWindows(config, data.validation);
    this.flopsPerTrainToken = flopsPerToken(m, data.tokenizer.vocabSize).train;
    this.state = {
      step: 0,
      tokens: 0,
      flops: 0,
      elapsedMs: 0,
      optimizerStep: 0,
      samplerRng: this.sampler.state(),
      bestValidationLoss: null,
      lastValidationLoss: null,
    };
    if (restore) this.restore(restore);
    this.useWorkers(undefined);
  }

  /** Data-parallel workers, this trainer's own replica included. */
  get workers(): number {
    return (this.peers?.count ?? 0) + 1;
  }

  /**
   * Trains the next steps with these peers (W - 1 replicas, see data-parallel.ts); undefined:
   * alone. Their model must be this one's (same config and vocabulary).
   */
  useWorkers(peers: GradientPeers | undefined): void {
    this.peers = peers && peers.count > 0 ? peers : undefined;
    // Recorded only past one, so one-worker checkpoints stay as they were.
    if (this.workers > 1) this.state.workers = this.workers;
    else delete this.state.workers;
  }

  get step(): number {
    return this.state.step;
  }

  get paused(): boolean {
    return this.resumeGate !== null;
  }

  pause(): void {
    if (this.resumeGate) return;
    let release = () => {};
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.resumeGate = { promise, release };
  }

  resume(): void {
    this.resumeGate?.release();
    this.resumeGate = null;
  }

  /** Ends the loop after the current step; `run` then writes a final checkpoint. */
  stop(): void {
    this.stopRequested = true;
    this.resume();
  }

  async run(events: TrainerEvents = {}): Promise<TrainSummary> {
    const t = this.config.train;
    let lastCheckpointStep = this.state.step;
    if (this.state.step === 0) await events.onSnapshot?.(this.snapshot());
    while (this.state.step < t.steps && !this.stopRequested) {
      if (this.resumeGate) await this.resumeGate.promise;
      if (this.stopRequested) break;
      const record = this.peers ? await this.parallelStep(this.peers) : this.trainStep();
      events.onTrain?.(record);
      const step = this.state.step;
      const last = step === t.steps;
      if (step % t.evalEvery === 0 || last) events.onEval?.(this.evaluate());
      if (step % t.snapshotEvery === 0 || last) await events.onSnapshot?.(this.snapshot());
      if (step % t.checkpointEvery === 0 || last) {
        await events.onCheckpoint?.(this.checkpoint());
        lastCheckpointStep = step;
      }
      // Yield to the event loop so pause / stop messages and I/O get a turn between steps.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (this.state.step !== lastCheckpointStep) await events.onCheckpoint?.(this.checkpoint());
    return {
      step: this.state.step,
      tokens: this.state.tokens,
      elapsedMs: this.state.elapsedMs,
      finalTrainLoss: this.lastTrainLoss,
      lastValidationLoss: this.state.lastValidationLoss,
      bestValidationLoss: this.state.bestValidationLoss,
      completed: this.state.step >= t.steps,
    };
  }

  /** One optimizer update on a freshly sampled batch, all rows on this trainer's model. */
  trainStep(): TrainRecord {
    const { model: m, train: t } = this.config;
    const started = performance.now();
    const batch = this.sampleBatch();
    const slice = sliceGradients(this.model, batch, t.batchSize, m.contextLength + 1);
    const learningRate = learningRateAt(this.state.step, t);
    const gradNorm = this.optimizer.apply(slice.grads, learningRate);
    const losses = readLosses(slice);
    const layers = readStats(slice.layers);
    disposeSlice(slice);
    return this.finishStep(started, learningRate, gradNorm, losses, layers);
  }

  /**
   * One optimizer update with W workers: the same global batch as `trainStep`, row slice 0 on
   * this trainer's model while the peers compute slices 1..W-1; the update applies the mean of
   * the W slice gradients. Layer stats are those of slice 0 (this trainer's rows).
   */
  async parallelStep(peers: GradientPeers): Promise<TrainRecord> {
    const { model: m, train: t } = this.config;
    const started = performance.now();
    const width = m.contextLength + 1;
    const workers = peers.count + 1;
    const slices = splitRows(this.sampleBatch(), t.batchSize, width, workers);
    const pending = peers.gradients(this.model.params.variables, slices.slice(1), width);
    const own = sliceGradients(this.model, slices[0], t.batchSize / workers, width);
    let others;
    try {
      others = await pending;
    } catch (error) {
      disposeSlice(own);
      disposeStats(own.layers);
      throw error;
    }
    const grads = averageGradients(own.grads, others.sum, this.model.params.variables, workers);
    const learningRate = learningRateAt(this.state.step, t);
    const gradNorm = this.optimizer.apply(grads, learningRate);
    const ownLosses = readLosses(own);
    const layers = readStats(own.layers);
    disposeSlice(own);
    tf.dispose(Object.values(grads));
    const losses = meanLosses([ownLosses, ...others.losses]);
    return this.finishStep(started, learningRate, gradNorm, losses, layers);
  }

  /** The next global batch [B, T+1], row-major; advances the sampler (checkpointed). */
  private sampleBatch(): Int32Array {
    const { model: m, train: t } = this.config;
    const batch = sampleWindows(this.data.train, m.contextLength, t.batchSize, this.sampler);
    this.state.samplerRng = this.sampler.state();
    return batch;
  }

  private finishStep(
    started: number,
    learningRate: number,
    gradNorm: number,
    losses: SliceLosses,
    layers: LayerMetrics[],
  ): TrainRecord {
    const { model: m, train: t } = this.config;
    const { loss, lmLoss, auxLoss } = losses;
    const record: Omit<TrainRecord, 'stepMs' | 'tokensPerSecond' | 'elapsedMs'> = {
      type: 'train',
      step: this.state.step + 1,
      loss,
      lmLoss,
      auxLoss,
      learningRate,
      gradNorm,
      tokens: this.state.tokens + t.batchSize * m.contextLength,
      epochs: (this.state.tokens + t.batchSize * m.contextLength) / this.data.train.length,
      flops: this.state.flops + t.batchSize * m.contextLength * this.flopsPerTrainToken,
      layers,
    };
    if (!Number.isFinite(loss))
      throw new Error(
        `loss became ${loss} at step ${record.step}: lower train.learningRate or raise train.gradClip protection`,
      );
    const stepMs = performance.now() - started;
    this.state.step = record.step;
    this.state.tokens = record.tokens;
    this.state.flops = record.flops;
    this.state.elapsedMs += stepMs;
    this.state.optimizerStep = this.optimizer.step;
    this.lastTrainLoss = record.lmLoss;
    return {
      ...record,
      stepMs,
      tokensPerSecond: (t.batchSize * m.contextLength * 1000) / stepMs,
      elapsedMs: this.state.elapsedMs,
    };
  }

  /** Mean next-token loss over the fixed validation sample, with the trained batch and group size. */
  evaluate(options: { discrete?: boolean } = {}): EvalRecord {
    const { model: m, train: t } = this.config;
    const { loss, stdError, tokens } = validationLoss(
      this.model,
      this.validationWindows,
      m.contextLength,
      t.batchSize,
      { discrete: options.discrete },
    );
    this.state.lastValidationLoss = loss;
    if (this.state.bestValidationLoss === null || loss < this.state.bestValidationLoss) {
      this.state.bestValidationLoss = loss;
    }
    return {
      type: 'eval',
      step: this.state.step,
      tokens: this.state.tokens,
      flops: this.state.flops,
      elapsedMs: this.state.elapsedMs,
      validationLoss: loss,
      ...(stdError !== null && { validationStdError: stdError }),
      evalTokens: tokens,
      epochs: this.state.tokens / this.data.train.length,
    };
  }

  /** Mixing weights of the fixed probe batch (the first validation batch). */
  snapshot(): MixSnapshot {
    const { model: m, train: t } = this.config;
    const probe = this.validationWindows.subarray(0, t.batchSize * (m.contextLength + 1));
    return takeSnapshot(
      this.model,
      probe,
      t.batchSize,
      m.contextLength,
      this.data.tokenizer,
      this.state.step,
    );
  }

  checkpoint(): TrainerCheckpoint {
    const tensors: NamedTensor[] = [];
    const add = (prefix: string, map: Map<string, tf.Variable>) => {
      for (const [name, v] of map)
        tensors.push({
          name: `${prefix}/${name}`,
          shape: v.shape,
          data: Float32Array.from(v.dataSync()),
        });
    };
    add('param', this.model.params.variables);
    add('adam.m', this.optimizer.firstMoments);
    add('adam.v', this.optimizer.secondMoments);
    return { state: { ...this.state, samplerRng: this.sampler.state() }, tensors };
  }

  private restore(checkpoint: TrainerCheckpoint): void {
    const byName = new Map(checkpoint.tensors.map((t) => [t.name, t]));
    const load = (prefix: string, map: Map<string, tf.Variable>) => {
      for (const [name, v] of map) {
        const saved = byName.get(`${prefix}/${name}`);
        if (!saved)
          throw new Error(
            `checkpoint has no tensor ${prefix}/${name}: it was written for another model`,
          );
        if (saved.shape.join('x') !== v.shape.join('x')) {
          throw new Error(
            `checkpoint tensor ${prefix}/${name} has shape [${saved.shape}], the model needs [${v.shape}]`,
          );
        }
        tf.tidy(() => v.assign(tf.tensor(saved.data, saved.shape)));
      }
    };
    load('param', this.model.params.variables);
    load('adam.m', this.optimizer.firstMoments);
    load('adam.v', this.optimizer.secondMoments);
    this.state = { ...checkpoint.state };
    this.optimizer.step = checkpoint.state.optimizerStep;
    this.sampler.setState(checkpoint.state.samplerRng);
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}

/** Reads (and frees) the stat tensors into plain numbers. */
function readStats(layers: LayerReport[]): LayerMetrics[] {
  const out: LayerMetrics[] = [];
  for (const layer of layers) {
    if (layer.kind === 'dense' || !layer.stats) continue;
    const plain: Record<string, number | number[]> = {};
    for (const [key, value] of Object.entries(layer.stats)) {
      if (value instanceof tf.Tensor) {
        const data = Array.from(value.dataSync());
        plain[key] = value.rank === 0 ? data[0] : data;
        value.dispose();
      } else {
        plain[key] = value;
      }
    }
    out.push({ block: layer.block, kind: layer.kind, ...plain } as LayerMetrics);
  }
  return out;
}

/**
 * (own + sum of the peers') / W per parameter: the gradient of the global batch's mean loss.
 * `peerSum` is flat in parameter order.
 */
function averageGradients(
  own: Record<string, tf.Tensor>,
  peerSum: Float32Array,
  params: Map<string, tf.Variable>,
  workers: number,
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  let offset = 0;
  for (const [name, p] of params) {
    const size = p.size;
    const peers = peerSum.subarray(offset, offset + size);
    out[name] = tf.tidy(() => own[name].add(tf.tensor(peers, p.shape)).div(workers));
    offset += size;
  }
  if (offset !== peerSum.length)
    throw new Error(`peer gradients hold ${peerSum.length} values, the model has ${offset}`);
  return out;
}
