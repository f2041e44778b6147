/**
 * What the Node side writes into a run folder before the torch engine trains it (layout in
 * resources/torch/run_folder.py): the token streams, the tokenizer, each token's text, a manifest,
 * and the initial weights. Corpora, splits, tokenizers and the seeded initialisation all stay in
 * TypeScript, so both engines start from the same bytes. Re-preparing is skipped while the
 * manifest's key (data settings, seed, tokenizer) matches.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunConfig } from '../../core/config';
import { Gpt } from '../../core/model/gpt';
import { tokenizerFromJSON, type Tokenizer } from '../../core/tokenizer';
import { flopsPerToken } from '../../core/train/flops';
import { validationWindows } from '../../core/train/validation';
import { loadRunData } from '../run-data';
import { writeCheckpointDir } from '../store/checkpoint';
import { writeDirDurable } from '../store/durable';

export const PREPARED_DIR = 'prepared';
export const INIT_DIR = 'init';
const MANIFEST = 'manifest.json';

export interface PreparedManifest {
  key: string;
  vocabSize: number;
  endOfText: number;
  trainTokens: number;
  validationTokens: number;
  /** Training FLOPs per token (3x forward, MoT mixing included), as the tfjs engine counts. */
  flopsPerTrainToken: number;
  dtype: 'int32-le';
}

export interface PrepareOptions {
  /** Resolves imported datasets. */
  dataDir?: string;
  /** Hugging Face tokenizer.json of the checkpoint being resumed: its vocabulary is kept. */
  tokenizerJson?: unknown;
  /** Write initial weights (a run without a checkpoint). */
  initialWeights: boolean;
}

/** Prepares `runDir/prepared` for `config`; returns the manifest. */
export async function prepareTorchRun(
  runDir: string,
  config: RunConfig,
  options: PrepareOptions,
): Promise<PreparedManifest> {
  const dir = path.join(runDir, PREPARED_DIR);
  const tokenizer =
    options.tokenizerJson !== undefined ? tokenizerFromJSON(options.tokenizerJson) : undefined;
  const key = hashOf({
    data: config.data,
    seed: config.train.seed,
    validation: [config.train.batchSize, config.train.evalBatches],
    model: config.model,
    tokenizer: options.tokenizerJson ?? null,
  });
  let manifest = readManifest(dir);
  if (manifest?.key !== key) {
    const data = loadRunData(config, { dataDir: options.dataDir, tokenizer });
    manifest = {
      key,
      vocabSize: data.tokenizer.vocabSize,
      endOfText: data.tokenizer.endOfText,
      trainTokens: data.train.length,
      validationTokens: data.validation.length,
      flopsPerTrainToken: flopsPerToken(config.model, data.tokenizer.vocabSize).train,
      dtype: 'int32-le',
    };
    await writeDirDurable(
      dir,
      {
        'train.bin': littleEndianBytes(data.train),
        'validation.bin': littleEndianBytes(data.validation),
        // The validation sample exactly as the tfjs trainer picks it (data seed, validationTokens).
        'validation-windows.bin': littleEndianBytes(validationWindows(config, data.validation)),
        'tokenizer.json': JSON.stringify(data.tokenizer.toJSON()),
        'token-texts.json': JSON.stringify(tokenTexts(data.tokenizer)),
        [MANIFEST]: JSON.stringify(manifest),
      },
      { replace: true },
    );
  }
  const initDir = path.join(dir, INIT_DIR);
  if (options.initialWeights && !existsSync(path.join(initDir, 'meta.json')))
    await writeInitialWeights(initDir, config, manifest.vocabSize);
  return manifest;
}

/** The tfjs engine's seeded initial parameters, as a checkpoint folder (tensors `param/<name>`). */
export async function writeInitialWeights(
  dir: string,
  config: RunConfig,
  vocabSize: number,
): Promise<void> {
  await tf.ready(); // a registered but uninitialised backend (wasm after a probe) would throw
  const model = new Gpt(config.model, vocabSize, config.train.seed);
  try {
    const tensors = [...model.params.variables].map(([name, v]) => ({
      name: `param/${name}`,
      shape: v.shape,
      data: v.dataSync() as Float32Array,
    }));
    await writeCheckpointDir(dir, 0, { seed: config.train.seed, model: config.model }, tensors);
  } finally {
    model.dispose();
  }
}

function tokenTexts(tokenizer: Tokenizer): string[] {
  return Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.decode([id]));
}

function readManifest(dir: string): PreparedManifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as PreparedManifest;
  } catch {
    return undefined;
  }
}

function littleEndianBytes(stream: Int32Array): Uint8Array {
  const out = new Uint8Array(stream.length * 4);
  const view = new DataView(out.buffer);
  stream.forEach((value, i) => view.setInt32(i * 4, value, true));
  return out;
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
