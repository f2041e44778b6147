import { BpeTokenizer, type BpeMerge } from './bpe-tokenizer';
import { PairHeap } from './pair-heap';
import { pairKey, pairLeft, pairRight } from './pair-key';
import { forEachPretoken } from './pretokenize';
import { selectTrainingText } from './training-sample';
import type { Tokenizer } from './types';
import { utf8Encode } from './utf8';

export const MIN_BPE_VOCAB_SIZE = 512;
export const MAX_BPE_VOCAB_SIZE = 8192;
/** About a third of the Brown corpus: enough for stable merges at 8k, and training stays fast. */
export const DEFAULT_BPE_TRAINING_CHARS = 2_000_000;

const BYTE_COUNT = 256;
/** The end-of-text id sits right after the bytes, as in the byte tokenizer, so the two agree. */
const END_OF_TEXT_ID = BYTE_COUNT;

export interface BpeTrainingOptions {
  /** At most this many characters of `texts` are used (spread over the corpus). */
  maxChars?: number;
}

/**
 * Trains a GPT-2 style byte-level BPE. Ids 0..255 are bytes, 256 is end-of-text, and each learned
 * token takes the next id. The vocabulary has exactly `vocabSize` ids unless the text runs out of
 * pairs to merge (a tiny corpus), in which case it stops early and `vocabSize` of the result says
 * how many it has.
 *
 * Counting is done once per distinct pre-token, weighted by its frequency, and pair counts are
 * updated incrementally: a merge only revisits the words that contain the merged pair.
 */
export function trainBpe(
  texts: string[],
  vocabSize: number,
  options: BpeTrainingOptions = {},
): Tokenizer {
  if (
    !Number.isInteger(vocabSize) ||
    vocabSize < MIN_BPE_VOCAB_SIZE ||
    vocabSize > MAX_BPE_VOCAB_SIZE
  ) {
    throw new RangeError(
      `BPE vocabSize must be an integer from ${MIN_BPE_VOCAB_SIZE} to ${MAX_BPE_VOCAB_SIZE}, got ${vocabSize}`,
    );
  }
  const maxChars = options.maxChars ?? DEFAULT_BPE_TRAINING_CHARS;
  if (!(maxChars > 0)) throw new RangeError(`BPE maxChars must be positive, got ${maxChars}`);

  const trainer = new MergeTrainer(countPretokens(selectTrainingText(texts, maxChars)));
  const tokenBytes: (Uint8Array | undefined)[] = Array.from({ length: BYTE_COUNT }, (_, byte) =>
    Uint8Array.of(byte),
  );
  tokenBytes.push(undefined);
  // Two different merges can spell the same bytes ("ab"+"c" and "a"+"bc"); they share one id so
  // that the tokenizer.json vocabulary (keyed by spelling) stays one-to-one.
  const idBySpelling = new Map<string, number>();
  const merges: BpeMerge[] = [];

  while (tokenBytes.length < vocabSize) {
    const best = trainer.popBestPair();
    if (best === undefined) break;
    const left = pairLeft(best);
    const right = pairRight(best);
    const bytes = concatBytes(tokenBytes[left]!, tokenBytes[right]!);
    const spelling = String.fromCharCode(...bytes);
    let result = idBySpelling.get(spelling);
    if (result === undefined) {
      result = tokenBytes.length;
      tokenBytes.push(bytes);
      idBySpelling.set(spelling, result);
    }
    merges.push([left, right, result]);
    trainer.merge(best, result);
  }

  const byteIds = Array.from({ length: BYTE_COUNT }, (_, byte) => byte);
  return new BpeTokenizer(byteIds, tokenBytes, END_OF_TEXT_ID, merges);
}

/** Distinct pre-tokens with how often each occurs. */
function countPretokens(texts: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    forEachPretoken(text, (piece) => counts.set(piece, (counts.get(piece) ?? 0) + 1));
  }
  return counts;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/**
 * The state of merge training: every distinct word as its current symbols, the frequency-weighted
 * count of each adjacent pair, and for each pair the words it may occur in (a superset: entries
 * go stale as words change and are skipped when visited).
 */
