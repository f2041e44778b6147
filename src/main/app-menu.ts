/**
 * The application menu: the platform's usual File/Edit/View/Window menus, plus About (in the app
 * menu on macOS, under Help elsewhere), which shows versions, the data dir and the backends.
 */
import { Menu, app, dialog, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { BackendInfo } from '../core/api/contract';
import { aboutDetail, welcomeDetail, type AboutFacts } from './about';

export interface AboutSource {
  dataDir: string;
  /** The backend probe, through the API (so it runs wherever the API runs it). */
  backends(): Promise<BackendInfo[]>;
  window(): BrowserWindow | undefined;
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

async function showBox(source: AboutSource, message: string, detail: string): Promise<void> {
  const options = { type: 'info' as const, title: app.getName(), message, detail, buttons: ['OK'] };
  const window = source.window();
  await (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options));
}

export async function showAbout(source: AboutSource): Promise<void> {
  await showBox(source, app.getName(), aboutDetail(await facts(source)));
}

/** Shown once, on the first start with a new data dir. */
export async function showWelcome(source: AboutSource): Promise<void> {
  await showBox(source, `Welcome to ${app.getName()}`, welcomeDetail(await facts(source)));
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
