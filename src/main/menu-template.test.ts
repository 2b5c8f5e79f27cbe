import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { TAB_IDS } from '../shared/contract/tabs';
import { acceleratorsOf, appMenuTemplate, recentLabel, shortcutsText, type MenuCommand } from './menu-template';

function find(items: readonly MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions {
  for (const it of items) {
    if (it.label === label) return it;
    if (Array.isArray(it.submenu)) {
      try {
        return find(it.submenu, label);
      } catch {
        // not in this submenu
      }
    }
  }
  throw new Error(`no menu item "${label}"`);
}

function click(item: MenuItemConstructorOptions): void {
  (item.click as () => void)();
}

function build(recent: string[], platform: NodeJS.Platform = 'linux') {
  const ran: MenuCommand[] = [];
  const template = appMenuTemplate({ platform, recent, run: (c) => ran.push(c) });
  return { template, ran };
}

describe('the application menu template', () => {
  it('has File, Edit, View and Help on Linux, with the app and window menus added on macOS', () => {
    expect(build([]).template.map((m) => m.label ?? m.role)).toEqual(['File', 'editMenu', 'View', 'help']);
    expect(build([], 'darwin').template.map((m) => m.label ?? m.role)).toEqual(['appMenu', 'File', 'editMenu', 'View', 'windowMenu', 'help']);
  });

  it('gives File its project, import and export items with accelerators, each running its command', () => {
    const { template, ran } = build([]);
    const expected: [string, string, MenuCommand][] = [
      ['Open Project…', 'CmdOrCtrl+O', { kind: 'open-project' }],
      ['New Project…', 'CmdOrCtrl+N', { kind: 'new-project' }],
      ['Import Captures…', 'CmdOrCtrl+I', { kind: 'import' }],
      ['Export Report…', 'CmdOrCtrl+E', { kind: 'export-report' }],
    ];
    for (const [label, accelerator, command] of expected) {
      const item = find(template, label);
      expect(item.accelerator).toBe(accelerator);
      click(item);
      expect(ran.at(-1)).toEqual(command);
    }
  });

  it('puts every tab under View on Ctrl/Cmd+1..n, in the tab order, and a dark-mode toggle', () => {
    const { template, ran } = build([]);
    const view = template.find((m) => m.label === 'View')!.submenu as MenuItemConstructorOptions[];
    const tabs = view.filter((it) => typeof it.accelerator === 'string' && /^CmdOrCtrl\+\d$/.test(it.accelerator));
    expect(tabs.map((t) => [t.label, t.accelerator])).toEqual([
      ['Nodes', 'CmdOrCtrl+1'],
      ['Findings', 'CmdOrCtrl+2'],
      ['Captures', 'CmdOrCtrl+3'],
      ['Topology', 'CmdOrCtrl+4'],
      ['Trace', 'CmdOrCtrl+5'],
      ['Flows', 'CmdOrCtrl+6'],
      ['Reports', 'CmdOrCtrl+7'],
    ]);
    tabs.forEach(click);
    expect(ran).toEqual(TAB_IDS.map((tab) => ({ kind: 'show-tab', tab })));
    click(find(template, 'Toggle Dark Mode'));
    expect(ran.at(-1)).toEqual({ kind: 'toggle-theme' });
  });

  it('stops numbering tabs after nine', () => {
    const many = [...TAB_IDS, ...TAB_IDS];
    const template = appMenuTemplate({ platform: 'linux', recent: [], tabs: many, run: () => undefined });
    const view = template.find((m) => m.label === 'View')!.submenu as MenuItemConstructorOptions[];
    const labelled = view.filter((it) => it.label !== undefined && it.label !== 'Toggle Dark Mode');
    expect(labelled).toHaveLength(14);
    expect(labelled.map((it) => it.accelerator ?? null).slice(8)).toEqual(['CmdOrCtrl+9', null, null, null, null, null]);
  });

  it('lists recent projects newest first under Open Recent, opening the chosen one, with a way to clear them', () => {
    const { template, ran } = build(['/home/ana/cluster.db', '/tmp/lab.db']);
    const recent = find(template, 'Open Recent').submenu as MenuItemConstructorOptions[];
    expect(recent.map((it) => it.label ?? it.type)).toEqual(['cluster.db — /home/ana', 'lab.db — /tmp', 'separator', 'Clear Recent Projects']);
    click(recent[1]!);
    expect(ran).toEqual([{ kind: 'open-recent', path: '/tmp/lab.db' }]);
    click(recent[3]!);
    expect(ran.at(-1)).toEqual({ kind: 'clear-recent' });
  });

  it('shows a disabled placeholder when there are no recent projects', () => {
    const recent = find(build([]).template, 'Open Recent').submenu as MenuItemConstructorOptions[];
    expect(recent).toEqual([{ label: 'No Recent Projects', enabled: false }]);
  });

  it('never gives two items the same accelerator, and the shortcuts text lists them for the platform', () => {
    const { template } = build(['/a.db']);
    expect(acceleratorsOf(template).size).toBe(13);
    const text = shortcutsText(template, 'linux');
    expect(text).toContain('Ctrl+O\tOpen Project');
    expect(text).toContain('Ctrl+4\tTopology');
    expect(shortcutsText(template, 'darwin')).toContain('Cmd+Shift+D\tToggle Dark Mode');
    expect(() => acceleratorsOf([{ label: 'A', accelerator: 'CmdOrCtrl+O' }, { label: 'B', submenu: [{ label: 'C', accelerator: 'CmdOrCtrl+O' }] }])).toThrow(
      'accelerator CmdOrCtrl+O is on both "A" and "C"',
    );
  });

  it('offers About on Linux (macOS has it in the app menu) and keyboard shortcuts on F1', () => {
    const { template, ran } = build([]);
    click(find(template, 'Keyboard Shortcuts'));
    click(find(template, 'About natlens'));
    expect(ran).toEqual([
      { kind: 'show-help', topic: 'shortcuts' },
      { kind: 'show-help', topic: 'about' },
    ]);
    expect(() => find(build([], 'darwin').template, 'About natlens')).toThrow();
  });

  it('names a recent project by file, then folder', () => {
    expect(recentLabel('/srv/projects/prod.natlens')).toBe('prod.natlens — /srv/projects');
  });
});
