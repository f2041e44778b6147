import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  REFUSED_NAVIGATION_EVENTS,
  hardenContents,
  type HardenableContents,
} from '../../src/main/harden-contents';

/** A web contents as far as hardenContents sees one: events plus a window-open handler. */
function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents: HardenableContents = {
    on: (event, listener) => emitter.on(event, listener),
    setWindowOpenHandler: (handler) => {
      openHandler = handler;
    },
  };
  const opened: string[] = [];
  hardenContents(contents, (url) => {
    opened.push(url);
    return Promise.resolve();
  });
  return { emitter, opened, open: (url: string) => openHandler?.({ url }) };
}

describe('hardenContents', () => {
  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview'])(
    'refuses %s',
    (name) => {
      const { emitter } = fakeContents();
      let prevented = false;
      emitter.emit(name, { preventDefault: () => (prevented = true) }, 'https://evil.test/');
      expect(prevented).toBe(true);
    },
  );

  it('covers every navigation event Electron emits before a page changes', () => {
    expect([...REFUSED_NAVIGATION_EVENTS].sort()).toEqual(
      ['will-attach-webview', 'will-frame-navigate', 'will-navigate', 'will-redirect'].sort(),
    );
  });

  it('opens no window; allow-listed https links go to the system browser', () => {
    const { open, opened } = fakeContents();
    expect(open('https://arxiv.org/abs/2310.15961')).toEqual({ action: 'deny' });
    expect(open('https://evil.test/')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://arxiv.org/abs/2310.15961']);
  });
});
