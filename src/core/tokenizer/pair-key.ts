/**
 * Adjacent token pairs are packed into one number so that counting and lookup use number-keyed Maps
 * instead of string keys, which is what makes BPE training and encoding fast in JavaScript.
 * Ids must stay below {@link PAIR_KEY_BASE} (2^21, far above our 8,192-token limit, enough for any
 * `tokenizer.json` we might load); the product stays well inside Number's exact-integer range.
 */
export const PAIR_KEY_BASE = 2 ** 21;

export function pairKey(left: number, right: number): number {
  return left * PAIR_KEY_BASE + right;
}

export function pairLeft(key: number): number {
  return Math.floor(key / PAIR_KEY_BASE);
}

export function pairRight(key: number): number {
  return key % PAIR_KEY_BASE;
}
