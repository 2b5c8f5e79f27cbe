/**
 * The kernel's own trace of a connection (iptables-legacy TRACE and LOG lines from dmesg) beside its conntrack entry
 * and the node's ruleset: the flow view lists the trace lines hook by hook, with the captured rule each names.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root } from './lab-session';
import { startServe, type ServeProcess } from './natlens-serve';

const FIXTURES = path.join(root, 'test', 'fixtures', 'kernel-trace');
const CONNTRACK = 'tcp      6 117 TIME_WAIT src=10.77.0.1 dst=10.96.0.10 sport=52156 dport=80 src=10.77.0.2 dst=10.77.0.1 sport=8080 dport=52156 [ASSURED] mark=0 use=1\n';

test.describe('a kernel trace in the flow view (web mode)', () => {
  let dir = '';
  let serve: ServeProcess | undefined;
  test.beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-ktrace-'));
    const node = path.join(dir, 's');
    fs.mkdirSync(node);
    fs.copyFileSync(path.join(FIXTURES, 'legacy-dmesg.txt'), path.join(node, 'dmesg.txt'));
    fs.copyFileSync(path.join(FIXTURES, 'legacy-iptables-save.txt'), path.join(node, 'iptables-save.txt'));
    fs.writeFileSync(path.join(node, 'conntrack.txt'), CONNTRACK);
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', path.join(dir, 'p.db'), node], { cwd: root, stdio: 'ignore' });
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('lists the trace lines of the flow with their hooks and the captured rule each names', async ({ page }) => {
    serve = await startServe(path.join(dir, 'p.db'));
    await page.goto(new URL('#/flows/1', serve.url).toString());
    const table = page.getByTestId('flow-kernel-trace');
    await expect(table.locator('tbody tr')).toHaveCount(15);
    const dnat = table.locator('tbody tr').nth(2);
    await expect(dnat).toContainText('nat/KUBE-SVC rule 2');
    await expect(dnat).toContainText('-A KUBE-SVC -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.77.0.2:8080');
    await expect(dnat).toContainText('10.77.0.1:52156 → 10.96.0.10:80');
    await expect(table.locator('tbody tr').nth(4)).toContainText('LOG "nlkt-in:"');
    await expect(table.locator('tbody tr').nth(3)).toContainText('10.77.0.1:52156 → 10.77.0.2:8080');
  });
});

test.describe('a flow the kernel trace alone shows, in the flow view (web mode)', () => {
  let dir = '';
  let serve: ServeProcess | undefined;
  test.beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-ktrace-only-'));
    const node = path.join(dir, 's');
    fs.mkdirSync(node);
    // No conntrack entry and no packets: the trace alone makes the flow.
    fs.copyFileSync(path.join(FIXTURES, 'legacy-dmesg.txt'), path.join(node, 'dmesg.txt'));
    fs.copyFileSync(path.join(FIXTURES, 'legacy-iptables-save.txt'), path.join(node, 'iptables-save.txt'));
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', path.join(dir, 'p.db'), node], { cwd: root, stdio: 'ignore' });
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('draws the NAT picture from the trace: the DNAT at nat PREROUTING, with the trace line and the rule', async ({ page }) => {
    serve = await startServe(path.join(dir, 'p.db'));
    await page.goto(new URL('#/flows/1', serve.url).toString());
    const picture = page.getByTestId('nat-picture');
    const drawing = picture.getByRole('img');
    await expect(drawing).toHaveAttribute('aria-label', /^NAT timeline: 3 sightings across 3 points of the kernel's trace \(s · raw PREROUTING, s · nat PREROUTING, s · filter INPUT\)/);
    // The replay from the trace's first line joins below it, with nothing captured to compare.
    await expect(drawing).toHaveAttribute('aria-label', /1 predicted point, no captured packet to compare$/);
    await expect(drawing.locator('text.change')).toHaveText(['dst 10.96.0.10:80 → 10.77.0.2:8080']);
    await expect(drawing.locator('text.tuple', { hasText: 'dmesg.txt:4' })).toContainText('10.77.0.1:52156 → 10.77.0.2:8080');
    const hops = picture.getByTestId('nat-hop');
    await expect(hops).toHaveCount(3);
    await hops.nth(1).click();
    const detail = picture.getByTestId('nat-hop-detail');
    await expect(detail).toContainText('Hop 2 · s · nat PREROUTING · original');
    await expect(detail).toContainText('rewritten at nat PREROUTING by nat KUBE-SVC rule 2');
    await expect(detail.getByTestId('nat-hop-rule')).toContainText('DNAT on s → 10.77.0.2:8080');
    await expect(detail.locator('table.hop-packets tbody tr')).toHaveCount(2);
    await expect(detail.locator('table.hop-packets')).toContainText(`${path.join(dir, 's', 'dmesg.txt')}:3`);
  });
});
