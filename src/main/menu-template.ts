/**
 * The application menu as data: a pure function of the platform, the recent projects and the tabs,
 * every item's action a MenuCommand handed to `run`. app-menu.ts builds and installs it; this module
 * imports only Electron's types, so the template is tested under plain Node.
 */
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { TAB_IDS, TAB_LABELS, type TabId } from '../shared/contract/tabs';

export type MenuCommand =
  | { kind: 'open-project' }
  | { kind: 'new-project' }
  | { kind: 'open-recent'; path: string }
  | { kind: 'clear-recent' }
  | { kind: 'import' }
  | { kind: 'export-report' }
  | { kind: 'show-tab'; tab: TabId }
  | { kind: 'toggle-theme' }
  | { kind: 'show-help'; topic: 'shortcuts' | 'about' };

export interface MenuInput {
  readonly platform: NodeJS.Platform;
  /** Newest first, as DesktopProject keeps them. */
  readonly recent: readonly string[];
  readonly tabs?: readonly TabId[];
  run(command: MenuCommand): void;
}

/** How a recent project reads in the menu: its file name, then the folder it is in. */
export function recentLabel(dbPath: string): string {
  return `${path.basename(dbPath)} — ${path.dirname(dbPath)}`;
}

export function appMenuTemplate(input: MenuInput): MenuItemConstructorOptions[] {
  const { run } = input;
  const mac = input.platform === 'darwin';
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator === undefined ? {} : { accelerator }),
    click: () => run(command),
  });

  const recentItems: MenuItemConstructorOptions[] =
    input.recent.length === 0
      ? [{ label: 'No Recent Projects', enabled: false }]
      : [...input.recent.map((p) => item(recentLabel(p), { kind: 'open-recent', path: p })), { type: 'separator' }, item('Clear Recent Projects', { kind: 'clear-recent' })];

  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      item('Open Project…', { kind: 'open-project' }, 'CmdOrCtrl+O'),
      item('New Project…', { kind: 'new-project' }, 'CmdOrCtrl+N'),
      { label: 'Open Recent', submenu: recentItems },
      { type: 'separator' },
      item('Import Captures…', { kind: 'import' }, 'CmdOrCtrl+I'),
      item('Export Report…', { kind: 'export-report' }, 'CmdOrCtrl+E'),
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  // Ctrl/Cmd+1..9: the keys run out after nine tabs; later ones are still listed.
  const tabs = (input.tabs ?? TAB_IDS).map((tab, i) => item(TAB_LABELS[tab], { kind: 'show-tab', tab }, i < 9 ? `CmdOrCtrl+${i + 1}` : undefined));
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...tabs,
      { type: 'separator' },
      item('Toggle Dark Mode', { kind: 'toggle-theme' }, 'CmdOrCtrl+Shift+D'),
      { type: 'separator' },
      { role: 'reload' },
      { role: 'toggleDevTools' },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };

  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [item('Keyboard Shortcuts', { kind: 'show-help', topic: 'shortcuts' }, 'F1'), ...(mac ? [] : [item('About natlens', { kind: 'show-help', topic: 'about' })])],
  };

  return [...(mac ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []), file, { role: 'editMenu' }, view, ...(mac ? [{ role: 'windowMenu' } satisfies MenuItemConstructorOptions] : []), help];
}

/** Every accelerator in the template with its item's label: no two items may share one. */
export function acceleratorsOf(template: readonly MenuItemConstructorOptions[]): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (items: readonly MenuItemConstructorOptions[]): void => {
    for (const it of items) {
      if (typeof it.accelerator === 'string') {
        const taken = found.get(it.accelerator);
        if (taken !== undefined) throw new Error(`accelerator ${it.accelerator} is on both "${taken}" and "${it.label ?? it.role}"`);
        found.set(it.accelerator, it.label ?? String(it.role));
      }
      if (Array.isArray(it.submenu)) walk(it.submenu);
    }
  };
  walk(template);
  return found;
}

/** The Help › Keyboard Shortcuts text: one line per accelerator, spelled for the platform. */
export function shortcutsText(template: readonly MenuItemConstructorOptions[], platform: NodeJS.Platform): string {
  const key = platform === 'darwin' ? 'Cmd' : 'Ctrl';
  return [...acceleratorsOf(template)].map(([accelerator, label]) => `${accelerator.replace('CmdOrCtrl', key)}\t${label.replace(/…$/, '')}`).join('\n');
}
