import { buildHfTokenizerJson } from './hf-json';
import { encodeWithEndOfText } from './special';
import { END_OF_TEXT, type HFTokenizerJson, type Tokenizer } from './types';
import { decodeTokenBytes, REPLACEMENT_BYTES, utf8Encode } from './utf8';

const BYTE_COUNT = 256;
const END_OF_TEXT_BYTES = utf8Encode(END_OF_TEXT);
const SINGLE_BYTES: Uint8Array[] = Array.from({ length: BYTE_COUNT }, (_, byte) =>
  Uint8Array.of(byte),
);

/**
 * The simplest tokenizer: ids 0..255 are the UTF-8 bytes of the text and 256 is end-of-text (also
 * for a literal `<|endoftext|>` in the text, as Hugging Face encodes it). It needs no training,
 * handles any text, and is the baseline every BPE is compared against.
 */
export class ByteTokenizer implements Tokenizer {
  readonly kind = 'bytes' as const;
  readonly vocabSize = BYTE_COUNT + 1;
  readonly endOfText = BYTE_COUNT;

  encode(text: string): number[] {
    return encodeWithEndOfText(text, this.endOfText, (part) => Array.from(utf8Encode(part)));
  }

  decode(ids: ArrayLike<number>): string {
    return decodeTokenBytes(ids, (id) => {
      if (id === this.endOfText) return END_OF_TEXT_BYTES;
      return Number.isInteger(id) && id >= 0 && id < BYTE_COUNT
        ? SINGLE_BYTES[id]
        : REPLACEMENT_BYTES;
    });
  }

  /** A BPE with the 256 byte tokens and no merges: Python encodes it byte by byte, like us. */
  toJSON(): HFTokenizerJson {
    const tokenBytes: (Uint8Array | undefined)[] = [...SINGLE_BYTES, undefined];
    return buildHfTokenizerJson(tokenBytes, this.endOfText, []);
  }
}
