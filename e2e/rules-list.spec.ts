/**
 * The rules list on a node holding a kube-proxy ruleset of 170,023 rules (scripts/bench/kube-proxy-dump.mjs:
 * 10,000 services, 5 endpoints each), in web mode: it scrolls to the last rule by keyboard (only the
 * pages in view are fetched), filters by chain, target and an address, and copies a rule as text.
 * Timing lives in the benches, not here.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { startServe, type ServeProcess } from './natlens-serve';

const root = path.resolve(__dirname, '..');

test.describe('rules list at kube-proxy scale (web mode, 170k rules)', () => {
  test.describe.configure({ timeout: 180_000 });
  let dir = '';
  let serve: ServeProcess | undefined;
  let lastRule = '';

  test.beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-rules-'));
    const dump = path.join(dir, 'kube-proxy.iptables-save');
    const generator = pathToFileURL(path.join(root, 'scripts', 'bench', 'kube-proxy-dump.mjs')).href;
    const script = `import { writeKubeProxyDump } from ${JSON.stringify(generator)}; process.stdout.write(String(writeKubeProxyDump(${JSON.stringify(dump)}, 10000, 5)));`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })).toBe('170023');
    lastRule = fs.readFileSync(dump, 'utf8').split('\n').filter((l) => l.startsWith('-A ')).at(-1)!;
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', path.join(dir, 'rules.db'), '--node', 'kp-node', dump], { stdio: 'ignore' });
  });
  test.beforeEach(async ({ context }) => {
    serve = await startServe(path.join(dir, 'rules.db'));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.url.origin });
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
  });
  test.afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('scrolls to the last of 170,023 rules, filters, and copies a rule', async ({ page }) => {
    await page.goto(`${serve!.url.toString()}#/nodes/kp-node`);
    const summary = page.getByTestId('rules-summary');
    await expect(summary).toContainText('170,023 rules of', { timeout: 60_000 });
    const grid = page.getByTestId('rules-table');
    await expect(grid).toHaveAttribute('aria-rowcount', /\d+/);
    await expect(page.getByTestId('rule-row').first()).toContainText('-A INPUT');

    // Only the rows in view are in the page, and End reaches the last rule.
    expect(await page.getByTestId('rule-row').count()).toBeLessThan(100);
    await grid.focus();
    await page.keyboard.press('End');
    const last = page.getByTestId('rule-row').filter({ hasText: lastRule });
    await expect(last).toBeVisible({ timeout: 30_000 });
    await expect(last).toContainText('170023');
    await page.keyboard.press('Control+c');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(lastRule);

    // Chain prefix and target: every endpoint's DNAT, 50,000 of them.
    await page.getByTestId('rules-chain').fill('KUBE-SEP-');
    await page.getByTestId('rules-target').fill('dnat');
    await page.getByTestId('rules-target').press('Enter');
    await expect(summary).toContainText('50,000 of 170,023 rules', { timeout: 60_000 });
    await expect(summary).toContainText('matching chain KUBE-SEP-…, target dnat');
    await expect(page.getByTestId('rule-row').first()).toContainText('-j DNAT --to-destination');

    // An address: the service's portal rule and its endpoints' rules mention 10.96.0.10 only in KUBE-SERVICES.
    await page.getByTestId('rules-chain').fill('');
    await page.getByTestId('rules-target').fill('');
    await page.getByTestId('rules-query').fill('10.96.0.10');
    await page.getByTestId('rules-query').press('Enter');
    await expect(summary).toContainText('matching address 10.96.0.10', { timeout: 60_000 });
    const rows = page.getByTestId('rule-row');
    await expect(rows.first()).toContainText('-d 10.96.0.10/32');
    const matching = Number((await summary.textContent())!.match(/^([\d,]+) of/)![1]!.replace(/,/g, ''));
    expect(matching).toBeGreaterThan(0);
    expect(matching).toBeLessThan(10);

    // A copy menu offers the rule as its iptables command.
    await rows.first().click({ button: 'right' });
    await page.getByRole('menuitem', { name: /iptables command/ }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/^iptables -t nat -A KUBE-SERVICES -d 10\.96\.0\.10\/32 /);
  });
});
