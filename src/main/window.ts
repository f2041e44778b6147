/**
 * The main window: sandboxed, context-isolated, no Node, loading the renderer from
 * `app://workbench/index.html` (or the dev server under `electron-vite dev`).
 */
import { join } from 'node:path';
import { BrowserWindow, nativeTheme } from 'electron';
import { APP_ENTRY_URL } from './app-origin';

export interface MainWindowOptions {
  title: string;
  /** The build folder holding preload/ and renderer/. */
  outDir: string;
  devServerUrl?: string;
}

export function createMainWindow({
  title,
  outDir,
  devServerUrl,
}: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    title,
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    // Matches the page's own background, so the window does not flash white in dark mode.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171c' : '#f7f7f8',
    // Only Linux takes the window icon from here; macOS and Windows use the packaged app's icon.
    ...(process.platform === 'linux' ? { icon: join(outDir, '..', 'resources', 'icon.png') } : {}),
    webPreferences: {
      preload: join(outDir, 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window
    .loadURL(devServerUrl ?? APP_ENTRY_URL)
    .catch((error: unknown) => console.error('Could not load the renderer:', error));
  return window;
}
