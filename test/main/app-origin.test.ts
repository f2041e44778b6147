import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, appUrlMatcher } from '../../src/main/app-origin';

describe('isAppUrl in a built app', () => {
  const isAppUrl = appUrlMatcher();

  it.each([APP_ENTRY_URL, 'app://workbench/', 'app://workbench/index.html#/runs'])(
    'accepts the app page %s',
    (url) => expect(isAppUrl(url)).toBe(true),
  );

  it.each([
    'file:///home/user/out/renderer/index.html', // any file:// page, the app's own included
    'file:///tmp/evil.html',
    'app://other/index.html',
    'app://workbench:1234/index.html',
    'app://user@workbench/index.html',
    'https://workbench/index.html',
    'http://localhost:5173/',
    'about:blank',
    '',
    'not a url',
  ])('refuses %s', (url) => expect(isAppUrl(url)).toBe(false));
});

describe('isAppUrl under the dev server', () => {
  const isAppUrl = appUrlMatcher('http://localhost:5173/');

  it('accepts exactly the dev server origin', () => {
    expect(isAppUrl('http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5173/src/main.ts')).toBe(true);
  });

  it.each([
    'http://localhost:5174/',
    'http://127.0.0.1:5173/',
    'https://localhost:5173/',
    APP_ENTRY_URL,
    'file:///tmp/evil.html',
  ])('refuses %s', (url) => expect(isAppUrl(url)).toBe(false));
});
