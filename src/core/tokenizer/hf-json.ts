import { bytesToTokenString } from './byte-unicode';
import { END_OF_TEXT, type HFByteLevel, type HFTokenizerJson } from './types';

/**
 * Writes a byte-level BPE as Hugging Face's `tokenizer.json`. Both of our tokenizer kinds are such
 * a BPE (the byte tokenizer is one with no merges), so one writer serves both and Python's
 * `tokenizers.Tokenizer.from_str` loads either.
 *
 * @param tokenBytes bytes of every id, `undefined` at the end-of-text id
 * @param merges merge rules in rank order as [left id, right id]
 */
export function buildHfTokenizerJson(
  tokenBytes: readonly (Uint8Array | undefined)[],
  endOfText: number,
  merges: readonly (readonly [number, number])[],
): HFTokenizerJson {
  const spelling = tokenBytes.map((bytes, id) =>
    id === endOfText || !bytes ? END_OF_TEXT : bytesToTokenString(bytes),
  );
  const vocab: Record<string, number> = {};
  spelling.forEach((token, id) => {
    vocab[token] = id;
  });
  // Prefix space off: our encode does not add one, and Python must produce the same ids.
  const byteLevel = (): HFByteLevel => ({
    type: 'ByteLevel',
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: endOfText,
        content: END_OF_TEXT,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel(),
    post_processor: null,
    decoder: byteLevel(),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([left, right]) => `${spelling[left]} ${spelling[right]}`),
    },
  };
}
