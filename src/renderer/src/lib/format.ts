/** Number and time formatting for people: short, with units, never more digits than they need. */

const SI = [
  { value: 1e15, suffix: 'P' },
  { value: 1e12, suffix: 'T' },
  { value: 1e9, suffix: 'G' },
  { value: 1e6, suffix: 'M' },
  { value: 1e3, suffix: 'k' },
];

/** 1234 -> "1.23k", 3_400_000 -> "3.4M". */
export function formatCount(value: number | undefined | null, digits = 3): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  for (const { value: scale, suffix } of SI) {
    if (abs >= scale) return `${trim((value / scale).toPrecision(digits))}${suffix}`;
  }
  return Number.isInteger(value) ? String(value) : trim(value.toPrecision(digits));
}

/** "1.2 GFLOP" style. */
export function formatFlops(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  return `${formatCount(value)}FLOP`.replace(/(\d)([kMGTP]?)FLOP$/, '$1 $2FLOP');
}

export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : trim(value.toPrecision(3))} ${units[unit]}`;
}

/** A loss in nats: three decimals. */
export function formatLoss(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  return value.toFixed(3);
}

/** A general number: up to 4 significant digits, exponent for very small or large values. */
export function formatNumber(value: number | undefined | null, digits = 4): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e7) return value.toExponential(Math.max(0, digits - 2));
  return trim(value.toPrecision(digits));
}

/** 93_000 ms -> "1m 33s"; 7_500_000 -> "2h 05m". */
export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms) || ms < 0) return '–';
  // Under ten seconds a tenth of a second still tells runs apart (smoke runs, short studies).
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** An ISO time as local "2026-11-29 04:45". */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formatPercent(fraction: number | undefined | null, digits = 1): string {
  if (fraction === undefined || fraction === null || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)}%`;
}

function trim(text: string): string {
  if (text.includes('e')) return text;
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/**
 * The labels of one axis's ticks, all in one format: exponential when the largest magnitude is
 * below 0.01 (or at least 1e7), else fixed; each with the fewest digits that tell the ticks apart.
 */
export function formatAxisTicks(values: number[]): string[] {
  const finite = values.filter((v) => Number.isFinite(v));
  const max = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (max === 0) return values.map((v) => formatNumber(v));
  const exponential = max < 0.01 || max >= 1e7;
  const label = (v: number, digits: number): string => {
    if (!Number.isFinite(v)) return '–';
    if (v === 0) return '0';
    return exponential ? v.toExponential(digits) : v.toFixed(digits);
  };
  for (let digits = 0; digits <= 6; digits++) {
    const labels = values.map((v) => label(v, digits));
    const distinct = new Set(labels).size === new Set(values).size;
    const noFalseZero = values.every((v, i) => v === 0 || !/^-?0(\.0*)?$/.test(labels[i]));
    if (distinct && noFalseZero) return labels;
  }
  return values.map((v) => formatNumber(v));
}

/** "1 line", "3 lines": a count with its noun in the right number. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : nouns}`;
}
