import { describe, expect, it } from 'vitest';
import { packDocuments, sampleWindows, sequentialWindows } from '../../src/core/data/pack';
import { splitDocuments } from '../../src/core/data/split';
import { Rng } from '../../src/core/rng';
import { ByteTokenizer, trainBpe } from '../../src/core/tokenizer';

const documents = Array.from({ length: 100 }, (_, i) => `document number ${i}`);
const arange = (length: number): Int32Array => Int32Array.from({ length }, (_, i) => i);

describe('splitDocuments', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(splitDocuments(documents, 0.1, 7)).toEqual(splitDocuments(documents, 0.1, 7));
    expect(splitDocuments(documents, 0.1, 7).validation).not.toEqual(
      splitDocuments(documents, 0.1, 8).validation,
    );
  });

  it('splits whole documents into disjoint sides that cover the corpus', () => {
    const { train, validation } = splitDocuments(documents, 0.1, 1);
    expect(validation.length).toBe(10);
    expect(train.length).toBe(90);
    expect(validation.filter((doc) => train.includes(doc))).toEqual([]);
    expect([...train, ...validation].sort()).toEqual([...documents].sort());
    // Each side keeps the corpus order.
    expect(train).toEqual(documents.filter((doc) => train.includes(doc)));
  });

  it('rounds the validation count to the nearest document', () => {
    const count = (n: number, fraction: number) =>
      splitDocuments(documents.slice(0, n), fraction, 1).validation.length;
    expect(count(10, 0.25)).toBe(3); // 2.5
    expect(count(9, 0.3)).toBe(3); // 2.7
    expect(count(7, 0.3)).toBe(2); // 2.1
    expect(count(11, 0.15)).toBe(2); // 1.65
    expect(count(20, 0.33)).toBe(7); // 6.6
  });

  it('keeps at least one document on each side', () => {
    expect(splitDocuments(['a', 'b'], 0.01, 0).validation.length).toBe(1);
    expect(splitDocuments(['a', 'b'], 0.99, 0).train.length).toBe(1);
    for (const fraction of [0.01, 0.5, 0.99]) {
      const { train, validation } = splitDocuments(['a', 'b', 'c'], fraction, 3);
      expect(train.length).toBeGreaterThanOrEqual(1);
      expect(validation.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('rejects too few documents and bad fractions', () => {
    expect(() => splitDocuments(['only one'], 0.1, 0)).toThrow(/at least 2 documents/);
    expect(() => splitDocuments([], 0.1, 0)).toThrow(/at least 2 documents/);
    expect(() => splitDocuments(documents, 0, 0)).toThrow(/validationFraction/);
    expect(() => splitDocuments(documents, 1, 0)).toThrow(/validationFraction/);
    expect(() => splitDocuments(documents, Number.NaN, 0)).toThrow(/validationFraction/);
  });

  it('does not modify its input', () => {
    const copy = [...documents];
    splitDocuments(copy, 0.3, 5);
    expect(copy).toEqual(documents);
  });
});

describe('packDocuments', () => {
  it('puts end-of-text after every document', () => {
    const bytes = new ByteTokenizer();
    expect(Array.from(packDocuments(['ab', 'c', ''], bytes))).toEqual([97, 98, 256, 99, 256, 256]);
    expect(packDocuments([], bytes).length).toBe(0);
  });

  it('matches per-document encodings for a BPE', () => {
    const bpe = trainBpe(documents, 512);
    const stream = packDocuments(documents.slice(0, 3), bpe);
    const expected = documents.slice(0, 3).flatMap((doc) => [...bpe.encode(doc), bpe.endOfText]);
    expect(Array.from(stream)).toEqual(expected);
    expect(stream.filter((id) => id === bpe.endOfText).length).toBe(3);
  });
});

describe('sampleWindows', () => {
  it('returns [count, windowLength + 1] windows whose targets are the inputs shifted by one', () => {
    const stream = arange(1000);
    const windowLength = 16;
    const windows = sampleWindows(stream, windowLength, 32, new Rng(3));
    expect(windows).toBeInstanceOf(Int32Array);
    expect(windows.length).toBe(32 * (windowLength + 1));
    for (let row = 0; row < 32; row++) {
      const window = windows.subarray(row * 17, row * 17 + 17);
      const inputs = window.subarray(0, windowLength);
      const targets = window.subarray(1);
      targets.forEach((target, i) => expect(target).toBe(inputs[i] + 1));
    }
  });

  it('is reproducible from the rng state and reaches both ends of the stream', () => {
    const stream = arange(40);
    expect(sampleWindows(stream, 8, 50, new Rng(9))).toEqual(
      sampleWindows(stream, 8, 50, new Rng(9)),
    );
    const starts = new Set<number>();
    const windows = sampleWindows(stream, 8, 2000, new Rng(1));
    for (let row = 0; row < 2000; row++) starts.add(windows[row * 9]);
    expect(Math.min(...starts)).toBe(0);
    expect(Math.max(...starts)).toBe(31); // last start whose window fits: 40 - 9
    expect(Array.from(sampleWindows(arange(9), 8, 2, new Rng(0)))).toEqual([
      ...arange(9),
      ...arange(9),
    ]);
  });

  it('rejects a stream shorter than one window', () => {
    expect(() => sampleWindows(arange(8), 8, 1, new Rng(0))).toThrow(
      /too short.*8 tokens.*needs 9/,
    );
    expect(() => sampleWindows(arange(100), 0, 1, new Rng(0))).toThrow(/windowLength/);
  });

  it('accepts windows of one token and zero windows; rejects a negative or fractional count', () => {
    expect(Array.from(sampleWindows(arange(2), 1, 2, new Rng(0)))).toEqual([0, 1, 0, 1]);
    expect(sampleWindows(arange(10), 4, 0, new Rng(0)).length).toBe(0);
    expect(() => sampleWindows(arange(10), 4, -1, new Rng(0))).toThrow(/count must be/);
    expect(() => sampleWindows(arange(10), 4, 1.5, new Rng(0))).toThrow(/count must be/);
  });
});

describe('sequentialWindows', () => {
  it('tiles the stream from the start so each token is a target once', () => {
    const windows = sequentialWindows(arange(20), 5, 100);
    expect(windows.length).toBe(3 * 6);
    expect(Array.from(windows)).toEqual([
      0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13, 14, 15,
    ]);
    expect(sequentialWindows(arange(21), 5, 100).length).toBe(4 * 6);
  });

  it('respects maxWindows and rejects short streams', () => {
    expect(sequentialWindows(arange(1000), 10, 4).length).toBe(4 * 11);
    expect(sequentialWindows(arange(1000), 10, 0).length).toBe(0);
    expect(() => sequentialWindows(arange(3), 5, 1)).toThrow(/too short/);
    expect(() => sequentialWindows(arange(20), 5, -1)).toThrow(/maxWindows must be/);
    expect(() => sequentialWindows(arange(20), 5, Number.NaN)).toThrow(/maxWindows must be/);
  });
});
