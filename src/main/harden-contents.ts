/**
 * Locks down every web contents the app creates (Electron's security checklist, items 13-15):
 * the app is a single page, so any navigation, redirect or frame navigation is a link that
 * escaped or an injected redirect and is refused; no webviews; no new windows, with allow-listed
 * https links handed to the system browser instead.
 *
 * Written against the few members it uses, so test/main/harden-contents.test.ts drives it with a
 * plain EventEmitter instead of Electron.
 */
import { allowedExternalUrl } from './external-links';

/** Every event that starts a navigation in this contents or one of its frames. */
export const REFUSED_NAVIGATION_EVENTS = [
  'will-navigate',
  'will-frame-navigate',
  'will-redirect',
  'will-attach-webview',
] as const;

interface PreventableEvent {
  preventDefault(): void;
}

/** The part of Electron's WebContents used here. */
export interface HardenableContents {
  on(
    event: (typeof REFUSED_NAVIGATION_EVENTS)[number],
    listener: (e: PreventableEvent) => void,
  ): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export function hardenContents(
  contents: HardenableContents,
  openExternal: (url: string) => Promise<void>,
): void {
  for (const name of REFUSED_NAVIGATION_EVENTS) {
    contents.on(name, (event) => event.preventDefault());
  }
  contents.setWindowOpenHandler(({ url }) => {
    const external = allowedExternalUrl(url);
    if (external) {
      openExternal(external).catch((error: unknown) => {
        console.error(`Could not open ${external}:`, error);
      });
    }
    return { action: 'deny' };
  });
}
