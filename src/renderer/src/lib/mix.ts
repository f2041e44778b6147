/** Helpers for drawing what MoT experts mix: token labels and effective group sizes. */

/** Makes whitespace and control characters visible: "·" space, "↵" newline, "⇥" tab, "∅" empty. */
export function visibleToken(text: string): string {
  if (text.length === 0) return '∅';
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === ' ') out += '·';
    else if (char === '\n') out += '↵';
    else if (char === '\r') out += '␍';
    else if (char === '\t') out += '⇥';
    else if (char === '\uFFFD') out += '�';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out;
}

/** The column of weights that expert `e` mixes: weights[i][e] over the group's tokens i. */
export function expertColumn(weights: readonly (readonly number[])[], e: number): number[] {
  return weights.map((row) => row[e] ?? 0);
}

/** exp(entropy) of a distribution: how many tokens an expert effectively mixes (1 .. g). */
export function effectiveCount(distribution: readonly number[]): number {
  let total = 0;
  for (const p of distribution) total += p > 0 ? p : 0;
  if (total <= 0) return 0;
  let entropy = 0;
  for (const p of distribution) {
    if (p > 0) {
      const q = p / total;
      entropy -= q * Math.log(q);
    }
  }
  return Math.exp(entropy);
}

/** Effective tokens mixed by every expert of a g x E weight matrix. */
export function effectiveTokensPerExpert(weights: readonly (readonly number[])[]): number[] {
  const experts = weights[0]?.length ?? 0;
  return Array.from({ length: experts }, (_, e) => effectiveCount(expertColumn(weights, e)));
}

/** Context around a token for reading: line breaks and tabs shown, other spaces kept as spaces. */
export function contextText(text: string): string {
  return text.replaceAll('\r', '').replaceAll('\n', '↵').replaceAll('\t', '⇥');
}

/** One line that says what a mix picture shows, drawn under an exported PNG. */
export function mixCaption(parts: {
  run: string;
  step: number | undefined;
  block: number | undefined;
  group: number;
  position: number;
  time?: number;
}): string {
  const of = parts.time !== undefined ? ` of ${parts.time}` : '';
  return `${parts.run} · step ${parts.step ?? '–'} · block ${parts.block ?? '–'} · group ${parts.group} · position ${parts.position}${of}`;
}

/** The labels of the greatest length (a few), to measure how wide a column label can get. */
export function longestLabels(labels: readonly string[], count = 5): string[] {
  return [...labels].sort((a, b) => b.length - a.length).slice(0, count);
}
