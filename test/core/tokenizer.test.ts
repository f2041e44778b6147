import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BYTE_TO_UNICODE, UNICODE_TO_BYTE } from '../../src/core/tokenizer/byte-unicode';
import { pretokenize } from '../../src/core/tokenizer/pretokenize';
import { selectTrainingText } from '../../src/core/tokenizer/training-sample';
import {
  ByteTokenizer,
  createTokenizer,
  END_OF_TEXT,
  tokenizerFromJSON,
  trainBpe,
  type HFTokenizerJson,
  type Tokenizer,
} from '../../src/core/tokenizer';
import { loadCorpus } from '../../src/services/corpora';

const UNICODE_SAMPLES = [
  '',
  'plain ASCII, with punctuation!?',
  'Crème brûlée, naïve façade, Øresund, Ωμέγα',
  '日本語のテキストと中文文本',
  'emoji 👩🏽‍🚀🚀 and flags 🇫🇷 and ZWJ 👨‍👩‍👧',
  'tabs\tand\nnewlines\r\n  and   runs of spaces   ',
  "contractions: don't, we'll, I'm, they've",
  'digits 1234567890 and ١٢٣ and math ∑∫√',
  '<|endoftext|> written as plain text',
];

/** English-like training text: a few hundred made-up words, enough distinct pairs for 255+ merges. */
function syntheticCorpus(): string[] {
  const syllables = [
    'the',
    'qu',
    'ick',
    'bro',
    'wn',
    'fox',
    'ju',
    'mps',
    'ov',
    'er',
    'la',
    'zy',
    'do',
    'g',
    'an',
    'th',
    'en',
    'ru',
    'ns',
    'aw',
    'ay',
    'fr',
    'om',
    'hu',
    'nt',
    'caf',
    'é',
    'naï',
    've',
    'ri',
    'ver',
    'st',
  ];
  const documents: string[] = [];
  for (let d = 0; d < 40; d++) {
    const words: string[] = [];
    for (let i = 0; i < 200; i++) {
      const a = (i * 7 + d * 13) % syllables.length;
      const b = (i * i + d) % syllables.length;
      words.push(i % 3 === 0 ? syllables[a] : syllables[a] + syllables[b]);
    }
    documents.push(words.join(' ') + `. Number ${d * 37}!`);
  }
  return documents;
}

const smallBpe = trainBpe(syntheticCorpus(), 512);
const brownSlice = loadCorpus({ kind: 'builtin', name: 'brown' }).documents.filter(
  (_, i) => i % 25 === 0,
);
const brownBpe = trainBpe(brownSlice, 1024, { maxChars: 200_000 });

