/**
 * The desktop app itself (Playwright's _electron): opens a project named on its command line, draws
 * the topology, follows the View menu's tab items and File › Export Report…, and remembers the
 * project among the recent ones. Needs the Electron binary (node_modules/electron/dist, from
 * Electron's postinstall download) and the Electron SQLite build (`npm run rebuild:electron`);
 * without either the spec skips with one line saying which is missing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { ELECTRON_BINDING_RELATIVE } from '../src/main/native-sqlite';
import { skipLine } from '../test/support/shared-corpus';

const root = path.resolve(__dirname, '..');
const transcripts = ['nodea.txt', 'nodeb.txt'].map((f) => path.join(root, 'test', 'fixtures', 'lab', 'transcripts', f));

/** Why the desktop app cannot start here, as the reporter's skip line; null when it can. */
function electronMissing(): string | null {
  let binary: unknown;
  try {
    // The electron package exports its binary's path, and throws when the download never happened.
    binary = require('electron');
  } catch {
    return skipLine('Electron desktop e2e', 'node_modules/electron/dist');
  }
  if (typeof binary !== 'string' || !fs.existsSync(binary)) return skipLine('Electron desktop e2e', typeof binary === 'string' ? path.relative(root, binary) : 'node_modules/electron/dist');
  if (!fs.existsSync(path.join(root, ELECTRON_BINDING_RELATIVE))) return skipLine('Electron desktop e2e (run `npm run rebuild:electron`)', ELECTRON_BINDING_RELATIVE);
  if (!fs.existsSync(path.join(root, 'out', 'main', 'index.js'))) return skipLine('Electron desktop e2e (run `npm run build`)', 'out/main/index.js');
  return null;
}

const missing = electronMissing();

/** Clicks a menu item by its path of labels, as a user would (the item's click runs in main). */
async function clickMenu(app: ElectronApplication, ...labels: string[]): Promise<void> {
  await app.evaluate(({ Menu }, trail) => {
    let items = Menu.getApplicationMenu()?.items ?? [];
    let found: Electron.MenuItem | undefined;
    for (const label of trail) {
      found = items.find((it) => it.label === label);
      if (found === undefined) throw new Error(`no menu item ${trail.join(' › ')}`);
      items = found.submenu?.items ?? [];
    }
    found!.click();
  }, labels);
}

test.describe('desktop app (Electron)', () => {
  test.skip(missing !== null, missing ?? '');
  test.describe.configure({ timeout: 120_000 });
  let dir = '';
  let app: ElectronApplication | undefined;

  test.beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-electron-'));
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', path.join(dir, 'lab.db'), ...transcripts], { stdio: 'ignore' });
  });
  test.afterEach(async () => {
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('opens the project named on the command line, draws the topology, and follows the menus', async () => {
    const userData = path.join(dir, 'user-data');
    app = await electron.launch({
      args: [path.join(root, 'out', 'main', 'index.js'), `--user-data-dir=${userData}`, path.join(dir, 'lab.db'), '#/topology'],
      cwd: root,
    });
    const win = await app.firstWindow();
    await expect(win.getByTestId('project-path')).toContainText('lab.db');
    const canvas = win.getByTestId('topology-canvas');
    await expect(canvas).toHaveAttribute('data-ready', /\d+/, { timeout: 60_000 });
    expect(Number(await canvas.getAttribute('data-drawn-nodes'))).toBeGreaterThan(2);

    // View › Flows (Ctrl+6) and File › Export Report… reach the page.
    await clickMenu(app, 'View', 'Flows');
    await expect(win.getByRole('tab', { name: 'Flows' })).toHaveAttribute('aria-selected', 'true');
    await clickMenu(app, 'File', 'Export Report…');
    await expect(win.getByRole('tab', { name: 'Reports' })).toHaveAttribute('aria-selected', 'true');
    await expect(win.getByTestId('report-html')).toBeFocused();

    // The project is remembered: first among the recent ones, in the menu and in the user-data file.
    const recent = await app.evaluate(({ Menu }) => {
      const file = Menu.getApplicationMenu()?.items.find((it) => it.label === 'File');
      return file?.submenu?.items.find((it) => it.label === 'Open Recent')?.submenu?.items.map((it) => it.label) ?? [];
    });
    expect(recent[0]).toBe(`lab.db — ${dir}`);
    const memory = JSON.parse(fs.readFileSync(path.join(userData, 'natlens-desktop.json'), 'utf8')) as { recent: string[] };
    expect(memory.recent[0]).toBe(path.join(dir, 'lab.db'));
  });
});
