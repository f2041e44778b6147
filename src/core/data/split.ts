import { Rng } from '../rng';

export interface DocumentSplit {
  train: string[];
  validation: string[];
}

/**
 * Splits a corpus into training and validation documents. Whole documents go to one side so that
 * validation text is never seen, even partly, in training. The choice depends only on the seed, and
 * each side keeps the corpus order.
 *
 * @param validationFraction share of documents for validation, in (0, 1); rounded, and clamped so
 *   each side gets at least one document
 */
export function splitDocuments(
  documents: string[],
  validationFraction: number,
  seed: number,
): DocumentSplit {
  if (documents.length < 2) {
    throw new Error(
      `Cannot split ${documents.length} document(s) into training and validation sets: the corpus needs at least 2 documents`,
    );
  }
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new RangeError(
      `validationFraction must be between 0 and 1 (exclusive), got ${validationFraction}`,
    );
  }
  const count = documents.length;
  const validationCount = Math.min(count - 1, Math.max(1, Math.round(count * validationFraction)));
  const order = new Rng(seed).shuffle(Array.from({ length: count }, (_, index) => index));
  const isValidation = new Uint8Array(count);
  for (let i = 0; i < validationCount; i++) isValidation[order[i]] = 1;

  const split: DocumentSplit = { train: [], validation: [] };
  documents.forEach((document, index) =>
    (isValidation[index] ? split.validation : split.train).push(document),
  );
  return split;
}
