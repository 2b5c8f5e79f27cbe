/**
 * The Findings tab and a flow's divergence view on the kernel fault lab (test/fixtures/lab-faults): what the README
 * shows. With NATLENS_SCREENSHOT=1 the pictures are written to docs/, else to test-results/.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root } from './lab-session';
import { startServe, type ServeProcess } from './natlens-serve';

const FAULTS = path.join(root, 'test', 'fixtures', 'lab-faults');
const picture = (name: string): string => path.join(root, process.env.NATLENS_SCREENSHOT === '1' ? 'docs' : 'test-results', name);

test.describe('findings on the fault lab (web mode)', () => {
  let dir = '';
  let serve: ServeProcess | undefined;
  test.beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-faults-'));
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = async (scenario: string): Promise<ServeProcess> => {
    const db = path.join(dir, `${scenario}.db`);
    // Imported from the scenario's folder, so the evidence cites `nodes/nodea/…` rather than this machine's paths.
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', db, 'nodes'], { cwd: path.join(FAULTS, scenario), stdio: 'ignore' });
    serve = await startServe(db);
    return serve;
  };

  test('lists the no-endpoints findings with their evidence, the ICMP refusal among it', async ({ page }) => {
    const s = await open('no-endpoints');
    await page.goto(new URL('#/findings', s.url).toString());
    const findings = page.getByTestId('finding');
    await expect(findings.first()).toBeVisible();
    await expect(page.getByTestId('findings-summary')).toContainText('error');
    await page.getByTestId('finding-row').filter({ hasText: 'has no endpoints' }).first().click();
    const empty = findings.filter({ hasText: 'has no endpoints' }).first();
    await expect(empty).toBeVisible();
    await expect(page.getByTestId('finding-evidence').filter({ hasText: 'ICMP port unreachable' }).first()).toBeVisible();
    await page.screenshot({ path: picture('findings.png'), fullPage: false });
  });

  test('draws the dropped flow\'s replay beside its captures: they agree up to nodeb, where the FORWARD policy drops it', async ({ page }) => {
    const s = await open('forward-drop');
    await page.goto(new URL('#/findings', s.url).toString());
    await page.getByTestId('finding-row').filter({ hasText: 'FORWARD' }).first().click();
    const dropped = page.getByTestId('finding').filter({ hasText: 'FORWARD' }).first();
    await expect(dropped).toBeVisible();
    await dropped.getByTestId('finding-flow').first().click();
    const view = page.getByTestId('flow-divergence');
    await expect(view.getByTestId('divergence-headline')).toBeVisible();
    await expect(view).toContainText('DROP policy of filter FORWARD');
    await expect(view.getByTestId('divergence-row').last()).toContainText('nodeb eth0');
    await view.scrollIntoViewIfNeeded();
    await view.screenshot({ path: picture('divergence.png') });
  });

  test('ties a timed-out ping on one node to the router on its way that does not forward it, citing both outputs', async ({ page }) => {
    const db = path.join(dir, 'probe.db');
    // Imported from the fixture's folder, so the evidence cites `client.txt:N` and `router.txt:N`.
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', db, 'router.txt', 'client.txt'], { cwd: path.join(root, 'test', 'fixtures', 'probe', 'forward-off'), stdio: 'ignore' });
    serve = await startServe(db);
    await page.goto(new URL('#/findings', serve.url).toString());
    await page.getByTestId('finding-row').filter({ hasText: 'ping to 10.9.0.5 timed out' }).first().click();
    const ping = page.getByTestId('finding').filter({ hasText: 'ping to 10.9.0.5 timed out' }).first();
    await expect(ping).toBeVisible();
    await expect(ping).toContainText('router does not forward it (net.ipv4.conf.r1.forwarding = 0)');
    await expect(ping.getByTestId('finding-evidence').filter({ hasText: '100% packet loss' })).toBeVisible();
    await expect(ping.getByTestId('finding-evidence').filter({ hasText: 'net.ipv4.conf.r1.forwarding = 0' })).toBeVisible();
    await page.screenshot({ path: picture('probe-finding.png'), fullPage: false });
  });
});
