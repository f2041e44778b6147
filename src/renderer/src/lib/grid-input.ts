/**
 * The study form's grid editor, as text: one row per config path, its values typed as a list
 * (`dense, mot` or `100, 200, 400` or JSON such as `"all", [0, 1]`). Pure, so the parsing that
 * decides what the grid is can be tested without a page.
 */
import type { StudyGrid } from '../../../core/study/grid';
import { flatten } from './config-paths';

export interface GridRow {
  path: string;
  values: string;
}

/**
 * `dense, mot` -> ["dense", "mot"]; `100, 200` -> [100, 200]; `"all", [0, 1]` -> ["all", [0, 1]].
 * JSON first (so arrays and objects work); otherwise comma-separated words, each a number,
 * true/false/null, or else a string.
 */
export function parseValues(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const parsed: unknown = JSON.parse(`[${trimmed}]`);
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // Not JSON: plain words.
  }
  return trimmed
    .split(',')
    .map((word) => word.trim())
    .filter((word) => word !== '')
    .map((word) => {
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
      const n = Number(word);
      return Number.isFinite(n) ? n : word;
    });
}

/**
 * The inverse of {@link parseValues}, for filling the editor from a grid: plain words where every
 * value is a simple word or number, JSON otherwise (one array or quoted word makes it all JSON).
 */
export function formatValues(values: readonly unknown[]): string {
  const plain = values.every(
    (v) =>
      typeof v === 'number' ||
      typeof v === 'boolean' ||
      v === null ||
      (typeof v === 'string' && /^[\w.-]+$/.test(v) && parseValues(v)[0] === v),
  );
  return values.map((v) => (plain ? String(v) : JSON.stringify(v))).join(', ');
}

/** Rows with a path become grid keys; a path given twice keeps its last row. */
export function rowsToGrid(rows: readonly GridRow[]): StudyGrid {
  const grid: StudyGrid = {};
  for (const row of rows) {
    const path = row.path.trim();
    if (path !== '') grid[path] = parseValues(row.values);
  }
  return grid;
}

export function gridToRows(grid: StudyGrid): GridRow[] {
  return Object.entries(grid).map(([path, values]) => ({ path, values: formatValues(values) }));
}

/** Every leaf path of a config a grid may vary (what the path field suggests). */
export function gridPaths(config: unknown): string[] {
  return [...flatten(config).keys()].filter((path) => path !== 'name' && path !== 'description');
}
