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
