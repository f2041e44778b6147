/**
 * The Electron main process: one window, locked down.
 *
 * Security follows Electron's checklist (https://www.electronjs.org/docs/latest/tutorial/security):
 * sandboxed renderer with context isolation and no Node, a strict CSP, no navigation, no new
 * windows, no permissions, and only allow-listed https links handed to the system browser.
 */
import { join } from 'node:path';
import {
  BrowserWindow,
  app,
  dialog,
  nativeTheme,
  session,
  shell,
  type WebContents,
} from 'electron';
import { contentSecurityPolicy } from '../core/api/csp';
import { Workbench } from '../services/workbench';
import { registerApi } from './api';
import { allowedExternalUrl } from './external-links';
import { utilityTrainerLauncher } from './trainer-launcher';

/** Also names the data folder: userData is `~/.config/MoT Workbench` on Linux. */
const APP_NAME = 'MoT Workbench';

/** Set by `electron-vite dev`; unset in a built app, which loads its own files. */
const devServerUrl = (!app.isPackaged && process.env['ELECTRON_RENDERER_URL']) || undefined;

/** Built files sit next to each other: out/main, out/preload, out/renderer. */
const outDir = join(import.meta.dirname, '..');
const preloadPath = join(outDir, 'preload', 'index.cjs');
const rendererHtmlPath = join(outDir, 'renderer', 'index.html');
/** Only Linux takes the window icon from here; macOS and Windows use the packaged app's icon. */
const iconPath = join(outDir, '..', 'resources', 'icon.png');

// The name must be set before anything reads userData; set the path too, because Electron may
// already have derived it from package.json's "name" when this module runs.
app.setName(APP_NAME);
app.setPath('userData', join(app.getPath('appData'), APP_NAME));
// Sandbox every renderer, whatever a future window forgets to ask for.
app.enableSandbox();

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

/** The folder dialog behind attachFolder (an exported run folder trained elsewhere). */
async function pickRunFolder(): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: 'Attach a run folder',
    properties: ['openDirectory'],
  };
  const result = mainWindow
    ? await dialog.showOpenDialog(mainWindow, options)
    : await dialog.showOpenDialog(options);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}

/** True for a URL this app serves: the dev server, or its own files. */
function isAppUrl(url: string): boolean {
  if (!devServerUrl) return url.startsWith('file://');
  return URL.canParse(url) && new URL(url).origin === new URL(devServerUrl).origin;
}

/** Sends the CSP header with every app response, and refuses every permission request. */
function hardenSession(): void {
  const policy = contentSecurityPolicy({
    dev: devServerUrl !== undefined,
    delivery: 'header',
  });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) {
      callback({});
      return;
    }
    const headers = { ...details.responseHeaders };
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    }
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [policy] } });
  });
  // Camera, microphone, notifications, geolocation, clipboard, HID, serial...: none are needed.
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => {
    callback(false);
  });
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/** Applies to every web contents the app ever creates, not just the main window's. */
function hardenWebContents(contents: WebContents): void {
  // The app is a single page: any navigation is a link that escaped or an injected redirect.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // No new Electron windows; allow-listed https links open in the system browser instead.
  contents.setWindowOpenHandler(({ url }) => {
    const external = allowedExternalUrl(url);
    if (external) {
      shell.openExternal(external).catch((error: unknown) => {
        console.error(`Could not open ${external}:`, error);
      });
    }
    return { action: 'deny' };
  });
}

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: APP_NAME,
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    // Matches the page's own background, so the window does not flash white in dark mode.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171c' : '#f7f7f8',
    ...(process.platform === 'linux' ? { icon: iconPath } : {}),
    webPreferences: {
      preload: preloadPath,
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
  window.on('closed', () => {
    mainWindow = undefined;
  });
  const loading = devServerUrl ? window.loadURL(devServerUrl) : window.loadFile(rendererHtmlPath);
  loading.catch((error: unknown) => console.error('Could not load the renderer:', error));
  return window;
}

// A second launch focuses the first window instead of opening a second app on the same data.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
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
      // The same store as the CLI and `mot serve`; runs left running by a crash become interrupted.
      workbench = await Workbench.open(app.getPath('userData'), {
        launcher: utilityTrainerLauncher(),
        pickDatasetFile,
        pickRunFolder,
      });
      registerApi(workbench, isAppUrl, () => mainWindow?.webContents);
      mainWindow = createMainWindow();
      // macOS: clicking the dock icon with no window open makes a new one.
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow();
      });
    })
    .catch((error: unknown) => {
      console.error('MoT Workbench failed to start:', error);
      app.exit(1);
    });
}
