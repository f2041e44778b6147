/** `mot datasets`: list the corpora runs can use, and import a user's .txt / .jsonl into the data dir. */
import { BUILTIN_CORPORA } from '../../services/corpora';
import { importDataset, listImportedDatasets } from '../../services/datasets';
import { resolveDataDir } from '../../services/store';
import { parse, UsageError } from '../args';
import { progress, result, table } from '../output';

export async function datasetsCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv[0] && !argv[0].startsWith('-') ? argv : ['list', ...argv];
  if (action === 'import') return importCommand(rest);
  if (action !== 'list')
    throw new UsageError(
      `unknown datasets action "${action}"; use \`mot datasets [list]\` or \`mot datasets import FILE\``,
    );
  const { values } = parse(rest, { json: { type: 'boolean' }, 'data-dir': { type: 'string' } });
  const imported = listImportedDatasets(resolveDataDir(values['data-dir']));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ builtin: BUILTIN_CORPORA, imported }, null, 2)}\n`);
    return;
  }
  const rows = [
    ...BUILTIN_CORPORA.map((c) => [`{"kind":"builtin","name":"${c.name}"}`, c.description]),
    ...imported.map((d) => [
      `{"kind":"dataset","id":"${d.id}"}`,
      `${d.name}: ${d.documents} documents from ${d.originalName}`,
    ]),
  ];
  process.stdout.write(`${table(['data.corpus', 'what'], rows)}\n`);
}

async function importCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    { name: { type: 'string' }, 'data-dir': { type: 'string' } },
    true,
  );
  if (positionals.length !== 1)
    throw new UsageError('give one file: mot datasets import FILE [--name NAME]');
  const dataDir = resolveDataDir(values['data-dir']);
  const dataset = await importDataset(dataDir, positionals[0], values.name);
  progress(
    `imported ${dataset.documents} documents as "${dataset.id}": train on it with {"data":{"corpus":{"kind":"dataset","id":"${dataset.id}"}}}`,
  );
  result(dataset);
}
