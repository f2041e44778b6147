/** Dotted paths into configs (`model.mot.groupSize`): read, flatten, diff, merge. */

type Json = unknown;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function getPath(object: Json, path: string): unknown {
  let current: unknown = object;
  for (const key of path.split('.')) {
    if (!isPlainObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Leaves of a config as path -> value. Arrays are leaves (a placement list is one setting), so
 * `model.placement` is `[2, 3]`, never `model.placement.0`.
 */
export function flatten(object: Json, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!isPlainObject(object)) {
    out.set(prefix || '(root)', object);
    return out;
  }
  for (const [key, value] of Object.entries(object)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) for (const [p, v] of flatten(value, path)) out.set(p, v);
    else out.set(path, value);
  }
  return out;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '–';
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export interface DiffRow {
  path: string;
  /** One per config, in order; undefined where a config lacks the key. */
  values: unknown[];
}

/** The keys whose values are not all equal across `configs`, in a stable order. */
export function diffConfigs(configs: Json[], ignore: string[] = []): DiffRow[] {
  const flats = configs.map((c) => flatten(c));
  const paths = new Set<string>();
  for (const flat of flats) for (const path of flat.keys()) paths.add(path);
  const rows: DiffRow[] = [];
  for (const path of paths) {
    if (ignore.some((prefix) => path === prefix || path.startsWith(`${prefix}.`))) continue;
    const values = flats.map((flat) => flat.get(path));
    const first = JSON.stringify(values[0]);
    if (values.some((value) => JSON.stringify(value) !== first)) rows.push({ path, values });
  }
  return rows;
}

/** Lays `over` onto `base`: objects merge key by key, arrays and scalars replace (as resolveConfig). */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = deepMerge((base as Record<string, unknown>)[key], value);
  }
  return out as T;
}

/** The issue messages that belong to a field: its own path and any path below it. */
export function issuesFor(
  issues: { path: string; message: string }[],
  path: string,
): { path: string; message: string }[] {
  return issues.filter((issue) => issue.path === path || issue.path.startsWith(`${path}.`));
}

/**
 * Sets a leaf, creating objects on the way (works on a $state proxy, so the form updates);
 * undefined removes the leaf (an optional setting back to its default).
 */
export function setPath(object: object, path: string, value: unknown): void {
  const keys = path.split('.');
  let current = object as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(current[key])) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  const leaf = keys[keys.length - 1];
  if (value === undefined) delete current[leaf];
  else current[leaf] = value;
}

/**
 * The config with the settings that do nothing for this run left out: MoT settings of a run
 * whose FFN is not MoT, MoE settings of a non-MoE run, the token-choice settings (topK and the
 * load-balancing loss) of an expert-choice run, and the placement of a dense one. A diff
 * of these shows "–" where a setting does not apply, instead of a value that means nothing.
 */
export function applicableSettings(config: unknown): unknown {
  if (!isPlainObject(config) || !isPlainObject(config.model)) return config;
  const model: Record<string, unknown> = { ...config.model };
  if (model.ffn !== 'mot') delete model.mot;
  if (model.ffn !== 'moe') delete model.moe;
  else if (isPlainObject(model.moe) && model.moe.router === 'expert-choice') {
    // Expert choice is balanced by construction and gives each token as many experts as chose it.
    const { topK: _k, loadBalanceWeight: _w, balanceChoices: _c, ...read } = model.moe;
    model.moe = read;
  }
  if (model.ffn === 'dense') delete model.placement;
  return { ...config, model };
}
