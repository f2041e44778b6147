/**
 * The app's own origin. The built renderer is served from `app://workbench/` (see
 * app-protocol.ts), never from file://, so "the app's page" is one exact origin that no file on
 * disk and no web page can share. Under `electron-vite dev` it is the dev server's origin instead.
 *
 * Pure module (no `electron`), so it can be unit-tested without an Electron binary.
 */

/** The privileged scheme the renderer is served on. */
export const APP_SCHEME = 'app';
/** The one host under that scheme. */
export const APP_HOST = 'workbench';
/** What Chromium reports as the page's origin (a standard scheme keeps scheme://host). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Returns the test for "this URL belongs to the app": exactly the dev server's origin while one
 * serves the renderer, else exactly `app://workbench` (no credentials, no port).
 */
export function appUrlMatcher(devServerUrl?: string): (url: string) => boolean {
  if (devServerUrl !== undefined) {
    const devOrigin = new URL(devServerUrl).origin;
    return (url) => URL.canParse(url) && new URL(url).origin === devOrigin;
  }
  return (url) => {
    if (!URL.canParse(url)) return false;
    // Node's URL gives a non-special scheme the origin "null", so compare the parts instead.
    const parsed = new URL(url);
    return (
      parsed.protocol === `${APP_SCHEME}:` &&
      parsed.host === APP_HOST &&
      parsed.username === '' &&
      parsed.password === ''
    );
  };
}
