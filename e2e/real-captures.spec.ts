/**
 * Captures as engineers paste them, through the web UI: a real `iptables -t nat -L -n` (no `-v`, so
 * the interface columns are hidden) and a transcript with a block natlens cannot read. The import
 * says file by file what it read and what it did not; a trace on an interface the captures do not
 * list is answered with the assumptions it rests on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root } from './lab-session';
import { startServe, type ServeProcess } from './natlens-serve';

const LISTING = path.join(root, 'test', 'fixtures', 'real', 'qifangsu-demo-no-v', 'iptables-nat-L-n.txt');

test.describe('real captures (web mode)', () => {
  let dir = '';
  let serve: ServeProcess | undefined;
  test.beforeEach(async ({ page }) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-real-'));
    serve = await startServe(path.join(dir, 'real.db'));
    const typo = path.join(dir, 'node-b.md');
    fs.writeFileSync(typo, '```\nroot@node-b:~# ip route\ndefault via 10.0.0.1 dev eth0\nroot@node-b:~# iptables -S INPUT\n-P INPUT ACCEPT\n-A INPUT -p tcp --dprot 22 -j ACCEPT\n```\n');
    await page.goto(serve.url.toString());
    await page.getByTestId('file-input').setInputFiles([LISTING, typo]);
    // Files picked together would go to one node: these name their own (shell prompts, file names).
    await page.getByTestId('import-name-each').click();
    await expect(page.getByTestId('import-result')).toContainText(/Imported \d+ captures? on 2 nodes/);
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('says file by file what was read, and names the block it could not read with its lines', async ({ page }) => {
    const files = page.getByTestId('import-files');
    await expect(files).toHaveAttribute('open', '');
    await expect(files).toContainText('node-b.md');
    await expect(files).toContainText('--dprot');
    await expect(page.getByTestId('import-result')).toContainText('node-b.md:6');
  });

  test('traces a pod packet in on an interface the listing does not show, with the assumptions it rests on', async ({ page }) => {
    await page.getByRole('tab', { name: 'Trace' }).click();
    await page.getByTestId('trace-node').selectOption('iptables-nat-L-n');
    await page.getByTestId('trace-proto').selectOption('udp');
    await page.getByTestId('trace-src').fill('10.244.0.30:40000');
    await page.getByTestId('trace-dst').fill('10.96.0.10:53');
    await page.getByTestId('trace-in').selectOption('@other');
    await page.getByTestId('trace-in-other').fill('cni0');
    await page.getByTestId('trace-run').click();
    const outcomes = page.getByTestId('trace-outcome');
    await expect(outcomes.first()).toBeVisible();
    // The listing hides interfaces and the node's addresses were not captured: every outcome says what it assumed.
    for (const outcome of await outcomes.all()) await expect(outcome.getByTestId('outcome-assumptions')).toBeVisible();
    await expect(outcomes.first().getByTestId('outcome-assumptions')).toContainText('assuming');
    const target = process.env.NATLENS_SCREENSHOT === '1' ? path.join(root, 'docs', 'trace-assumptions.png') : path.join(root, 'test-results', 'trace-assumptions.png');
    await outcomes.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: target, fullPage: false });
  });
});
