/**
 * Import that fits how captures arrive (issue 14), in web mode: a dropped or picked folder makes one node per
 * sub-folder as `natlens import FOLDER` does, files picked together go to one node named before the import,
 * nodes are renamed, merged and deleted and captures renamed and deleted with Undo, and a cancelled import shows its records/s and
 * stores nothing. Axe checks the naming form and the edit bar.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startServe, type ServeProcess } from './natlens-serve';
import { writeSyntheticPcap } from '../scripts/bench/synthetic-pcap.mjs';

const root = path.resolve(__dirname, '..');
const lab = path.join(root, 'test', 'fixtures', 'lab', 'nodes');
const natlens = path.join(root, 'bin', 'natlens');

/** `cluster/node-x` (nodea's ip addr, routes and ruleset) and `cluster/node-y` (nodeb's ip addr and routes), as a node's files arrive. */
function writeCluster(dir: string): string {
  const cluster = path.join(dir, 'cluster');
  for (const [node, from, files] of [
    ['node-x', 'nodea', ['ip-addr.txt', 'ip-route.txt', 'iptables-save.txt']],
    ['node-y', 'nodeb', ['ip-addr.txt', 'ip-route.txt']],
  ] as const) {
    fs.mkdirSync(path.join(cluster, node), { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(lab, from, f), path.join(cluster, node, f));
  }
  return cluster;
}

function cliNodes(dbPath: string): Array<{ name: string; captures: Array<{ kind: string }> }> {
  return JSON.parse(execFileSync(natlens, ['nodes', '--db', dbPath, '--json'], { cwd: root, encoding: 'utf8' })) as Array<{ name: string; captures: Array<{ kind: string }> }>;
}

const nodeCard = (page: Page, name: string) => page.getByRole('article', { name: `node ${name}` });

test.describe('import habits (web mode)', () => {
  let dir: string;
  let dbPath: string;
  let serve: ServeProcess;

  test.beforeEach(async ({ page }) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-import-'));
    dbPath = path.join(dir, 'project.db');
    serve = await startServe(dbPath);
    await page.goto(serve.url.toString());
    await expect(page.getByText('No nodes yet')).toBeVisible();
  });

  test.afterEach(async () => {
    expect(await serve.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a folder picked with Import folder… makes one node per sub-folder, as natlens import does with it', async ({ page }) => {
    const cluster = writeCluster(dir);
    await page.getByTestId('folder-input').setInputFiles(cluster);
    await expect(page.getByTestId('import-result')).toContainText('Imported 5 captures on 2 nodes');
    await expect(nodeCard(page, 'node-x')).toBeVisible();
    await expect(nodeCard(page, 'node-y')).toBeVisible();
    const viaCli = path.join(dir, 'cli.db');
    execFileSync(natlens, ['import', '--db', viaCli, cluster], { cwd: root });
    const shape = (nodes: ReturnType<typeof cliNodes>) => nodes.map((n) => ({ name: n.name, kinds: n.captures.map((c) => c.kind).sort() }));
    expect(shape(cliNodes(dbPath))).toEqual(shape(cliNodes(viaCli)));
    // Sources name the files in the folder, not the server's staging copy.
    await page.getByRole('tab', { name: 'Captures' }).click();
    await expect(page.getByTestId('captures-table')).toContainText('cluster/node-x/iptables-save.txt:1');
  });

  test('a dropped folder (directory entries) is walked in the page and imported one node per sub-folder', async ({ page }) => {
    const files: Record<string, string> = {
      'cluster/node-x/ip-addr.txt': fs.readFileSync(path.join(lab, 'nodea', 'ip-addr.txt'), 'utf8'),
      'cluster/node-y/ip-route.txt': fs.readFileSync(path.join(lab, 'nodeb', 'ip-route.txt'), 'utf8'),
      'cluster/node-y/.DS_Store': 'finder litter',
    };
    // A drag from the file manager, as Chromium presents it: DataTransferItems whose webkitGetAsEntry() are directory entries.
    await page.getByTestId('dropzone').evaluate((zone, tree) => {
      type Entry = { name: string; isFile: boolean; isDirectory: boolean; file?: (ok: (f: File) => void) => void; createReader?: () => { readEntries: (ok: (e: Entry[]) => void) => void } };
      const folder = (name: string, prefix: string): Entry => {
        const names = [...new Set(Object.keys(tree).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split('/')[0]!))];
        const children = names.map((n): Entry => (Object.prototype.hasOwnProperty.call(tree, prefix + n) ? { name: n, isFile: true, isDirectory: false, file: (ok) => ok(new File([tree[prefix + n]!], n)) } : folder(n, `${prefix}${n}/`)));
        let read = false;
        return { name, isFile: false, isDirectory: true, createReader: () => ({ readEntries: (ok) => ok(read ? [] : ((read = true), children)) }) };
      };
      const item = { kind: 'file', webkitGetAsEntry: () => folder('cluster', 'cluster/'), getAsFile: () => null };
      const event = new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: new DataTransfer() });
      Object.defineProperty(event, 'dataTransfer', { value: { items: [item], files: [] } });
      zone.dispatchEvent(event);
    }, files);
    await expect(page.getByTestId('import-result')).toContainText('on 2 nodes');
    await expect(nodeCard(page, 'node-x')).toBeVisible();
    await expect(nodeCard(page, 'node-y')).toBeVisible();
    // The hidden file is left out as the CLI leaves it out, and the page says so.
    await expect(page.getByTestId('import-skipped')).toContainText('cluster/node-y/.DS_Store');
  });

  test('files picked together go to one node whose name is asked for first and can be changed', async ({ page }) => {
    await page.getByTestId('file-input').setInputFiles(['ip-addr.txt', 'ip-route.txt', 'iptables-save.txt'].map((f) => path.join(lab, 'nodea', f)));
    const form = page.getByTestId('import-name');
    await expect(form).toContainText('3 files go to one node');
    // The browser does not say which folder picked files come from: the field starts empty and Import waits for a name.
    await expect(page.getByTestId('import-node-name')).toHaveValue('');
    await expect(page.getByTestId('import-name-confirm')).toBeDisabled();
    await page.getByTestId('import-node-name').fill('worker-7');
    const axe = await new AxeBuilder({ page }).include('.import-panel').setLegacyMode(true).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    await page.getByTestId('import-name-confirm').click();
    await expect(page.getByTestId('import-result')).toContainText('Imported 3 captures on 1 node');
    expect(cliNodes(dbPath).map((n) => ({ name: n.name, captures: n.captures.length }))).toEqual([{ name: 'worker-7', captures: 3 }]);
  });

  test('rename, delete and merge nodes, delete and rename a capture, each undone from the edit bar', async ({ page }) => {
    await page.getByTestId('folder-input').setInputFiles(writeCluster(dir));
    await expect(nodeCard(page, 'node-y')).toBeVisible();
    const bar = page.getByTestId('edit-bar');

    await nodeCard(page, 'node-x').getByTestId('node-rename').click();
    await nodeCard(page, 'node-x').getByTestId('node-rename-input').fill('worker-1');
    await page.getByTestId('node-rename-form').getByRole('button', { name: 'Rename' }).click();
    await expect(bar).toContainText('Renamed node node-x to worker-1.');
    await expect(nodeCard(page, 'worker-1')).toBeVisible();
    await expect(nodeCard(page, 'node-x')).toHaveCount(0);
    await bar.getByTestId('edit-undo').click();
    await expect(bar).toContainText('Undid: renamed node node-x to worker-1.');
    await expect(nodeCard(page, 'node-x')).toBeVisible();
    await expect(nodeCard(page, 'worker-1')).toHaveCount(0);

    await nodeCard(page, 'node-y').getByTestId('node-delete').click();
    await expect(bar).toContainText('Deleted node node-y and its 2 captures.');
    await expect(nodeCard(page, 'node-y')).toHaveCount(0);
    const axe = await new AxeBuilder({ page }).include('[data-testid="edit-bar-region"]').setLegacyMode(true).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    await bar.getByTestId('edit-undo').click();
    await expect(nodeCard(page, 'node-y')).toBeVisible();
    expect(cliNodes(dbPath).map((n) => [n.name, n.captures.length])).toEqual([['node-x', 3], ['node-y', 2]]);

    await nodeCard(page, 'node-y').getByTestId('node-merge').click();
    await page.getByTestId('node-merge-target').selectOption('node-x');
    await page.getByTestId('node-merge-form').getByRole('button', { name: 'Merge' }).click();
    await expect(bar).toContainText('Merged node node-y into node-x.');
    // Both have an ip addr and routes: the merge names where they disagree (eth0's address, the routes).
    await expect(page.getByTestId('edit-notes')).toContainText('interface eth0');
    await expect(nodeCard(page, 'node-y')).toHaveCount(0);
    await expect(nodeCard(page, 'node-x')).toContainText('5 captures');
    await bar.getByTestId('edit-undo').click();
    await expect(nodeCard(page, 'node-y')).toBeVisible();
    expect(cliNodes(dbPath).map((n) => [n.name, n.captures.length])).toEqual([['node-x', 3], ['node-y', 2]]);

    await page.getByRole('tab', { name: 'Captures' }).click();
    const ruleset = page.getByTestId('capture-row').filter({ hasText: 'iptables-save.txt' });
    await ruleset.getByTestId('capture-delete').click();
    await expect(bar).toContainText(/Deleted capture \d+ \(iptables-save/);
    await expect(page.getByTestId('captures-summary')).toHaveText('4 captures');
    await bar.getByTestId('edit-undo').click();
    await expect(page.getByTestId('captures-summary')).toHaveText('5 captures');

    // A capture is named (its source stays), found by its name, and the name undone.
    await ruleset.getByTestId('capture-rename').click();
    await page.getByTestId('capture-rename-input').fill('rules before the fix');
    await page.getByTestId('capture-rename-form').getByRole('button', { name: 'Rename' }).click();
    await expect(bar).toContainText(/Named capture \d+ \(iptables-save .*\) of node-x "rules before the fix"\./);
    await expect(ruleset).toContainText('rules before the fix');
    await expect(ruleset).toContainText('cluster/node-x/iptables-save.txt:1');
    const labelOf = () => (cliNodes(dbPath)[0]!.captures as Array<{ kind: string; label?: string | null }>).find((c) => c.kind === 'iptables-save')?.label;
    expect(labelOf()).toBe('rules before the fix');
    await page.getByTestId('captures-filter').fill('before the fix');
    await expect(page.getByTestId('captures-summary')).toHaveText('1 of 5 captures');
    await page.getByTestId('captures-filter').fill('');
    await bar.getByTestId('edit-undo').click();
    await expect(bar).toContainText('Undid: named capture');
    await expect(ruleset).not.toContainText('rules before the fix');
    expect(labelOf()).toBeNull();
  });

  test('a cancelled import shows records/s while it runs and stores nothing', async ({ page }) => {
    test.setTimeout(180_000);
    const pcap = path.join(dir, 'big.pcap');
    writeSyntheticPcap(pcap, 3_000_000);
    await page.getByTestId('file-input').setInputFiles(pcap);
    const progress = page.getByTestId('import-progress');
    await expect(progress).toContainText(/[\d,]+ records · [\d,]+ records\/s/, { timeout: 120_000 });
    test.info().annotations.push({ type: 'progress when cancelled', description: (await progress.textContent()) ?? '' });
    await page.getByTestId('import-cancel').click();
    await expect(progress).toHaveCount(0);
    await expect(page.getByTestId('import-cancelled')).toContainText('nothing of that file was stored');
    await expect(page.getByTestId('import-result')).toHaveCount(0);
    await page.reload();
    await expect(page.getByText('No nodes yet')).toBeVisible();
    if (fs.existsSync(dbPath)) expect(cliNodes(dbPath)).toEqual([]);
  });
});
