/**
 * Checkpoint folders: `checkpoints/step-<8 digits>/` with `meta.json` (the caller's meta plus an
 * index of tensors) and `tensors.bin` (every tensor's float32 data, little-endian, back to back).
 * A raw binary beside a small JSON index keeps large weights out of JSON and lets a reader check
 * sizes before trusting the bytes; meta.json also holds the sha256 of tensors.bin, so a
 * same-length corruption (a flipped bit, NaNs written over weights) is caught on load. Folders appear whole (see writeDirDurable); a replaced step
 * is briefly only an `.old-` sibling, which readers fall back to so a listed step never vanishes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as v from 'valibot';
import { StoreError, errnoCode } from './errors';
import { ensureSubdirDurable, listNames, parseSiblingName, writeDirDurable } from './durable';
import { assertStep, parseStepName, stepName } from './steps';

export const CHECKPOINT_META_FILE = 'meta.json';
export const CHECKPOINT_TENSORS_FILE = 'tensors.bin';
const FORMAT = 'mot-checkpoint';
const FORMAT_VERSION = 1;
const BYTES_PER_FLOAT = 4;
const HOST_IS_LITTLE_ENDIAN = os.endianness() === 'LE';

export interface TensorInput {
  name: string;
  /** Row-major dimensions; their product must equal `data.length`. */
  shape: number[];
  data: Float32Array;
}

export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  meta: object;
  tensors: Map<string, StoredTensor>;
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const IndexEntrySchema = v.object({
  name: v.pipe(v.string(), v.minLength(1)),
  shape: v.array(count),
  byteOffset: count,
  byteLength: count,
});
type IndexEntry = v.InferOutput<typeof IndexEntrySchema>;

const MetaFileSchema = v.object({
  format: v.literal(FORMAT),
  version: v.literal(FORMAT_VERSION),
  step: count,
  meta: v.custom<object>(
    (input) => typeof input === 'object' && input !== null,
    'meta must be an object',
  ),
  tensors: v.array(IndexEntrySchema),
  /** Hex sha256 of tensors.bin; absent in checkpoints written before it existed. */
  sha256: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))),
});

/** Writes (or safely replaces) the checkpoint folder `dir` for `step`. */
export async function writeCheckpointDir(
  dir: string,
  step: number,
  meta: object,
  tensors: readonly TensorInput[],
): Promise<void> {
  const index = indexTensors(tensors);
  const bin = packLittleEndian(tensors, index);
  const metaText = JSON.stringify({
    format: FORMAT,
    version: FORMAT_VERSION,
    step: assertStep(step),
    meta,
    tensors: index,
    sha256: sha256Hex(bin),
  });
  await ensureSubdirDurable(path.dirname(dir));
  await writeDirDurable(
    dir,
    { [CHECKPOINT_TENSORS_FILE]: bin, [CHECKPOINT_META_FILE]: metaText },
    { replace: true },
  );
}

/** Steps with a complete checkpoint, ascending. Temp folders and partial folders are skipped. */
export function listCheckpointSteps(checkpointsDir: string): number[] {
  const steps = new Set<number>();
  for (const name of listNames(checkpointsDir)) {
    const step = parseStepName(name) ?? parseStepName(parseSiblingName(name)?.base ?? '');
    if (step !== undefined && findCheckpointDir(checkpointsDir, step) !== undefined)
      steps.add(step);
  }
  return [...steps].sort((a, b) => a - b);
}

/** The complete folder holding `step`: the step folder, or mid-replacement its `.old-` sibling. */
export function findCheckpointDir(checkpointsDir: string, step: number): string | undefined {
  const base = stepName(step);
  const candidates = [
    base,
    ...listNames(checkpointsDir).filter((name) => {
      const sibling = parseSiblingName(name);
      return sibling?.kind === 'old' && sibling.base === base;
    }),
  ];
  return candidates.map((name) => path.join(checkpointsDir, name)).find(isComplete);
}

/** Both files present; folders appear whole, so this only fails for a folder being deleted. */
function isComplete(dir: string): boolean {
  return (
    existsSync(path.join(dir, CHECKPOINT_META_FILE)) &&
    existsSync(path.join(dir, CHECKPOINT_TENSORS_FILE))
  );
}

/** Only the caller's meta of a checkpoint (no tensors): cheap, for summaries. */
export function readCheckpointMetaDir(dir: string): object {
  const metaPath = path.join(dir, CHECKPOINT_META_FILE);
  const parsed = v.safeParse(MetaFileSchema, parseJsonFile(metaPath));
  if (!parsed.success)
    throw new StoreError('invalid', `${metaPath}: ${v.summarize(parsed.issues)}`);
  return parsed.output.meta;
}

/**
 * Reads and checks a checkpoint folder: sizes against the index, then the checksum; `invalid`
 * names what is wrong (a truncated file, a checksum mismatch).
 */
