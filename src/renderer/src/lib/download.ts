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

/**
 * A canvas as PNG. Canvases drawn with a transparent background get the page surface behind
 * them, so the picture reads outside the app.
 */
export async function downloadCanvasPng(
  canvas: HTMLCanvasElement,
  filename: string,
  background?: string,
): Promise<void> {
  let source = canvas;
  if (background) {
    source = document.createElement('canvas');
    source.width = canvas.width;
    source.height = canvas.height;
    const context = source.getContext('2d');
    if (context) {
      context.fillStyle = background;
      context.fillRect(0, 0, source.width, source.height);
      context.drawImage(canvas, 0, 0);
    }
  }
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
