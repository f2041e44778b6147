/**
 * Our tokenizer.json read by Hugging Face's own tokenizer (`@huggingface/tokenizers`, the pure-JS
 * port of `tokenizers`): the same ids for varied text, including Unicode, whitespace runs, digits
 * and the literal `<|endoftext|>`, which both map to the special token, not to its bytes.
 */
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { ByteTokenizer, END_OF_TEXT, trainBpe, type Tokenizer } from '../../src/core/tokenizer';
import { syntheticDocuments } from './fixtures';

const TEXTS = [
  'The cat sat on the mat.',
  'naïve café — façade, Ünïcödé 漢字 かな 😀 👩‍👩‍👧',
  'spaces:  two   three    four\ttab\t\tend  \n\n new lines \r\n',
  'digits 1234567890 3.14159 1,000,000 and 42nd',
  `before${END_OF_TEXT}after`,
  `${END_OF_TEXT} leading and trailing ${END_OF_TEXT}`,
  `twice${END_OF_TEXT}${END_OF_TEXT} and <|endof text|> not special <|endoftext`,
  "it's they're we've I'm you'll he'd",
  '',
];

function hfIds(ours: Tokenizer, text: string): number[] {
  const hf = new HfTokenizer(ours.toJSON() as never, {});
  return hf.encode(text, { add_special_tokens: false }).ids;
}

describe('tokenizer.json in Hugging Face tokenizers', () => {
  const corpus = [...syntheticDocuments(300), ...TEXTS.slice(0, 4)];
  const tokenizers: [string, Tokenizer][] = [
    ['bpe', trainBpe(corpus, 600)],
    ['bytes', new ByteTokenizer()],
  ];

  it.each(tokenizers)('%s: the same ids for varied text', (_, ours) => {
    for (const text of TEXTS)
      expect(ours.encode(text), JSON.stringify(text)).toEqual(hfIds(ours, text));
  });

  it.each(tokenizers)('%s: the literal end-of-text is the special token', (_, ours) => {
    const ids = ours.encode(`a${END_OF_TEXT}b`);
    expect(ids).toEqual([...ours.encode('a'), ours.endOfText, ...ours.encode('b')]);
    expect(ours.decode(ids)).toBe(`a${END_OF_TEXT}b`);
  });
});
