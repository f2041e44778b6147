/**
 * Draws the app icon: three tokens, each a coloured dot, flowing into one mixed expert slot.
 * resources/icon.png (256x256 RGBA) is the window icon and favicon; resources/icon-1024.png is what
 * electron-builder turns into the installers' icons (macOS wants at least 512x512).
 * Run with `node scripts/make-icon.js`; no dependencies beyond Node.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/** The drawing's own coordinate system: shade() works in a 256x256 square. */
const DESIGN_SIZE = 256;
const SUPERSAMPLES = 4; // per axis, for smooth edges

/** Signed distance to a rounded box centred at (cx, cy). Negative inside. */
function roundedBox(x, y, cx, cy, halfWidth, halfHeight, radius) {
  const qx = Math.abs(x - cx) - halfWidth + radius;
  const qy = Math.abs(y - cy) - halfHeight + radius;
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - radius;
}

function circle(x, y, cx, cy, radius) {
  return Math.hypot(x - cx, y - cy) - radius;
}

/** Distance to the segment from (ax, ay) to (bx, by), minus half its width. */
function segment(x, y, ax, ay, bx, by, halfWidth) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy) - halfWidth;
}

const tokens = [
  { y: 78, color: [255, 138, 101] },
  { y: 128, color: [255, 214, 102] },
  { y: 178, color: [102, 214, 170] },
];
const expert = { x: 178, y: 128, radius: 40, color: [142, 166, 255] };
const background = [29, 33, 48];
const link = [88, 98, 130];

/** The colour of one point, painted back to front; undefined outside the icon. */
function shade(x, y) {
  if (roundedBox(x, y, 128, 128, 120, 120, 44) > 0) return undefined;
  let color = background;
  for (const token of tokens) {
    if (segment(x, y, 70, token.y, expert.x, expert.y, 5) < 0) color = link;
  }
  for (const token of tokens) {
    if (circle(x, y, 70, token.y, 22) < 0) color = token.color;
  }
  if (circle(x, y, expert.x, expert.y, expert.radius) < 0) color = expert.color;
  // The expert's inner ring: a mix of all three token colours.
  if (circle(x, y, expert.x, expert.y, 22) < 0) {
    const mix = [0, 1, 2].map((c) => tokens.reduce((sum, t) => sum + t.color[c], 0) / 3);
    color = mix;
  }
  return color;
}

/** The icon's rows at `size` pixels square, each with PNG's leading filter byte. */
function renderRows(size) {
  const scale = DESIGN_SIZE / size;
  const rows = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // leading 0 = PNG filter type "none"
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SUPERSAMPLES; sy++) {
        for (let sx = 0; sx < SUPERSAMPLES; sx++) {
          const color = shade(
            (px + (sx + 0.5) / SUPERSAMPLES) * scale,
            (py + (sy + 0.5) / SUPERSAMPLES) * scale,
          );
          if (!color) continue;
          sum[0] += color[0];
          sum[1] += color[1];
          sum[2] += color[2];
          sum[3] += 1;
        }
      }
      const covered = sum[3];
      const offset = 1 + px * 4;
      if (covered > 0) {
        row[offset] = Math.round(sum[0] / covered);
        row[offset + 1] = Math.round(sum[1] / covered);
        row[offset + 2] = Math.round(sum[2] / covered);
        row[offset + 3] = Math.round((255 * covered) / SUPERSAMPLES ** 2);
      }
    }
    rows.push(row);
  }
  return rows;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(size) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(renderRows(size)), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const [name, size] of [
  ['icon.png', 256],
  ['icon-1024.png', 1024],
]) {
  const target = new URL(`../resources/${name}`, import.meta.url);
  const bytes = png(size);
  writeFileSync(target, bytes);
  console.log(`wrote ${target.pathname} (${bytes.length} bytes)`);
}