export function readCheckpointDir(dir: string): Checkpoint {
  const metaPath = path.join(dir, CHECKPOINT_META_FILE);
  const parsed = v.safeParse(MetaFileSchema, parseJsonFile(metaPath));
  if (!parsed.success)
    throw new StoreError('invalid', `${metaPath}: ${v.summarize(parsed.issues)}`);
  const binPath = path.join(dir, CHECKPOINT_TENSORS_FILE);
  const bin = readBytes(binPath);
  const expected = parsed.output.tensors.reduce(
    (sum, entry) => Math.max(sum, entry.byteOffset + entry.byteLength),
    0,
  );
  if (bin.length < expected) {
    throw new StoreError(
      'invalid',
      `${binPath} is truncated: ${bin.length} bytes, its index needs ${expected}`,
    );
  }
  if (bin.length > expected) {
    throw new StoreError(
      'invalid',
      `${binPath} has ${bin.length - expected} bytes beyond its index`,
    );
  }
  const { sha256 } = parsed.output;
  if (sha256 !== undefined && sha256Hex(bin) !== sha256) {
    throw new StoreError(
      'invalid',
      `${binPath} does not match the sha256 in its meta.json (its bytes were changed)`,
    );
  }
  const tensors = new Map<string, StoredTensor>();
  for (const entry of parsed.output.tensors) {
    if (
      entry.byteLength !== elementCount(entry.shape) * BYTES_PER_FLOAT ||
      tensors.has(entry.name)
    ) {
      throw new StoreError('invalid', `${metaPath}: bad index entry for tensor ${entry.name}`);
    }
    tensors.set(entry.name, { shape: entry.shape, data: unpackLittleEndian(bin, entry) });
  }
  return { meta: parsed.output.meta, tensors };
}

/**
 * Clears what an interrupted write left in `checkpointsDir`: a step whose folder is missing
 * gets its `.old-` sibling back; every other dotted leftover is removed. Only the one writer of
 * a run's checkpoints may call this, between its own writes.
 */
export async function tidyCheckpointsDir(checkpointsDir: string): Promise<void> {
  for (const name of listNames(checkpointsDir)) {
    const sibling = parseSiblingName(name);
    if (sibling === undefined) continue;
    const full = path.join(checkpointsDir, name);
    const finalDir = path.join(checkpointsDir, sibling.base);
    const orphaned =
      sibling.kind === 'old' && parseStepName(sibling.base) !== undefined && !existsSync(finalDir);
    if (orphaned && isComplete(full)) await fs.rename(full, finalDir);
    else await fs.rm(full, { recursive: true, force: true });
  }
}

function indexTensors(tensors: readonly TensorInput[]): IndexEntry[] {
  const names = new Set<string>();
  let byteOffset = 0;
  return tensors.map(({ name, shape, data }) => {
    if (typeof name !== 'string' || name === '' || names.has(name)) {
      throw new StoreError(
        'invalid',
        `tensor names must be unique and non-empty: ${JSON.stringify(name)}`,
      );
    }
    names.add(name);
    if (!(data instanceof Float32Array))
      throw new StoreError('invalid', `tensor ${name}: data must be a Float32Array`);
    if (
      !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0) ||
      elementCount(shape) !== data.length
    ) {
      throw new StoreError(
        'invalid',
        `tensor ${name}: shape [${shape.join(', ')}] does not hold ${data.length} values`,
      );
    }
    const entry = { name, shape: [...shape], byteOffset, byteLength: data.byteLength };
    byteOffset += data.byteLength;
    return entry;
  });
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Copies the tensors' bit patterns (NaN payloads and -0 included) into one little-endian buffer. */
function packLittleEndian(
  tensors: readonly TensorInput[],
  index: readonly IndexEntry[],
): Uint8Array {
  const total = index.reduce((sum, entry) => sum + entry.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  tensors.forEach(({ data }, i) => {
    const offset = (index[i] as IndexEntry).byteOffset;
    if (HOST_IS_LITTLE_ENDIAN) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
      return;
    }
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
    words.forEach((word, k) => view.setUint32(offset + k * BYTES_PER_FLOAT, word, true));
  });
  return out;
}

function unpackLittleEndian(bin: Uint8Array, entry: IndexEntry): Float32Array {
  const data = new Float32Array(entry.byteLength / BYTES_PER_FLOAT);
  const bytes = bin.subarray(entry.byteOffset, entry.byteOffset + entry.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(data.buffer).set(bytes);
    return data;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Uint32Array(data.buffer);
  words.forEach((_, k) => (words[k] = view.getUint32(k * BYTES_PER_FLOAT, true)));
  return data;
}

function parseJsonFile(filePath: string): unknown {
  try {
    return JSON.parse(readFileSync(filePath, 'utf8'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT')
      throw new StoreError('not_found', `${filePath} does not exist`);
    throw new StoreError('invalid', `${filePath} is unreadable or not JSON`, { cause: error });
  }
}

function readBytes(filePath: string): Buffer {
  try {
    return readFileSync(filePath);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT')
      throw new StoreError('not_found', `${filePath} does not exist`);
    throw new StoreError('io', `cannot read ${filePath}`, { cause: error });
  }
}
