/**
 * From documents to token streams: split by document, build the tokenizer on the training
 * documents only, pack each side into one stream with end-of-text between documents.
 */
import type { DataConfig } from '../config';
import { createTokenizer, type Tokenizer } from '../tokenizer';
import { packDocuments } from './pack';
import { splitDocuments } from './split';

export interface PreparedData {
  tokenizer: Tokenizer;
  train: Int32Array;
  validation: Int32Array;
  trainDocuments: number;
  validationDocuments: number;
}

/**
 * `dataSeed` picks the split (`dataSeedOf(config)`: data.seed, or train.seed for configs made
 * before it). `tokenizer` is given when resuming, so a checkpoint keeps the exact vocabulary it
 * trained with.
 */
export function prepareData(
  documents: string[],
  data: DataConfig,
  dataSeed: number,
  tokenizer?: Tokenizer,
): PreparedData {
  const { train, validation } = splitDocuments(documents, data.validationFraction, dataSeed);
  const tok = tokenizer ?? createTokenizer(data.tokenizer, train);
  return {
    tokenizer: tok,
    train: packDocuments(train, tok),
    validation: packDocuments(validation, tok),
    trainDocuments: train.length,
    validationDocuments: validation.length,
  };
}
