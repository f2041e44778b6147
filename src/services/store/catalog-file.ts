/**
 * Reading catalog.json back, record by record: a file on disk is input like any other, and one
 * bad record must not cost the others. A file that is not JSON at all is unreadable (the caller
 * rebuilds it from the run folders); otherwise every run that parses is kept, and what does
 * not is listed, so the caller can set the original file aside and say what it dropped.
 *
 * Writes go through lowdb with {@link DurableJsonFile}: a temp file of this process's own,
 * fsynced, renamed over catalog.json, the folder fsynced (lowdb's own adapter shares one fixed
 * temp name between processes and never fsyncs).
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import * as v from 'valibot';
import { StoreError, errnoCode } from './errors';
import { fsyncDir, writeFileDurable } from './durable';
import { type RunRecord, RunRecordSchema } from './run-record';
import { type StudyRecord, StudyRecordSchema } from './study-record';

export const CATALOG_FILE = 'catalog.json';
export const CATALOG_SCHEMA_VERSION = 1;

export interface CatalogData {
  schemaVersion: typeof CATALOG_SCHEMA_VERSION;
  runs: RunRecord[];
  settings: Record<string, unknown>;
}

export type CatalogRead =
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string }
  | {
      kind: 'ok';
      data: CatalogData;
      /** Studies of catalogs written before studies had folders: the caller moves them out. */
      legacyStudies: StudyRecord[];
      /** One line per record that did not parse and was left out ("run 2026...: lastStep: ..."). */
      badRecords: string[];
    };

/** Reads and checks catalog.json; throws `invalid` (touching nothing) for a newer schema. */
export function readCatalogFile(filePath: string): CatalogRead {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { kind: 'missing' };
    throw new StoreError('io', `cannot read ${filePath}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: 'unreadable', reason: error instanceof Error ? error.message : String(error) };
  }
  if (!isPlainObject(parsed)) return { kind: 'unreadable', reason: 'not a JSON object' };
  const version = parsed['schemaVersion'];
  if (typeof version === 'number' && version > CATALOG_SCHEMA_VERSION) {
    throw new StoreError(
      'invalid',
      `${filePath} has schemaVersion ${version}, but this MoT Workbench reads only up to ` +
        `${CATALOG_SCHEMA_VERSION}: it was written by a newer version. Update the app; the file was left untouched.`,
    );
  }
  if (version !== CATALOG_SCHEMA_VERSION)
    return { kind: 'unreadable', reason: `schemaVersion is ${JSON.stringify(version)}` };
  const badRecords: string[] = [];
  const runs = parseEach(parsed['runs'], RunRecordSchema, 'run', badRecords) as RunRecord[];
  const legacyStudies = parseEach(
    parsed['studies'] ?? [],
    StudyRecordSchema,
    'study',
    badRecords,
  ) as unknown as StudyRecord[];
  let settings = parsed['settings'];
  if (!isPlainObject(settings)) {
    badRecords.push(`settings: not an object`);
    settings = {};
  }
  const { studies: _legacy, ...rest } = parsed;
  const data = { ...rest, schemaVersion: CATALOG_SCHEMA_VERSION, runs, settings } as CatalogData;
  return { kind: 'ok', data, legacyStudies, badRecords };
}

/** Keeps the items that pass `schema` (the first of each id); describes the rest in `bad`. */
function parseEach(list: unknown, schema: v.GenericSchema, what: string, bad: string[]): unknown[] {
  if (!Array.isArray(list)) {
    bad.push(`${what}s: not a list`);
    return [];
  }
  const kept: unknown[] = [];
  const ids = new Set<string>();
  list.forEach((item: unknown, index) => {
    const id = isPlainObject(item) && typeof item['id'] === 'string' ? item['id'] : `#${index}`;
    const result = v.safeParse(schema, item);
    if (!result.success) bad.push(`${what} ${id}: ${oneLine(result.issues)}`);
    else if (ids.has(id)) bad.push(`${what} ${id}: listed twice`);
    else {
      ids.add(id);
      kept.push(result.output);
    }
  });
  return kept;
}

/** Issues as one line, `field: message, ...` (valibot's summary spans several lines). */
function oneLine(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.map((issue) => `${v.getDotPath(issue) ?? '(record)'}: ${issue.message}`).join(', ');
}

/** Renames catalog.json to `catalog.corrupt-<UTC time>.json` so nothing in it is lost. */
export async function setCatalogAside(filePath: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '-');
  const target = path.join(path.dirname(filePath), `catalog.corrupt-${stamp}.json`);
  await fs.rename(filePath, target);
  await fsyncDir(path.dirname(filePath));
  return target;
}

/** lowdb's adapter, made durable and safe for several processes (see the module comment). */
export class DurableJsonFile<T> implements Adapter<T> {
  constructor(private readonly filePath: string) {}

  async read(): Promise<T | null> {
    try {
      return JSON.parse(await fs.readFile(this.filePath, 'utf8')) as T;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  async write(data: T): Promise<void> {
    await writeFileDurable(this.filePath, `${JSON.stringify(data, null, 2)}\n`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
