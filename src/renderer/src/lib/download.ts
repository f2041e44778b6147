/** Saving files from the page: works the same in Electron and in a browser, with no paths. */

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Give the download a moment to start before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(content: string, filename: string, mimeType = 'text/plain'): void {
  downloadBlob(new Blob([content], { type: mimeType }), filename);
}

/** Device pixels of the caption strip under an exported picture. */
const CAPTION_PX = 28;

/**
 * A canvas as the picture to export: on `background` (transparent canvases get the page surface,
 * so they read outside the app), with `caption` (what it shows) drawn in a strip underneath.
 */
export function exportCanvas(
  canvas: HTMLCanvasElement,
  background?: string,
  caption?: { text: string; color: string },
): HTMLCanvasElement {
  if (!background && !caption) return canvas;
  const scale = canvas.width / Math.max(1, canvas.clientWidth || canvas.width);
  const strip = caption ? Math.round(CAPTION_PX * scale) : 0;
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height + strip;
  const context = out.getContext('2d');
  if (!context) return canvas;
  context.fillStyle = background ?? '#fff';
  context.fillRect(0, 0, out.width, out.height);
  context.drawImage(canvas, 0, 0);
  if (caption) {
    context.fillStyle = caption.color;
    context.font = `${Math.round(12 * scale)}px system-ui, sans-serif`;
    context.textBaseline = 'middle';
    context.fillText(caption.text, Math.round(8 * scale), canvas.height + strip / 2, out.width);
  }
  return out;
}

export async function downloadCanvasPng(
  canvas: HTMLCanvasElement,
  filename: string,
  background?: string,
  caption?: { text: string; color: string } | '' | undefined,
): Promise<void> {
  const source = exportCanvas(canvas, background, caption || undefined);
  const blob = await new Promise<Blob | null>((resolve) => source.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the canvas could not be encoded as PNG');
  downloadBlob(blob, filename);
}

/** A file the user picked, as text (a config to load). */
export function readFileText(file: File): Promise<string> {
  return file.text();
}

/** A safe file name from a run name: letters, digits, dashes. */
export function fileSlug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'run'
  );
}
