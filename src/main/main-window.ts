/** The one window: sandboxed, context-isolated, no Node in the page, and it never navigates or opens another. */
import path from 'node:path';
import { BrowserWindow, shell } from 'electron';
import { windowUrl } from './app-origin';

export interface WindowSource {
  /** electron-vite dev server URL in `npm run dev`; absent: natlens://app/. */
  devUrl: string | undefined;
  preload: string;
  icon: string | undefined;
  /** The view to open (`#/flows/3`), kept across a re-opened window; '' for the default. */
  fragment: string;
}

export function createMainWindow(source: WindowSource): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 800,
    minHeight: 520,
    title: 'natlens',
    show: false,
    ...(source.icon === undefined ? {} : { icon: source.icon }),
    webPreferences: {
      preload: path.resolve(source.preload),
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
  win.once('ready-to-show', () => win.show());

  // Dropping a file outside the drop zone would navigate to it; links open in the system browser.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });

  void win.loadURL(windowUrl(source.devUrl, source.fragment));
  return win;
}
