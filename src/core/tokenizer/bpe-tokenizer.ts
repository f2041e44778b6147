import { buildHfTokenizerJson } from './hf-json';
import { pairKey } from './pair-key';
import { forEachPretoken } from './pretokenize';
import { encodeWithEndOfText } from './special';
import { END_OF_TEXT, type HFTokenizerJson, type Tokenizer } from './types';
import { decodeTokenBytes, REPLACEMENT_BYTES, utf8Encode } from './utf8';

/** One merge rule: the adjacent pair (left, right) becomes `result`. Rules apply in rank order. */
export type BpeMerge = readonly [left: number, right: number, result: number];

/** Enough for the distinct words of a large corpus; cleared wholesale when full to bound memory. */
const PIECE_CACHE_LIMIT = 100_000;
const END_OF_TEXT_BYTES = utf8Encode(END_OF_TEXT);

/**
 * A byte-level BPE: text is pre-tokenized GPT-2 style, each piece starts as its UTF-8 bytes, and
 * merges are applied lowest rank first (all occurrences of a rule at once, left to right), which is
 * the order Hugging Face's BPE model uses, so both produce the same ids. Built by `trainBpe` or
 * `tokenizerFromJSON`.
 */
export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly vocabSize: number;
  readonly endOfText: number;
  private readonly byteIds: Int32Array;
  private readonly tokenBytes: readonly (Uint8Array | undefined)[];
  private readonly merges: readonly BpeMerge[];
  private readonly mergeRank = new Map<number, number>();
  private readonly pieceCache = new Map<string, number[]>();

  /**
   * @param byteIds id of each single byte (256 entries)
   * @param tokenBytes bytes of every id; `undefined` only at `endOfText`
   */
  constructor(
    byteIds: ArrayLike<number>,
    tokenBytes: readonly (Uint8Array | undefined)[],
    endOfText: number,
    merges: readonly BpeMerge[],
  ) {
    this.byteIds = Int32Array.from(byteIds);
    this.tokenBytes = tokenBytes;
    this.vocabSize = tokenBytes.length;
    this.endOfText = endOfText;
    this.merges = merges;
    merges.forEach(([left, right], rank) => {
      const key = pairKey(left, right);
      // A duplicate rule could never fire after the first; keep the first rank.
      if (!this.mergeRank.has(key)) this.mergeRank.set(key, rank);
    });
  }

  /** Number of merge rules (can exceed vocabSize - 257 when two rules spell the same token). */
  get mergeCount(): number {
    return this.merges.length;
  }

  /** A literal `<|endoftext|>` in the text is the end-of-text id, as in Hugging Face. */
  encode(text: string): number[] {
    return encodeWithEndOfText(text, this.endOfText, (part) => {
      const ids: number[] = [];
      forEachPretoken(part, (piece) => {
        for (const id of this.encodePiece(piece)) ids.push(id);
      });
      return ids;
    });
  }

  decode(ids: ArrayLike<number>): string {
    return decodeTokenBytes(ids, (id) => {
      if (id === this.endOfText) return END_OF_TEXT_BYTES;
      const bytes = Number.isInteger(id) ? this.tokenBytes[id] : undefined;
      return bytes ?? REPLACEMENT_BYTES;
    });
  }

  toJSON(): HFTokenizerJson {
    return buildHfTokenizerJson(
      this.tokenBytes,
      this.endOfText,
      this.merges.map(([left, right]) => [left, right] as const),
    );
  }

  /** Ids of one pre-token; words repeat a lot in text, so results are cached per piece. */
  private encodePiece(piece: string): readonly number[] {
    const cached = this.pieceCache.get(piece);
    if (cached) return cached;
    const symbols = Array.from(utf8Encode(piece), (byte) => this.byteIds[byte]);
    this.applyMerges(symbols);
    if (this.pieceCache.size >= PIECE_CACHE_LIMIT) this.pieceCache.clear();
    this.pieceCache.set(piece, symbols);
    return symbols;
  }

  /** Repeatedly merges every occurrence of the lowest-ranked pair present, in place. */
  private applyMerges(symbols: number[]): void {
    while (symbols.length > 1) {
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.mergeRank.get(pairKey(symbols[i], symbols[i + 1]));
        if (rank !== undefined && rank < bestRank) bestRank = rank;
      }
      if (bestRank === Infinity) return;
      const [left, right, result] = this.merges[bestRank];
      let write = 0;
      for (let read = 0; read < symbols.length; write++) {
        if (read + 1 < symbols.length && symbols[read] === left && symbols[read + 1] === right) {
          symbols[write] = result;
          read += 2;
        } else {
          symbols[write] = symbols[read++];
        }
      }
      symbols.length = write;
    }
  }
}
