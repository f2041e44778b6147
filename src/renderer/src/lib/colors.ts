/** Colours computed in code: stable run colours and the heatmap scale. */

/**
 * FNV-1a, then murmur3's finaliser: run ids share long prefixes and differ in a few last
 * characters, and FNV alone leaves those differences in its high bits.
 */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Eight colours for runs and groups, told apart with every common colour-vision deficiency:
 * Okabe & Ito's palette without its black and yellow (lost on one background or the other),
 * plus Paul Tol's olive and a mid grey. Light and dark themes share them; none is near another.
 */
const PALETTE = [
  '#0072b2', // blue
  '#e69f00', // orange
  '#009e73', // bluish green
  '#cc79a7', // reddish purple
  '#56b4e9', // sky blue
  '#d55e00', // vermillion
  '#999933', // olive (Tol)
  '#888888', // grey
];

/** How many colours there are; past them, runs get the same colours again, dashed. */
export const PALETTE_SIZE = PALETTE.length;

/**
 * Which slot each run gets among the runs shown together: its hashed colour, or the next free
 * one; only once every colour is taken do slots repeat a colour (slot >= PALETTE_SIZE: dashed).
 * Runs are placed in id order, so the same set always gets the same colours.
 */
export function runColorSlots(runIds: readonly string[]): Map<string, number> {
  const slots = new Map<string, number>();
  const taken = new Set<number>();
  for (const id of [...new Set(runIds)].sort()) {
    const cycle = Math.floor(taken.size / PALETTE_SIZE);
    let colour = hash(id) % PALETTE_SIZE;
    while (taken.has(cycle * PALETTE_SIZE + colour)) colour = (colour + 1) % PALETTE_SIZE;
    const slot = cycle * PALETTE_SIZE + colour;
    taken.add(slot);
    slots.set(id, slot);
  }
  return slots;
}

function rgb(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgb(${value >> 16} ${(value >> 8) & 255} ${value & 255} / ${alpha})`;
}

/**
 * A run's colour, the same every time and in every view: a palette colour from a hash of its
 * id, or from `slots`, which keeps the runs shown together apart. `dark` is kept for callers;
 * the palette reads on both backgrounds.
 */
export function runColor(
  runId: string,
  _dark: boolean,
  alpha = 1,
  slots?: ReadonlyMap<string, number>,
): string {
  const slot = slots?.get(runId) ?? hash(runId) % PALETTE_SIZE;
  return rgb(PALETTE[slot % PALETTE_SIZE], alpha);
}

/** Whether a run's line is dashed: its slot repeats an earlier run's colour. */
export function runDashed(runId: string, slots?: ReadonlyMap<string, number>): boolean {
  return (slots?.get(runId) ?? 0) >= PALETTE_SIZE;
}

/** The colour of the i-th group (in palette order), with an optional alpha. */
export function groupColor(index: number, alpha = 1): string {
  return rgb(PALETTE[index % PALETTE_SIZE], alpha);
}

/** Viridis, sampled at 9 stops: perceptually even, readable on light and dark, colour-blind safe. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** The colour of t in [0, 1] on the viridis scale, as [r, g, b]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

export function viridisCss(t: number): string {
  const [r, g, b] = viridis(t);
  return `rgb(${r} ${g} ${b})`;
}

/** Relative luminance (WCAG) of an sRGB colour given as 0..255 channels. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Black or white, whichever contrasts more with a background of viridis(t). */
export function textOnViridis(t: number): string {
  // WCAG's crossover is 0.179; a little higher keeps white on the mid teals, where black text
  // reads as dark on dark to the eye.
  return luminance(viridis(t)) > 0.25 ? '#000' : '#fff';
}

/** A theme colour from the CSS variables (charts and canvases cannot use var() directly). */
export function cssVar(name: string, fallback = '#888'): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}