function reload(tokenizer: Tokenizer): Tokenizer {
  return tokenizerFromJSON(JSON.parse(JSON.stringify(tokenizer.toJSON())));
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

describe('GPT-2 byte <-> unicode map', () => {
  it('is a bijection onto 256 printable, non-space characters', () => {
    expect(new Set(BYTE_TO_UNICODE).size).toBe(256);
    expect(UNICODE_TO_BYTE.size).toBe(256);
    for (const char of BYTE_TO_UNICODE) expect(char).toMatch(/^\S$/u);
    expect(BYTE_TO_UNICODE[65]).toBe('A');
    expect(BYTE_TO_UNICODE[32]).toBe('Ġ');
    expect(BYTE_TO_UNICODE[10]).toBe('Ċ');
  });
});

describe('pretokenize', () => {
  it('splits GPT-2 style and covers the text exactly', () => {
    expect(pretokenize("Hello world's 123!! ok")).toEqual([
      'Hello',
      ' world',
      "'s",
      ' 123',
      '!!',
      ' ok',
    ]);
    expect(pretokenize('a  b')).toEqual(['a', ' ', ' b']);
    for (const text of UNICODE_SAMPLES) expect(pretokenize(text).join('')).toBe(text);
  });
});

describe('ByteTokenizer', () => {
  const bytes = new ByteTokenizer();

  it('has 256 byte ids plus end-of-text', () => {
    expect(bytes.kind).toBe('bytes');
    expect(bytes.vocabSize).toBe(257);
    expect(bytes.endOfText).toBe(256);
    expect(bytes.encode('é')).toEqual([0xc3, 0xa9]);
  });

  it('round-trips arbitrary Unicode', () => {
    for (const text of UNICODE_SAMPLES) {
      const ids = bytes.encode(text);
      // A literal <|endoftext|> is the one special token, as in Hugging Face (tokenizer-hf.test.ts).
      const specials = text.split(END_OF_TEXT).length - 1;
      expect(ids.length).toBe(utf8Length(text) - specials * (utf8Length(END_OF_TEXT) - 1));
      expect(bytes.decode(ids)).toBe(text);
      expect(bytes.decode(Int32Array.from(ids))).toBe(text);
    }
  });

  it('decodes any id sequence without throwing', () => {
    expect(bytes.decode([0x80])).toBe('\uFFFD');
    expect(bytes.decode([0xe6, 0x97])).toBe('\uFFFD');
    expect(bytes.decode([104, 256, 105])).toBe(`h${END_OF_TEXT}i`);
    expect(bytes.decode([257, -1, 1.5, NaN])).toBe('\uFFFD'.repeat(4));
  });
});

describe('trainBpe', () => {
  it('gives exactly the requested vocabulary size', () => {
    expect(smallBpe.kind).toBe('bpe');
    expect(smallBpe.vocabSize).toBe(512);
    expect(smallBpe.endOfText).toBe(256);
    expect(brownBpe.vocabSize).toBe(1024);
    const json = brownBpe.toJSON();
    expect(Object.keys(json.model.vocab).length).toBe(1024);
    expect(new Set(Object.values(json.model.vocab)).size).toBe(1024);
  });

  it('compresses text it was trained on, and text like it', () => {
    const trainingText = syntheticCorpus().join('\n');
    expect(smallBpe.encode(trainingText).length).toBeLessThan(utf8Length(trainingText) / 3);
    const unseen = loadCorpus({ kind: 'builtin', name: 'brown' }).documents[7];
    const bytesPerToken = utf8Length(unseen) / brownBpe.encode(unseen).length;
    expect(bytesPerToken).toBeGreaterThan(2.3);
  });

  it('round-trips arbitrary Unicode, including text unlike its training data', () => {
    for (const tokenizer of [smallBpe, brownBpe]) {
      for (const text of UNICODE_SAMPLES)
        expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('never yields end-of-text (but for its literal) or out-of-range ids from encode', () => {
    const plain = UNICODE_SAMPLES.filter((text) => !text.includes(END_OF_TEXT));
    const ids = brownBpe.encode(plain.join(' '));
    expect(
      ids.every((id) => Number.isInteger(id) && id >= 0 && id < brownBpe.vocabSize && id !== 256),
    ).toBe(true);
  });

  it('decodes any id sequence without throwing', () => {
    const ids = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1100);
    expect(() => brownBpe.decode(ids)).not.toThrow();
    expect(brownBpe.decode([256])).toBe(END_OF_TEXT);
    expect(brownBpe.decode([1024, -3])).toBe('\uFFFD\uFFFD');
  });

  it('learns the same merges as recounting every pair at every step', () => {
    // Reference trainer: no incremental bookkeeping, just recount (ties: smaller left, then right id).
    const counts = new Map<string, number>();
    for (const text of syntheticCorpus())
      for (const piece of pretokenize(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
    const words = [...counts].map(([piece, frequency]) => ({
      symbols: Array.from(new TextEncoder().encode(piece)),
      frequency,
    }));
    const spellings: string[] = Array.from({ length: 256 }, (_, byte) => String.fromCharCode(byte));
    spellings.push('<eot>');
    const expected: string[] = [];
    while (spellings.length < 512) {
      const pairs = new Map<number, number>();
      for (const { symbols, frequency } of words) {
        for (let i = 0; i + 1 < symbols.length; i++) {
          const key = symbols[i] * 65536 + symbols[i + 1];
          pairs.set(key, (pairs.get(key) ?? 0) + frequency);
        }
      }
      let best = -1;
      let bestCount = 0;
      for (const [key, count] of pairs)
        if (count > bestCount || (count === bestCount && key < best))
          [best, bestCount] = [key, count];
      if (best < 0) break;
      const [left, right] = [Math.floor(best / 65536), best % 65536];
      const spelling = spellings[left] + spellings[right];
      let result = spellings.indexOf(spelling);
      if (result < 0) result = spellings.push(spelling) - 1;
      expected.push(`${left} ${right} ${result}`);
      for (const word of words) {
        const merged: number[] = [];
        for (let i = 0; i < word.symbols.length; i++) {
          const matches = word.symbols[i] === left && word.symbols[i + 1] === right;
          merged.push(matches ? result : word.symbols[i]);
          if (matches) i++;
        }
        word.symbols = merged;
      }
    }
    const json = smallBpe.toJSON();
    const idOf = (token: string): number => json.model.vocab[token];
    const actual = json.model.merges.map((merge) => {
      const [left, right] = merge.split(' ');
      return `${idOf(left)} ${idOf(right)} ${idOf(left + right)}`;
    });
    expect(actual).toEqual(expected);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(trainBpe(syntheticCorpus(), 512).toJSON())).toBe(
      JSON.stringify(smallBpe.toJSON()),
    );
  });

  it('merges never cross word boundaries', () => {
    for (const token of Object.keys(brownBpe.toJSON().model.vocab)) {
      if (token === END_OF_TEXT) continue;
      // A learned token is at most one pre-token: a leading space only, letters not mixed with digits.
      expect(
        pretokenize(token.replaceAll('Ġ', ' ').replaceAll('Ċ', '\n')).length,
      ).toBeLessThanOrEqual(1);
    }
  });

  it('stops early on a corpus with too few pairs', () => {
    const tiny = trainBpe(['abab abab'], 512);
    expect(tiny.vocabSize).toBeLessThan(512);
    expect(tiny.vocabSize).toBeGreaterThan(257);
    expect(tiny.decode(tiny.encode('abab abab'))).toBe('abab abab');
    expect(tiny.encode('abab').length).toBe(1);
  });

  it('rejects vocabulary sizes outside 512..8192', () => {
    expect(() => trainBpe(['x'], 511)).toThrow(/512 to 8192/);
    expect(() => trainBpe(['x'], 8193)).toThrow(/512 to 8192/);
    expect(() => trainBpe(['x'], 600.5)).toThrow(/integer/);
  });
});

describe('selectTrainingText', () => {
  it('caps the characters and samples the whole corpus, not a prefix', () => {
    const texts = Array.from({ length: 100 }, (_, i) => `${i}:`.padEnd(1000, 'x'));
    const picked = selectTrainingText(texts, 10_000);
    expect(picked.reduce((sum, text) => sum + text.length, 0)).toBeLessThanOrEqual(10_000);
    expect(picked.length).toBe(10);
    expect(picked.some((text) => text.startsWith('9'))).toBe(true);
    const single = selectTrainingText(['y'.repeat(100_000)], 10_000);
    expect(single.reduce((sum, text) => sum + text.length, 0)).toBe(10_000);
    expect(selectTrainingText(['ab', 'c'], 10)).toEqual(['ab', 'c']);
  });
});

describe('tokenizer.json', () => {
  it('writes the Hugging Face byte-level BPE format', () => {
    const json: HFTokenizerJson = brownBpe.toJSON();
    expect(json.model.type).toBe('BPE');
    expect(json.pre_tokenizer).toMatchObject({ type: 'ByteLevel', add_prefix_space: false });
    expect(json.decoder.type).toBe('ByteLevel');
    expect(json.added_tokens).toEqual([
      expect.objectContaining({ id: 256, content: END_OF_TEXT, special: true }),
    ]);
    expect(json.model.vocab[END_OF_TEXT]).toBe(256);
    expect(json.model.vocab['Ġ']).toBe(32);
    expect(json.model.merges.length).toBeGreaterThanOrEqual(1024 - 257);
    for (const merge of json.model.merges) expect(merge).toMatch(/^\S+ \S+$/u);
    const bytesJson = new ByteTokenizer().toJSON();
    expect(Object.keys(bytesJson.model.vocab).length).toBe(257);
    expect(bytesJson.model.merges).toEqual([]);
  });

  it('reloads to identical encodings', () => {
    const text = brownSlice.slice(0, 3).join('\n') + UNICODE_SAMPLES.join(' ');
    for (const tokenizer of [new ByteTokenizer(), smallBpe, brownBpe]) {
      const back = reload(tokenizer);
      expect(back.kind).toBe(tokenizer.kind);
      expect(back.vocabSize).toBe(tokenizer.vocabSize);
      expect(back.endOfText).toBe(tokenizer.endOfText);
      expect(back.encode(text)).toEqual(tokenizer.encode(text));
      expect(back.toJSON()).toEqual(tokenizer.toJSON());
    }
    expect(tokenizerFromJSON(JSON.stringify(smallBpe.toJSON())).encode(text)).toEqual(
      smallBpe.encode(text),
    );
  });

  it('accepts merges written as [left, right] pairs', () => {
    const json = smallBpe.toJSON();
    const pairs = {
      ...json,
      model: { ...json.model, merges: json.model.merges.map((merge) => merge.split(' ')) },
    };
    expect(tokenizerFromJSON(pairs).encode('the quick fox')).toEqual(
      smallBpe.encode('the quick fox'),
    );
  });

  it('rejects malformed input with a clear message', () => {
    const good = (): HFTokenizerJson => JSON.parse(JSON.stringify(smallBpe.toJSON()));
    const broken: [string, (json: HFTokenizerJson) => unknown][] = [
      ['not an object', () => 42],
      ['not JSON text', () => '{"model": '],
      ['model missing', (json) => ({ ...json, model: undefined })],
      ['not BPE', (json) => ({ ...json, model: { ...json.model, type: 'WordPiece' } })],
      [
        'bad id',
        (json) => ({ ...json, model: { ...json.model, vocab: { ...json.model.vocab, a: 'one' } } }),
      ],
      [
        'duplicate id',
        (json) => ({ ...json, model: { ...json.model, vocab: { ...json.model.vocab, a: 5 } } }),
      ],
      [
        'missing byte',
        (json) => {
          delete (json.model.vocab as Record<string, number>)['Ġ'];
          return json;
        },
      ],
      [
        'unknown merge token',
        (json) => ({ ...json, model: { ...json.model, merges: ['zzzq qqq'] } }),
      ],
      [
        'merge with three parts',
        (json) => ({ ...json, model: { ...json.model, merges: ['a b c'] } }),
      ],
      ['merges not array', (json) => ({ ...json, model: { ...json.model, merges: 'a b' } })],
      ['no end-of-text', (json) => ({ ...json, added_tokens: [] })],
      [
        'other special token',
        (json) => ({
          ...json,
          added_tokens: [
            ...json.added_tokens,
            { ...json.added_tokens[0], id: 512, content: '<pad>' },
          ],
        }),
      ],
      [
        'prefix space',
        (json) => ({ ...json, pre_tokenizer: { ...json.pre_tokenizer, add_prefix_space: true } }),
      ],
      ['other pre-tokenizer', (json) => ({ ...json, pre_tokenizer: { type: 'Whitespace' } })],
      ['normalizer', (json) => ({ ...json, normalizer: { type: 'NFC' } })],
    ];
    for (const [label, mutate] of broken) {
      expect(() => tokenizerFromJSON(mutate(good())), label).toThrow(/^Invalid tokenizer\.json: /);
    }
  });
});

describe('createTokenizer', () => {
  it('builds either kind from a spec', () => {
    expect(createTokenizer({ kind: 'bytes' }, []).kind).toBe('bytes');
    const bpe = createTokenizer({ kind: 'bpe', vocabSize: 512 }, syntheticCorpus());
    expect(bpe.kind).toBe('bpe');
    expect(bpe.vocabSize).toBe(512);
  });
});

const hasPythonTokenizers =
  spawnSync('python3', ['-c', 'import tokenizers'], { stdio: 'ignore', timeout: 10_000 }).status ===
  0;

describe('Python cross-check', () => {
  it.skipIf(!hasPythonTokenizers)(
    'Hugging Face tokenizers loads our JSON and encodes identically',
    () => {
      const text = brownSlice[1].slice(0, 2000) + UNICODE_SAMPLES.slice(0, -1).join(' ');
      const script = [
        'import json, sys',
        'from tokenizers import Tokenizer',
        'request = json.load(sys.stdin)',
        'out = []',
        'for spec in request["tokenizers"]:',
        '    tok = Tokenizer.from_str(json.dumps(spec))',
        '    ids = tok.encode(request["text"]).ids',
        '    out.append({"ids": ids, "text": tok.decode(ids)})',
        'print(json.dumps(out))',
      ].join('\n');
      const tokenizers = [new ByteTokenizer(), brownBpe];
      const result = spawnSync('python3', ['-c', script], {
        input: JSON.stringify({ tokenizers: tokenizers.map((tok) => tok.toJSON()), text }),
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status, result.stderr).toBe(0);
      const answers: { ids: number[]; text: string }[] = JSON.parse(result.stdout);
      tokenizers.forEach((tokenizer, i) => {
        expect(answers[i].ids).toEqual(tokenizer.encode(text));
        expect(answers[i].text).toBe(text);
      });
    },
  );
});
