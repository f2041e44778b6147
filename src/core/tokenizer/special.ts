import { END_OF_TEXT } from './types';

/**
 * Encodes text the way Hugging Face's tokenizers do with `<|endoftext|>` as an added special token
 * (our tokenizer.json declares it so): every literal occurrence becomes the end-of-text id, and
 * only the text between occurrences goes through `encodePlain`. So a document that quotes the
 * marker encodes to the same ids here and in Python.
 */
export function encodeWithEndOfText(
  text: string,
  endOfText: number,
  encodePlain: (part: string) => number[],
): number[] {
  if (!text.includes(END_OF_TEXT)) return encodePlain(text);
  const ids: number[] = [];
  text.split(END_OF_TEXT).forEach((part, i) => {
    if (i > 0) ids.push(endOfText);
    if (part) for (const id of encodePlain(part)) ids.push(id);
  });
  return ids;
}
