/**
 * Picks the text a BPE is trained on when the corpus is larger than the budget. Taking a prefix
 * would train on one genre only (the Brown corpus is ordered by genre), so the corpus is cut into
 * chunks and chunks are taken evenly spread over the whole of it (error diffusion, like Bresenham's
 * line), then the total is capped exactly.
 */

/** Long documents are split so that even a one-document corpus is sampled from end to end. */
const CHUNK_CHARS = 8_192;

export function selectTrainingText(texts: readonly string[], maxChars: number): string[] {
  let total = 0;
  for (const text of texts) total += text.length;
  if (total <= maxChars) return [...texts];

  const keepFraction = maxChars / total;
  const selected: string[] = [];
  let credit = 0;
  let used = 0;
  for (const text of texts) {
    for (let start = 0; start < text.length; start += CHUNK_CHARS) {
      const chunkLength = Math.min(CHUNK_CHARS, text.length - start);
      credit += chunkLength * keepFraction;
      if (credit <= 0) continue;
      const take = Math.min(chunkLength, maxChars - used);
      if (take <= 0) return selected;
      selected.push(text.slice(start, start + take));
      used += take;
      credit -= chunkLength;
    }
  }
  return selected;
}
