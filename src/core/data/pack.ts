import type { Rng } from '../rng';
import type { Tokenizer } from '../tokenizer';

/**
 * Encodes documents into one token stream, with end-of-text after every document, so a model sees
 * where one text ends and the next begins; training then cuts fixed windows from the stream.
 */
export function packDocuments(documents: string[], tokenizer: Tokenizer): Int32Array {
  const encoded = documents.map((document) => tokenizer.encode(document));
  let length = 0;
  for (const ids of encoded) length += ids.length + 1;
  const stream = new Int32Array(length);
  let offset = 0;
  for (const ids of encoded) {
    stream.set(ids, offset);
    offset += ids.length;
    stream[offset++] = tokenizer.endOfText;
  }
  return stream;
}

function checkWindow(stream: Int32Array, windowLength: number): void {
  if (!Number.isInteger(windowLength) || windowLength < 1) {
    throw new RangeError(`windowLength must be a positive integer, got ${windowLength}`);
  }
  if (stream.length < windowLength + 1) {
    throw new Error(
      `Token stream too short: ${stream.length} tokens, but one window of ${windowLength} tokens needs ${windowLength + 1} (inputs plus next-token targets)`,
    );
  }
}

/**
 * `count` training windows at uniformly random offsets. Each row holds `windowLength + 1` tokens:
 * the first `windowLength` are inputs and the last `windowLength` the targets (inputs shifted by
 * one).
 *
 * @returns row-major [count, windowLength + 1]
 */
export function sampleWindows(
  stream: Int32Array,
  windowLength: number,
  count: number,
  rng: Rng,
): Int32Array {
  checkWindow(stream, windowLength);
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const width = windowLength + 1;
  const offsets = stream.length - windowLength; // starts 0 .. length - width
  const windows = new Int32Array(count * width);
  for (let row = 0; row < count; row++) {
    const start = rng.int(offsets);
    windows.set(stream.subarray(start, start + width), row * width);
  }
  return windows;
}

/**
 * A fixed validation set: windows from the start of the stream, window k starting at token
 * k * windowLength. Consecutive windows share one token (the last target of one is the first input
 * of the next), so every token after the first is a target exactly once: the windows tile the
 * predictions without overlap. At most `maxWindows`, and `floor((length - 1) / windowLength)`.
 *
 * @returns row-major [windows, windowLength + 1]
 */
export function sequentialWindows(
  stream: Int32Array,
  windowLength: number,
  maxWindows: number,
): Int32Array {
  checkWindow(stream, windowLength);
  if (!(maxWindows >= 0))
    throw new RangeError(`maxWindows must be non-negative, got ${maxWindows}`);
  const width = windowLength + 1;
  const count = Math.min(Math.floor(maxWindows), Math.floor((stream.length - 1) / windowLength));
  const windows = new Int32Array(count * width);
  for (let row = 0; row < count; row++) {
    const start = row * windowLength;
    windows.set(stream.subarray(start, start + width), row * width);
  }
  return windows;
}