class MergeTrainer {
  private readonly words: number[][] = [];
  private readonly frequencies: number[] = [];
  private readonly pairCounts = new Map<number, number>();
  private readonly pairWords = new Map<number, number[]>();
  private readonly heap = new PairHeap();
  /** Merge step at which each word was last visited, so a word listed twice is merged once. */
  private visitedAt: Int32Array;
  private step = 0;

  constructor(pretokenCounts: Map<string, number>) {
    for (const [piece, frequency] of pretokenCounts) {
      const symbols = Array.from(utf8Encode(piece));
      if (symbols.length < 2) continue; // nothing to merge, ever
      const word = this.words.length;
      this.words.push(symbols);
      this.frequencies.push(frequency);
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = pairKey(symbols[i], symbols[i + 1]);
        this.pairCounts.set(key, (this.pairCounts.get(key) ?? 0) + frequency);
        this.listWord(key, word);
      }
    }
    this.visitedAt = new Int32Array(this.words.length).fill(-1);
    for (const [key, count] of this.pairCounts) this.heap.push(count, key);
  }

  /** The most frequent pair (ties: smaller ids first), or `undefined` when no pair is left. */
  popBestPair(): number | undefined {
    for (let top = this.heap.pop(); top !== undefined; top = this.heap.pop()) {
      const current = this.pairCounts.get(top.key) ?? 0;
      if (current === top.count) return top.key;
      // The count shrank since this entry was pushed; requeue it at its true count.
      if (current > 0 && current < top.count) this.heap.push(current, top.key);
    }
    return undefined;
  }

  /** Replaces every occurrence of the pair `key` by `result` and updates the pair counts. */
  merge(key: number, result: number): void {
    const left = pairLeft(key);
    const right = pairRight(key);
    const countsBefore = new Map<number, number>();
    const adjust = (pair: number, delta: number): void => {
      const count = this.pairCounts.get(pair) ?? 0;
      if (!countsBefore.has(pair)) countsBefore.set(pair, count);
      this.pairCounts.set(pair, count + delta);
    };

    this.step++;
    for (const word of this.pairWords.get(key) ?? []) {
      if (this.visitedAt[word] === this.step) continue;
      this.visitedAt[word] = this.step;
      const symbols = this.words[word];
      const merged = mergeSymbols(symbols, left, right, result);
      if (merged === undefined) continue; // stale listing: the pair is gone from this word
      const frequency = this.frequencies[word];
      for (let i = 0; i + 1 < symbols.length; i++)
        adjust(pairKey(symbols[i], symbols[i + 1]), -frequency);
      for (let i = 0; i + 1 < merged.length; i++) {
        const pair = pairKey(merged[i], merged[i + 1]);
        adjust(pair, frequency);
        // Only pairs with the new symbol are new to this word; the others are listed already.
        if (merged[i] === result || merged[i + 1] === result) this.listWord(pair, word);
      }
      this.words[word] = merged;
    }

    this.pairWords.delete(key);
    for (const [pair, before] of countsBefore) {
      const count = this.pairCounts.get(pair) ?? 0;
      if (count <= 0) {
        this.pairCounts.delete(pair);
        this.pairWords.delete(pair);
      } else if (count > before) {
        this.heap.push(count, pair);
      }
    }
  }

  private listWord(pair: number, word: number): void {
    const list = this.pairWords.get(pair);
    if (list === undefined) this.pairWords.set(pair, [word]);
    else if (list[list.length - 1] !== word) list.push(word);
  }
}

/** `symbols` with each (left, right) replaced by `result`, left to right; `undefined` if none. */
function mergeSymbols(
  symbols: number[],
  left: number,
  right: number,
  result: number,
): number[] | undefined {
  let merged: number[] | undefined;
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      merged ??= symbols.slice(0, i);
      merged.push(result);
      i++;
    } else if (merged) {
      merged.push(symbols[i]);
    }
  }
  return merged;
}
