/** Importing users' corpora into the data dir, and training on them by id. */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/services/corpora';
import { datasetFile, importDataset, listImportedDatasets } from '../../src/services/datasets';

function fixture(name: string, content: string): { dir: string; file: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mot-datasets-'));
  const file = join(dir, name);
  writeFileSync(file, content);
  return { dir, file, dataDir: join(dir, 'data') };
}

describe('imported datasets', () => {
  it('imports a .txt file by copy, lists it and loads it by id', async () => {
    const { file, dataDir } = fixture('pets.txt', 'Cats purr.\nThey sleep.\n\nDogs bark.\n');
    const dataset = await importDataset(dataDir, file, 'My Pets!');
    expect(dataset).toMatchObject({
      id: 'my-pets',
      name: 'My Pets!',
      format: 'txt',
      documents: 2,
      originalName: 'pets.txt',
    });
    expect(listImportedDatasets(dataDir).map((d) => d.id)).toEqual(['my-pets']);
    const corpus = loadCorpus({ kind: 'dataset', id: 'my-pets' }, dataDir);
    expect(corpus.documents).toEqual(['Cats purr.\nThey sleep.', 'Dogs bark.']);
    // A second import of the same name gets its own id; the first is untouched.
    expect((await importDataset(dataDir, file, 'My Pets!')).id).toBe('my-pets-2');
  });

  it('imports .jsonl, one {"text"} per line', async () => {
    const { file, dataDir } = fixture('notes.jsonl', '{"text":"one"}\n{"text":"two"}\n');
    expect((await importDataset(dataDir, file)).documents).toBe(2);
    expect(datasetFile(dataDir, 'notes')).toMatch(/data\.jsonl$/);
  });

  it.each([
    ['a missing file', 'missing.txt', null, /not found/],
    ['another extension', 'table.csv', 'a,b\n', /Unsupported corpus file type ".csv"/],
    ['an empty file', 'empty.txt', '\n\n', /has no text/],
    ['a bad JSON line', 'bad.jsonl', '{"text":"ok"}\nnope\n', /line 2/],
  ])('refuses %s with a clear error and writes nothing', async (_, name, content, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'mot-datasets-'));
    if (content !== null) writeFileSync(join(dir, name), content);
    const dataDir = join(dir, 'data');
    await expect(importDataset(dataDir, join(dir, name))).rejects.toThrow(message);
    expect(existsSync(dataDir) ? readdirSync(join(dataDir, 'datasets')) : []).toEqual([]);
  });

  it('never joins a bad id into a path, and names a missing one', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mot-datasets-'));
    expect(() => datasetFile(dataDir, '../etc')).toThrow(/not a dataset id/);
    expect(() => loadCorpus({ kind: 'dataset', id: 'nothing' }, dataDir)).toThrow(
      /no imported dataset "nothing"/,
    );
    expect(() => loadCorpus({ kind: 'dataset', id: 'nothing' })).toThrow(/none was given/);
  });
});
