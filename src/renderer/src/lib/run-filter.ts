/**
 * The run table's filter language: free words search the name, id, status, FFN, tags and notes,
 * and `path op value` clauses test a value, e.g.
 *
 *   mot train.learningRate < 0.002 model.ffn = mot status != failed
 *
 * A path is a config key (`model.mot.groupSize`) or a record field (`status`, `name`, `tag`,
 * `bestValidationLoss`, `finalTrainLoss`, `lastStep`, `tokensSeen`, `elapsedMs`). Operators:
 * = != < <= > >= and ~ (contains). Every clause must hold. Numbers compare as numbers; `=` on
 * text ignores case. Pure, so it is unit-tested.
 */
import type { RunRecord } from '../../../core/api/run-record';
import type { RunConfig } from '../../../core/config';
import { getPath } from './config-paths';

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';

export interface FilterClause {
  path: string;
  op: FilterOp;
  value: string;
}

export interface RunFilter {
  clauses: FilterClause[];
  /** Lower-cased free words. */
  words: string[];
  /** Clauses that could not be read, with why. */
  errors: string[];
}

const RECORD_FIELDS = new Set([
  'status',
  'name',
  'id',
  'bestValidationLoss',
  'finalTrainLoss',
  'lastStep',
  'tokensSeen',
  'elapsedMs',
]);

const CLAUSE = /([^\s=!<>~"]+)\s*(<=|>=|!=|=|<|>|~)\s*("[^"]*"|[^\s"]+)?/g;
const PATH = /^[A-Za-z][\w]*(\.[A-Za-z][\w]*)*$/;

export function parseRunFilter(query: string): RunFilter {
  const filter: RunFilter = { clauses: [], words: [], errors: [] };
  const rest = query.replace(CLAUSE, (_, path: string, op: FilterOp, raw?: string) => {
    if (!PATH.test(path)) filter.errors.push(`“${path}” is not a setting name`);
    else if (raw === undefined) filter.errors.push(`“${path} ${op}” needs a value`);
    else filter.clauses.push({ path, op, value: raw.replace(/^"|"$/g, '') });
    return ' ';
  });
  filter.words = rest.toLowerCase().split(/\s+/).filter(Boolean);
  return filter;
}

/** The value a clause's path names: a record field, a tag list, or a config key. */
function valueAt(path: string, record: RunRecord, config: RunConfig | undefined): unknown {
  if (path === 'tag' || path === 'tags') return record.tags;
  if (RECORD_FIELDS.has(path)) return record[path as keyof RunRecord];
  return config === undefined ? undefined : getPath(config, path);
}

function compare(actual: unknown, op: FilterOp, wanted: string): boolean {
  if (Array.isArray(actual)) {
    // A list (tags, a placement list) matches when any member does; != when none equals.
    if (op === '!=') return !actual.some((item) => compare(item, '=', wanted));
    return actual.some((item) => compare(item, op, wanted));
  }
  if (actual === undefined) return false;
  const text = actual === null ? 'null' : String(actual);
  const number = Number(wanted);
  const numeric = typeof actual === 'number' && wanted.trim() !== '' && Number.isFinite(number);
  switch (op) {
    case '=':
      return numeric ? actual === number : text.toLowerCase() === wanted.toLowerCase();
    case '!=':
      return numeric ? actual !== number : text.toLowerCase() !== wanted.toLowerCase();
    case '~':
      return text.toLowerCase().includes(wanted.toLowerCase());
    default:
      if (!numeric) return false;
      if (op === '<') return (actual as number) < number;
      if (op === '<=') return (actual as number) <= number;
      if (op === '>') return (actual as number) > number;
      return (actual as number) >= number;
  }
}

/** Whether a run passes every clause and contains every free word. */
export function matchesRunFilter(
  filter: RunFilter,
  record: RunRecord,
  config: RunConfig | undefined,
): boolean {
  for (const clause of filter.clauses) {
    if (!compare(valueAt(clause.path, record, config), clause.op, clause.value)) return false;
  }
  if (filter.words.length === 0) return true;
  const haystack = [
    record.name,
    record.id,
    record.status,
    record.ffnSummary,
    record.notes,
    ...record.tags,
  ]
    .join(' ')
    .toLowerCase();
  return filter.words.every((word) => haystack.includes(word));
}
