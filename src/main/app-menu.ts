/** The application menu. Its project/import items ask the page to run the operation, so progress and results show there. */
import { Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { IPC_SHELL_EVENT_CHANNEL, type ShellEvent } from '../shared/contract/api';

function send(win: BrowserWindow | null, command: ShellEvent['command']): void {
  if (win !== null && !win.isDestroyed()) win.webContents.send(IPC_SHELL_EVENT_CHANNEL, { kind: 'menu', command } satisfies ShellEvent);
}

export function installAppMenu(getWindow: () => BrowserWindow | null): void {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => send(getWindow(), 'open-project') },
        { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => send(getWindow(), 'new-project') },
        { type: 'separator' },
        { label: 'Import Captures…', accelerator: 'CmdOrCtrl+I', click: () => send(getWindow(), 'import') },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
