/**
 * The application menu: the platform's usual File/Edit/View/Window menus, plus About (in the app
 * menu on macOS, under Help elsewhere), which shows versions, the data dir and the backends.
 */
import { Menu, app, dialog, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { BackendInfo } from '../core/api/contract';
import type { Workbench } from '../services/workbench';
import { aboutDetail, welcomeDetail, type AboutFacts } from './about';
import { SAMPLE_STUDY_PRESET, sampleStudyRequest } from './first-run';

export interface AboutSource {
  dataDir: string;
  /** The backend probe, through the API (so it runs wherever the API runs it). */
  backends(): Promise<BackendInfo[]>;
  window(): BrowserWindow | undefined;
  /** Creates a study through the API. */
  createStudy(request: unknown): Promise<{ ok: true } | { ok: false; message: string }>;
}

/** The About facts, read through the Workbench API. */
export function aboutSource(
  workbench: Workbench,
  window: () => BrowserWindow | undefined,
): AboutSource {
  return {
    dataDir: workbench.dataDir,
    backends: async () => {
      const result = await workbench.handle('backendInfo', {});
      return result.ok ? (result.value as BackendInfo[]) : [];
    },
    window,
    createStudy: async (request) => {
      const result = await workbench.handle('createStudy', request);
      return result.ok ? { ok: true } : { ok: false, message: result.error.message };
    },
  };
}

async function facts(source: AboutSource): Promise<AboutFacts> {
  return {
    appVersion: app.getVersion(),
    versions: process.versions,
    platform: `${process.platform} ${process.arch}`,
    dataDir: source.dataDir,
    backends: await source.backends().catch(() => []),
  };
}

/** Shows an info box; resolves to the index of the button pressed. */
async function showBox(
  source: AboutSource,
  message: string,
  detail: string,
  buttons = ['OK'],
): Promise<number> {
  const options = { type: 'info' as const, title: app.getName(), message, detail, buttons };
  const window = source.window();
  const { response } = await (window
    ? dialog.showMessageBox(window, options)
    : dialog.showMessageBox(options));
  return response;
}

export async function showAbout(source: AboutSource): Promise<void> {
  await showBox(source, app.getName(), aboutDetail(await facts(source)));
}

/** Shown once, on the first start with a new data dir; offers the sample study. */
export async function showWelcome(source: AboutSource): Promise<void> {
  const detail = `${welcomeDetail(await facts(source))}\n\nCreate a sample study (dense vs MoT over four budgets on ${SAMPLE_STUDY_PRESET}, not started yet)?`;
  const pressed = await showBox(source, `Welcome to ${app.getName()}`, detail, [
    'Create the sample study',
    'Not now',
  ]);
  if (pressed !== 0) return;
  const created = await source.createStudy(sampleStudyRequest());
  await showBox(
    source,
    created.ok ? 'Sample study created' : 'Could not create the sample study',
    created.ok ? 'Open Studies to see its runs and start it.' : created.message,
  );
}

export function installAppMenu(source: AboutSource): void {
  const about: MenuItemConstructorOptions = {
    label: `About ${app.getName()}`,
    click: () => void showAbout(source).catch((error: unknown) => console.error(error)),
  };
  const template: MenuItemConstructorOptions[] =
    process.platform === 'darwin'
      ? [
          {
            label: app.getName(),
            submenu: [
              about,
              { type: 'separator' },
              { role: 'services' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          },
          { role: 'editMenu' },
          { role: 'viewMenu' },
          { role: 'windowMenu' },
        ]
      : [
          { role: 'fileMenu' },
          { role: 'editMenu' },
          { role: 'viewMenu' },
          { role: 'windowMenu' },
          { role: 'help', submenu: [about] },
        ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
