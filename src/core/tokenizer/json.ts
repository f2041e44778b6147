import { BYTE_TO_UNICODE, tokenStringToBytes } from './byte-unicode';
import { BpeTokenizer, type BpeMerge } from './bpe-tokenizer';
import { ByteTokenizer } from './bytes';
import { PAIR_KEY_BASE } from './pair-key';
import { END_OF_TEXT, type Tokenizer } from './types';

/**
 * Reloads a tokenizer saved by `toJSON` (or any Hugging Face `tokenizer.json` that is a plain
 * byte-level BPE with `<|endoftext|>` as its only added token). Everything is checked before use,
 * because the file comes from disk and a silently wrong tokenizer would corrupt a whole run; errors
 * say which field is wrong. Accepts the parsed object or the JSON text.
 */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  const root = typeof json === 'string' ? parseText(json) : json;
  if (!isRecord(root)) fail('expected a JSON object');
  checkSupportedPipeline(root);

  const model = root.model;
  if (!isRecord(model)) fail('"model" must be an object');
  if (model.type !== 'BPE') fail(`model.type must be "BPE", got ${describe(model.type)}`);
  for (const field of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (model[field] !== undefined && model[field] !== null && model[field] !== '') {
      fail(`model.${field} is not supported`);
    }
  }

  const idByToken = readVocab(model.vocab);
  const endOfText = readEndOfText(root.added_tokens, idByToken);
  const vocabSize = Math.max(idByToken.size, endOfText + 1);
  if (vocabSize >= PAIR_KEY_BASE) fail(`vocabulary too large (${vocabSize} ids)`);

  const tokenBytes: (Uint8Array | undefined)[] = new Array(vocabSize).fill(undefined);
  for (const [token, id] of idByToken) {
    if (id === endOfText) continue;
    const bytes = tokenStringToBytes(token);
    if (bytes === undefined || bytes.length === 0)
      fail(`vocab token ${JSON.stringify(token)} is not a byte-level token`);
    tokenBytes[id] = bytes;
  }
  const byteIds = BYTE_TO_UNICODE.map((char, byte) => {
    const id = idByToken.get(char);
    if (id === undefined) fail(`vocab lacks the token for byte ${byte} (${JSON.stringify(char)})`);
    return id;
  });
  const merges = readMerges(model.merges, idByToken, endOfText);

  const isPlainBytes =
    merges.length === 0 &&
    vocabSize === 257 &&
    endOfText === 256 &&
    byteIds.every((id, byte) => id === byte);
  return isPlainBytes
    ? new ByteTokenizer()
    : new BpeTokenizer(byteIds, tokenBytes, endOfText, merges);
}

function fail(message: string): never {
  throw new Error(`Invalid tokenizer.json: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
}

/** Our encode does GPT-2 byte-level splitting and nothing else; anything more would diverge. */
function checkSupportedPipeline(root: Record<string, unknown>): void {
  if (root.normalizer !== undefined && root.normalizer !== null)
    fail('normalizers are not supported');
  const pre = root.pre_tokenizer;
  if (!isRecord(pre) || pre.type !== 'ByteLevel')
    fail('pre_tokenizer must be {"type": "ByteLevel"}');
  if (pre.add_prefix_space === true) fail('pre_tokenizer.add_prefix_space must be false');
  if (pre.use_regex === false) fail('pre_tokenizer.use_regex must be true');
  const decoder = root.decoder;
  if (
    decoder !== undefined &&
    decoder !== null &&
    (!isRecord(decoder) || decoder.type !== 'ByteLevel')
  ) {
    fail('decoder must be ByteLevel');
  }
}

/** Token -> id; ids must be distinct non-negative integers. */
function readVocab(vocab: unknown): Map<string, number> {
  if (!isRecord(vocab)) fail('model.vocab must be an object mapping tokens to ids');
  const idByToken = new Map<string, number>();
  const seen = new Set<number>();
  for (const [token, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      fail(
        `model.vocab[${JSON.stringify(token)}] must be a non-negative integer id, got ${describe(id)}`,
      );
    }
    if (seen.has(id)) fail(`model.vocab uses id ${id} twice`);
    seen.add(id);
    idByToken.set(token, id);
  }
  // Ids must be dense: the model's embedding has one row per id and none may be meaningless.
  for (let id = 0; id < seen.size; id++)
    if (!seen.has(id)) fail(`model.vocab ids must be 0..${seen.size - 1}; ${id} is missing`);
  return idByToken;
}

/** The id of `<|endoftext|>`: in the vocab, or appended right after it. */
function readEndOfText(addedTokens: unknown, idByToken: Map<string, number>): number {
  if (!Array.isArray(addedTokens)) fail('"added_tokens" must be an array');
  let endOfText: number | undefined;
  for (const [index, token] of addedTokens.entries()) {
    if (
      !isRecord(token) ||
      typeof token.content !== 'string' ||
      typeof token.id !== 'number' ||
      !Number.isInteger(token.id)
    ) {
      fail(`added_tokens[${index}] must have a string "content" and an integer "id"`);
    }
    if (token.content !== END_OF_TEXT)
      fail(`unsupported added token ${JSON.stringify(token.content)}`);
    endOfText = token.id;
  }
  if (endOfText === undefined) fail(`added_tokens must contain ${END_OF_TEXT}`);
  const inVocab = idByToken.get(END_OF_TEXT);
  if (inVocab !== undefined ? inVocab !== endOfText : endOfText !== idByToken.size) {
    fail(`${END_OF_TEXT} has id ${endOfText}, which does not fit the vocab`);
  }
  return endOfText;
}

/** Merge rules as "left right" strings (or [left, right] pairs, as newer versions write them). */
function readMerges(
  merges: unknown,
  idByToken: Map<string, number>,
  endOfText: number,
): BpeMerge[] {
  if (!Array.isArray(merges)) fail('model.merges must be an array');
  return merges.map((rule: unknown, rank): BpeMerge => {
    let parts: unknown[] | undefined;
    if (typeof rule === 'string') parts = rule.split(' ');
    else if (Array.isArray(rule)) parts = rule;
    if (parts?.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') {
      fail(`model.merges[${rank}] must be "left right", got ${describe(rule)}`);
    }
    const [leftToken, rightToken] = parts as [string, string];
    const left = idByToken.get(leftToken);
    const right = idByToken.get(rightToken);
    const result = idByToken.get(leftToken + rightToken);
    if (left === undefined || right === undefined || result === undefined) {
      fail(
        `model.merges[${rank}] ${describe(rule)} uses or makes a token that is not in the vocab`,
      );
    }
    if (left === endOfText || right === endOfText || result === endOfText) {
      fail(`model.merges[${rank}] involves ${END_OF_TEXT}`);
    }
    return [left, right, result];
  });
}
