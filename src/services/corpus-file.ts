/**
 * Users' corpus files (.txt or .jsonl) turned into documents: the rules training and dataset
 * import share. Separate from corpora.ts so that datasets.ts (which checks a file before it
 * imports it) and corpora.ts (which loads imported datasets) do not import each other.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';

export interface Corpus {
  name: string;
  documents: string[];
  /** Human-readable origin (package folder or file path). */
  source: string;
}

/**
 * A user's corpus file:
 * - `.txt`: documents are separated by blank lines. A file without any blank line is read as one
 *   document per non-empty line (the usual one-record-per-line format).
 * - `.jsonl`: one JSON object per line with a string `text`; blank lines are skipped.
 * Empty documents are dropped; a file left with none is an error.
 */
export function loadCorpusFile(path: string): Corpus {
  const fullPath = resolve(path);
  if (!existsSync(fullPath)) throw new Error(`Corpus file not found: ${fullPath}`);
  if (!statSync(fullPath).isFile()) throw new Error(`Corpus path is not a file: ${fullPath}`);
  const extension = extname(fullPath).toLowerCase();
  if (extension !== '.txt' && extension !== '.jsonl') {
    throw new Error(
      `Unsupported corpus file type "${extension || '(none)'}" for ${fullPath}: use .txt or .jsonl`,
    );
  }
  const content = readFileSync(fullPath, 'utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n');
  const documents =
    extension === '.txt' ? textDocuments(content) : jsonlDocuments(content, fullPath);
  if (documents.length === 0) throw new Error(`Corpus file has no text: ${fullPath}`);
  return { name: basename(fullPath), documents, source: fullPath };
}

function textDocuments(content: string): string[] {
  const hasBlankLine = /\n[ \t]*\n/.test(content.trim());
  const pieces = hasBlankLine ? content.split(/\n[ \t]*\n/) : content.split('\n');
  return pieces.map((piece) => piece.trim()).filter((piece) => piece !== '');
}

function jsonlDocuments(content: string, path: string): string[] {
  const documents: string[] = [];
  content.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new Error(`Bad JSON on line ${index + 1} of ${path}`);
    }
    if (
      typeof record !== 'object' ||
      record === null ||
      typeof (record as { text?: unknown }).text !== 'string'
    ) {
      throw new Error(`Line ${index + 1} of ${path} has no string "text" field`);
    }
    const text = (record as { text: string }).text;
    if (text.trim() !== '') documents.push(text);
  });
  return documents;
}
