/** Installs the application menu (menu-template.ts) and runs its commands: page commands go to the page, so progress and results show there. */
import { app, dialog, Menu, type BrowserWindow } from 'electron';
import { IPC_SHELL_EVENT_CHANNEL, type ShellEvent } from '../shared/contract/api';
import type { Disposable } from '../core/common/disposable';
import type { DesktopProject } from './desktop-project';
import { appMenuTemplate, shortcutsText, type MenuCommand } from './menu-template';

function send(win: BrowserWindow | null, event: ShellEvent): void {
  if (win !== null && !win.isDestroyed()) win.webContents.send(IPC_SHELL_EVENT_CHANNEL, event);
}

function showMessage(win: BrowserWindow | null, options: Electron.MessageBoxOptions): void {
  void (win === null ? dialog.showMessageBox(options) : dialog.showMessageBox(win, options));
}

export function installAppMenu(getWindow: () => BrowserWindow | null, desktop: DesktopProject): Disposable {
  const build = (): void => {
    const template = appMenuTemplate({ platform: process.platform, recent: desktop.recent, run });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };

  function run(command: MenuCommand): void {
    const win = getWindow();
    switch (command.kind) {
      case 'open-project':
      case 'new-project':
      case 'import':
      case 'export-report':
      case 'toggle-theme':
        return send(win, { kind: 'menu', command: command.kind });
      case 'show-tab':
        return send(win, { kind: 'show-tab', tab: command.tab });
      case 'open-recent':
        try {
          desktop.openRecent(command.path);
          return send(win, { kind: 'project-changed' });
        } catch (err) {
          return dialog.showErrorBox('natlens cannot open this project', err instanceof Error ? err.message : String(err));
        }
      case 'clear-recent':
        return desktop.clearRecent();
      case 'show-help':
        return command.topic === 'about'
          ? showMessage(win, { type: 'info', title: 'About natlens', message: `natlens ${app.getVersion()}`, detail: `Electron ${process.versions.electron ?? '?'} · Chromium ${process.versions.chrome ?? '?'} · Node ${process.versions.node}` })
          : showMessage(win, { type: 'none', title: 'Keyboard shortcuts', message: 'Keyboard shortcuts', detail: shortcutsText(appMenuTemplate({ platform: process.platform, recent: [], run: () => undefined }), process.platform) });
      default: {
        const never: never = command;
        return never;
      }
    }
  }

  build();
  const unsubscribe = desktop.onChange(build);
  return { dispose: unsubscribe };
}
