/**
 * The tokenizer contract shared by training, generation and the store. Both kinds serialise to
 * Hugging Face's `tokenizer.json` so that a run's tokenizer also loads in Python.
 */

/** Text of the one special token; both kinds give it the id 256. */
export const END_OF_TEXT = '<|endoftext|>';

export interface Tokenizer {
  readonly kind: 'bytes' | 'bpe';
  /** Number of ids, including the special end-of-text token. */
  readonly vocabSize: number;
  /** Id of {@link END_OF_TEXT}; packing puts it after every document. */
  readonly endOfText: number;
  /**
   * Plain text to ids. The literal string "<|endoftext|>" in the text is encoded as ordinary bytes,
   * never as the special id, so document text cannot forge a document boundary.
   */
  encode(text: string): number[];
  /**
   * Ids to text; never throws. Byte sequences that are not valid UTF-8 become U+FFFD, the end-of-text
   * id becomes the visible marker "<|endoftext|>" (as Hugging Face decodes it without
   * `skip_special_tokens`), and ids outside [0, vocabSize) or not integers become U+FFFD.
   */
  decode(ids: ArrayLike<number>): string;
  /** A Hugging Face `tokenizer.json` object (plain JSON data). */
  toJSON(): HFTokenizerJson;
}

/** One entry of `added_tokens` in a Hugging Face `tokenizer.json`. */
export interface HFAddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The ByteLevel pre-tokenizer / decoder settings we write (GPT-2's, without a prefix space). */
export interface HFByteLevel {
  type: 'ByteLevel';
  add_prefix_space: boolean;
  trim_offsets: boolean;
  use_regex: boolean;
}

/** The BPE model section; `vocab` keys are byte strings spelled with GPT-2's byte-to-unicode map. */
export interface HFBpeModel {
  type: 'BPE';
  dropout: null;
  unk_token: null;
  continuing_subword_prefix: null;
  end_of_word_suffix: null;
  fuse_unk: boolean;
  byte_fallback: boolean;
  ignore_merges: boolean;
  vocab: Record<string, number>;
  /** Merge rules in rank order, each "left right". */
  merges: string[];
}

/** The subset of Hugging Face's `tokenizer.json` schema that our tokenizers write. */
export interface HFTokenizerJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: HFAddedToken[];
  normalizer: null;
  pre_tokenizer: HFByteLevel;
  post_processor: null;
  decoder: HFByteLevel;
  model: HFBpeModel;
}
