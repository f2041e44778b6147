import { trainBpe } from './bpe';
import { ByteTokenizer } from './bytes';
import type { Tokenizer } from './types';

export type { HFTokenizerJson, Tokenizer } from './types';
export { END_OF_TEXT } from './types';
export { ByteTokenizer } from './bytes';
export { BpeTokenizer } from './bpe-tokenizer';
export {
  DEFAULT_BPE_TRAINING_CHARS,
  MAX_BPE_VOCAB_SIZE,
  MIN_BPE_VOCAB_SIZE,
  trainBpe,
  type BpeTrainingOptions,
} from './bpe';
export { tokenizerFromJSON } from './json';

/** What a run config says about its tokenizer. */
export type TokenizerSpec = { kind: 'bytes' } | { kind: 'bpe'; vocabSize: number };

/**
 * Builds the tokenizer a run asks for; a BPE is trained on `trainingTexts` (pass the training split
 * only, so validation text never shapes the vocabulary). The byte tokenizer ignores the texts.
 */
export function createTokenizer(spec: TokenizerSpec, trainingTexts: string[]): Tokenizer {
  switch (spec.kind) {
    case 'bytes':
      return new ByteTokenizer();
    case 'bpe':
      return trainBpe(trainingTexts, spec.vocabSize);
  }
}
