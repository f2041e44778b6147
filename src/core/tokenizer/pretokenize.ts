/**
 * GPT-2's pre-tokenizer: text is cut into contractions, words with their leading space, numbers,
 * punctuation runs and whitespace before any merge, so merges never cross a word boundary. The
 * pattern is the one Hugging Face's ByteLevel pre-tokenizer uses with `use_regex: true`, which keeps
 * our encodings identical to Python's for the same `tokenizer.json`.
 */
const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** The pre-tokens of `text`, in order; together they spell `text` exactly. */
export function pretokenize(text: string): string[] {
  return text.match(new RegExp(GPT2_PATTERN)) ?? [];
}

/** Calls `visit` for each pre-token without building an array (used when counting corpora). */
export function forEachPretoken(text: string, visit: (piece: string) => void): void {
  const pattern = new RegExp(GPT2_PATTERN);
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) visit(match[0]);
}
