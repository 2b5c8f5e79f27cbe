/** Electron main: one window over the shared operations, the project database opened with the Electron-ABI SQLite build. */
import path from 'node:path';
import { app, dialog, session, type BrowserWindow } from 'electron';
import { coreStoreOpener } from '../shared/backend/core-backend';
import { CONTENT_SECURITY_POLICY } from '../shared/backend/content-security-policy';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { appIconPath } from './app-icon';
import { installAppMenu } from './app-menu';
import { DesktopProject } from './desktop-project';
import { DisposableStore, toDisposable } from '../core/common/disposable';
import { registerIpcOperations } from './ipc-operations';
import { fragmentFromArgs, isOwnPage, projectFromArgs } from './app-origin';
import { createMainWindow } from './main-window';
import { bindingProblemText, checkElectronBinding } from './native-sqlite';
import { OperationPool } from '../shared/backend/operation-pool';

const devUrl = process.env.ELECTRON_RENDERER_URL;
const disposables = new DisposableStore();
let mainWindow: BrowserWindow | null = null;

registerAppScheme();
// `--user-data-dir=DIR` keeps a run's memory (recent projects, the last project) apart, as tests and second profiles need.
const userDataDir = app.commandLine.getSwitchValue('user-data-dir');
if (userDataDir !== '') app.setPath('userData', path.resolve(userDataDir));

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

async function start(): Promise<void> {
  const binding = checkElectronBinding(app.getAppPath());
  if (binding.kind !== 'ok') {
    dialog.showErrorBox('natlens cannot open projects', bindingProblemText(binding, process.versions.electron ?? 'this'));
    app.exit(1);
    return;
  }

  // Grant nothing: no camera, notifications, geolocation... the page needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  if (devUrl === undefined) {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    });
  }

  const outDir = path.resolve(__dirname, '..');
  disposables.add(serveRenderer(path.join(outDir, 'renderer')));
  const desktop = disposables.add(new DesktopProject(coreStoreOpener({ nativeBinding: binding.nativeBinding, importWorker: path.join(__dirname, 'import-worker.js') }), path.join(app.getPath('userData'), 'natlens-desktop.json')));
  // Heavy operations (stitching, reports, replays) run on worker threads: this process never blocks on them.
  const pool = disposables.add(new OperationPool({ script: path.join(__dirname, 'operation-worker.js'), nativeBinding: binding.nativeBinding }));
  pool.warm();
  disposables.add(registerIpcOperations({ desktop, pool, isOwnPage: (url) => isOwnPage(url, devUrl) }));
  // A project named on the command line opens instead of the last one.
  const named = projectFromArgs(process.argv.slice(1), process.cwd());
  if (named !== null) {
    try {
      desktop.switchTo(named, false);
    } catch (err) {
      dialog.showErrorBox('natlens cannot open this project', `${named}\n${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const icon = appIconPath(app.getAppPath());
  // The view in the URL fragment: from a link on the command line, then whatever the page navigated to.
  let fragment = fragmentFromArgs(process.argv.slice(1));
  const openWindow = (): void => {
    mainWindow = createMainWindow({ devUrl, preload: path.join(outDir, 'preload', 'index.js'), icon, fragment });
    mainWindow.webContents.on('did-navigate-in-page', (_event, url, isMainFrame) => {
      const hash = url.indexOf('#');
      if (isMainFrame) fragment = hash < 0 ? '' : fragmentFromArgs([url.slice(hash)]);
    });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };
  disposables.add(installAppMenu(() => mainWindow, desktop));
  openWindow();
  disposables.add(toDisposable(() => mainWindow?.destroy()));
  app.on('activate', () => {
    if (mainWindow === null) openWindow();
  });
}

app.whenReady().then(start, (err: unknown) => {
  dialog.showErrorBox('natlens failed to start', err instanceof Error ? (err.stack ?? err.message) : String(err));
  app.exit(1);
});

app.on('window-all-closed', () => app.quit());
// The database is closed cleanly however the app ends.
app.on('will-quit', () => disposables.dispose());
