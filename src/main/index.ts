/**
 * The Electron main process: one window, locked down.
 *
 * Security follows Electron's checklist (https://www.electronjs.org/docs/latest/tutorial/security):
 * sandboxed renderer with context isolation and no Node, the renderer served from its own
 * `app://workbench` origin with a strict CSP, no navigation, no new windows, no permissions, and
 * only allow-listed https links handed to the system browser.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserWindow, app, dialog, protocol, session, shell } from 'electron';
import { Workbench } from '../services/workbench';
import { registerApi } from './api';
import { aboutSource, installAppMenu, showWelcome } from './app-menu';
import { APP_SCHEME, appUrlMatcher } from './app-origin';
import { appProtocolHandler } from './app-protocol';
import { appDataDir } from './data-dir';
import { hardenContents } from './harden-contents';
import { utilityTrainerLauncher } from './trainer-launcher';
import { createMainWindow } from './window';

/** Names Electron's userData folder (`~/.config/MoT Workbench` on Linux). */
const APP_NAME = 'MoT Workbench';

/** Set by `electron-vite dev`; unset in a built app, which serves its own files on app://. */
const devServerUrl = (!app.isPackaged && process.env['ELECTRON_RENDERER_URL']) || undefined;

/** Built files sit next to each other: out/main, out/preload, out/renderer. */
const outDir = join(import.meta.dirname, '..');
const rendererDir = join(outDir, 'renderer');

/** True for a URL this app serves: exactly the dev server's origin, or exactly app://workbench. */
const isAppUrl = appUrlMatcher(devServerUrl);

// The name must be set before anything reads userData; set the path too, because Electron may
// already have derived it from package.json's "name" when this module runs.
app.setName(APP_NAME);
app.setPath('userData', join(app.getPath('appData'), APP_NAME));
// Sandbox every renderer, whatever a future window forgets to ask for.
app.enableSandbox();
// A standard, secure scheme: the page gets a real origin (`'self'` in the CSP means
// app://workbench), like https but served from the app's own files. Must run before `ready`.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let mainWindow: BrowserWindow | undefined;
let workbench: Workbench | undefined;

/** The file dialog behind importDataset: the only way a path reaches the Node side from the UI. */
async function pickDatasetFile(): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: 'Import a text corpus',
    properties: ['openFile'],
    filters: [{ name: 'Text corpora', extensions: ['txt', 'jsonl'] }],
  };
  const result = mainWindow
    ? await dialog.showOpenDialog(mainWindow, options)
    : await dialog.showOpenDialog(options);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}

/** Serves the renderer on app://, and refuses every permission request. */
function hardenSession(): void {
  // The CSP travels as a header on every app:// response and as the page's <meta> tag; both come
  // from src/core/api/csp.ts. (The dev server's page carries the meta tag.)
  session.defaultSession.protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));
  // Camera, microphone, notifications, geolocation, clipboard, HID, serial...: none are needed.
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => {
    callback(false);
  });
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/** The one window, made when there is none (first start, or macOS with every window closed). */
function showMainWindow(): void {
  if (mainWindow && !mainWindow.isDestroyed()) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
    return;
  }
  const window = createMainWindow({ title: APP_NAME, outDir, devServerUrl });
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = undefined;
  });
  mainWindow = window;
}

// A second launch shows the first app's window instead of opening a second app on the same data.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('web-contents-created', (_event, contents) =>
    hardenContents(contents, (url) => shell.openExternal(url)),
  );
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Running runs stop with a final checkpoint before the app exits.
  let closing = false;
  app.on('will-quit', (event) => {
    if (!workbench || closing) return;
    closing = true;
    event.preventDefault();
    workbench
      .close()
      .catch((error: unknown) => console.error('Could not stop the runs cleanly:', error))
      .finally(() => app.quit());
  });
  app
    .whenReady()
    .then(async () => {
      hardenSession();
      // The same store and the same data-dir rule as the CLI and `mot serve`; runs left running
      // by a crash become interrupted. Opening creates the folder on the first start.
      const dataDir = appDataDir();
      const firstRun = !existsSync(join(dataDir, 'catalog.json'));
      const opened = await Workbench.open(dataDir, {
        launcher: utilityTrainerLauncher(),
        pickDatasetFile,
      });
      workbench = opened;
      registerApi(opened, isAppUrl, () => mainWindow?.webContents);
      const about = aboutSource(opened, () => mainWindow);
      installAppMenu(about);
      showMainWindow();
      if (firstRun) {
        mainWindow?.once('ready-to-show', () => {
          showWelcome(about).catch((error: unknown) => console.error(error));
        });
      }
      // Both only once the Workbench is open: a window before it would have no API to call.
      app.on('second-instance', showMainWindow);
      // macOS: clicking the dock icon with no window open makes a new one.
      app.on('activate', showMainWindow);
    })
    .catch((error: unknown) => {
      console.error('MoT Workbench failed to start:', error);
      dialog.showErrorBox('MoT Workbench failed to start', String(error));
      app.exit(1);
    });
}
