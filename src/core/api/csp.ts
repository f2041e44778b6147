/**
 * The renderer's Content-Security-Policy, written once: main sends it as a response header and the
 * renderer build injects it as a `<meta>` tag (electron.vite.config.ts), so both always agree.
 *
 * Pure module: no `electron`, no `node:*`, because the Vite config imports it too.
 */

/** Options that loosen the policy only where the Vite dev server needs it. */
export interface CspOptions {
  /** True while `electron-vite dev` serves the renderer: Vite injects `<style>` tags for HMR. */
  readonly dev: boolean;
  /** A `<meta>` tag cannot carry `frame-ancestors` (Chromium warns and ignores it); a header can. */
  readonly delivery: 'header' | 'meta';
}

/**
 * Builds the policy. Everything comes from the app's own origin; nothing is framed, posted or
 * loaded from elsewhere. `connect-src 'self'` also covers a same-origin WebSocket, which is how
 * the browser host (`mot serve`) and Vite's HMR client talk.
 */
export function contentSecurityPolicy({ dev, delivery }: CspOptions): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    // Svelte's production build extracts CSS into a file; only the dev server injects inline styles.
    'style-src': dev ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-src': ["'none'"],
  };
  if (delivery === 'header') directives['frame-ancestors'] = ["'none'"];
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
