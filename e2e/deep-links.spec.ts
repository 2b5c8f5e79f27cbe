/**
 * State in the URL (CONTRACT.md `## serve`), the Findings tab and the divergence view, in web mode on
 * the kernel lab's node folders plus two captures made after it: nodeb's ruleset with its FORWARD
 * policy turned to DROP, and a pod's SYNs to the service on nodea's cbr0 that nobody answered. The
 * lab's own flows crossed before the change (their replay now stops on nodeb while the captures show
 * them delivered); the unanswered one is the finding.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startServe, type ServeProcess } from './natlens-serve';

const root = path.resolve(__dirname, '..');
const labNodes = path.join(root, 'test', 'fixtures', 'lab', 'nodes');
const CLUSTER_IP_TRACE = '#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0';

function forwardDropTranscript(): string {
  const rules = fs.readFileSync(path.join(labNodes, 'nodeb', 'iptables-save.txt'), 'utf8');
  return `root@nodeb:~# iptables-save\n${rules.replace(/^:FORWARD ACCEPT /m, ':FORWARD DROP ')}root@nodeb:~# \n`;
}

/** Three SYNs (two retransmissions) from pod a2 to the ClusterIP, 40 s after the lab's captures, never answered. */
function unansweredSynTranscript(): string {
  const at = Date.parse('2026-11-23T22:44:30Z') / 1000;
  const syn = (dt: number) => `${at + dt}.100000 IP 10.40.1.3.40100 > 10.96.0.10.80: Flags [S], seq 1000, win 64240, options [mss 1460], length 0`;
  return ['root@nodea:~# tcpdump -ni cbr0 -tt tcp port 80', syn(0), syn(1), syn(3), 'root@nodea:~# ', ''].join('\n');
}

test.describe('deep links, findings and divergence (web mode, kernel lab)', () => {
  let dir = '';
  let serve: ServeProcess;
  const consoleErrors: string[] = [];
  const open = (page: Page, fragment: string) => page.goto(`${serve.url.toString()}${fragment}`);
  const fragment = (page: Page) => new URL(page.url()).hash;

  test.beforeEach(async ({ page }) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-links-'));
    const db = path.join(dir, 'lab.db');
    const drop = path.join(dir, 'nodeb-after.txt');
    const syn = path.join(dir, 'nodea-syn.txt');
    fs.writeFileSync(drop, forwardDropTranscript());
    fs.writeFileSync(syn, unansweredSynTranscript());
    const natlens = path.join(root, 'bin', 'natlens');
    execFileSync(natlens, ['import', '--db', db, labNodes], { cwd: root, stdio: 'ignore' });
    execFileSync(natlens, ['import', '--db', db, drop, syn], { cwd: root, stdio: 'ignore' });
    serve = await startServe(db);
    consoleErrors.length = 0;
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && consoleErrors.push(`${r.status()} ${r.url()}`));
  });
  test.afterEach(async () => {
    expect(await serve.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('#/flows/1 opens the flow with its divergence view; reload keeps it; back returns to the list', async ({ page }) => {
    await open(page, '#/flows');
    await expect(page.getByRole('tab', { name: 'Flows' })).toHaveAttribute('aria-selected', 'true');
    await page.getByTestId('flow-row').first().click();
    expect(fragment(page)).toBe('#/flows/1');
    const detail = page.getByTestId('flow-detail');
    await expect(detail).toContainText('Flow 1 · TCP 10.40.1.3:40001 → 10.96.0.10:80');

    // The replay stops at nodeb's FORWARD DROP; the capture shows the packet on nodeb's bridge.
    const divergence = page.getByTestId('flow-divergence');
    await expect(divergence.getByTestId('divergence-headline')).toContainText('First difference at nodeb cbr0');
    await expect(divergence.locator('tr.first-divergence')).toHaveCount(1);
    await expect(divergence.locator('tr.first-divergence')).toHaveAttribute('data-status', 'unpredicted');
    await expect(divergence.locator('tr[data-status="agree"]')).toHaveCount(3);
    await expect(divergence.getByTestId('divergence-rows')).toContainText('nodea · veth-a2 → eth0');
    await divergence.screenshot({ path: path.join(root, 'test-results', 'divergence.png') });

    await page.reload();
    expect(fragment(page)).toBe('#/flows/1');
    await expect(page.getByTestId('flow-detail')).toContainText('Flow 1 · TCP 10.40.1.3:40001 → 10.96.0.10:80');
    await expect(page.getByTestId('first-divergence')).toBeVisible();

    await page.goBack();
    expect(fragment(page)).toBe('#/flows');
    await expect(page.getByTestId('flow-detail')).toHaveCount(0);
    await expect(page.getByTestId('flows-table')).toBeVisible();
    expect(consoleErrors).toEqual([]);
  });

  test('a trace link fills the form and runs it; a new trace is a new history entry; back shows the first again', async ({ page }) => {
    await open(page, CLUSTER_IP_TRACE);
    await expect(page.getByRole('tab', { name: 'Trace' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('trace-src')).toHaveValue('10.40.1.3:40001');
    await expect(page.getByTestId('trace-in')).toHaveValue('cbr0');
    // A long choice is clipped in its box: the whole of it shows on hover.
    await expect(page.getByTestId('trace-node')).toHaveAttribute('title', 'nodea');
    await expect(page.getByTestId('trace-in')).toHaveAttribute('title', /^cbr0/);
    await expect(page.getByTestId('trace-snapshot')).toHaveAttribute('title', /\S/);
    await expect(page.getByTestId('trace-outcome')).toHaveCount(2);
    await expect(page.getByTestId('trace-result')).toContainText('nodea: tcp 10.40.1.3:40001 → 10.96.0.10:80 in cbr0');

    await page.reload();
    await expect(page.getByTestId('trace-dst')).toHaveValue('10.96.0.10:80');
    await expect(page.getByTestId('trace-outcome')).toHaveCount(2);

    await page.getByTestId('trace-src').fill('10.40.1.3:40009');
    await page.getByTestId('trace-follow').check();
    await page.getByTestId('trace-run').click();
    await expect(page.getByTestId('trace-result')).toContainText('10.40.1.3:40009');
    expect(fragment(page)).toBe('#/trace?node=nodea&proto=tcp&src=10.40.1.3:40009&dst=10.96.0.10:80&in=cbr0&follow=1');

    await page.goBack();
    expect(fragment(page)).toBe(CLUSTER_IP_TRACE);
    await expect(page.getByTestId('trace-src')).toHaveValue('10.40.1.3:40001');
    await expect(page.getByTestId('trace-follow')).not.toBeChecked();
    await expect(page.getByTestId('trace-result')).toContainText('nodea: tcp 10.40.1.3:40001 → 10.96.0.10:80 in cbr0');
    expect(consoleErrors).toEqual([]);
  });

  test('#/nodes/nodea shows that node alone; tabs and back move through the history', async ({ page }) => {
    await open(page, '#/nodes/nodea');
    await expect(page.getByTestId('node-card')).toHaveCount(1);
    await expect(page.getByTestId('node-card')).toHaveAttribute('aria-label', 'node nodea');
    await page.reload();
    await expect(page.getByTestId('node-card')).toHaveCount(1);

    await page.getByRole('tab', { name: 'Topology' }).click();
    expect(fragment(page)).toBe('#/topology');
    await page.goBack();
    expect(fragment(page)).toBe('#/nodes/nodea');
    await expect(page.getByRole('tab', { name: 'Nodes' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('node-card')).toHaveCount(1);

    await page.getByRole('link', { name: /All 2 nodes/ }).click();
    expect(fragment(page)).toBe('#/nodes');
    await expect(page.getByTestId('node-card')).toHaveCount(2);
    expect(consoleErrors).toEqual([]);
  });

  test('an unknown node, an unknown flow and a malformed link each say so', async ({ page }) => {
    await open(page, '#/nodes/ghost');
    await expect(page.getByTestId('node-missing')).toContainText('There is no node “ghost” in this project');
    await expect(page.getByTestId('node-missing').getByRole('link', { name: 'nodeb' })).toBeVisible();

    await open(page, '#/flows/999');
    await expect(page.getByTestId('flow-detail-error')).toContainText('Flow 999 cannot be shown: no flow 999 in this project');

    await open(page, '#/flows/abc');
    await expect(page.getByTestId('route-problem')).toContainText('"abc" is not a flow number');
    await expect(page.getByTestId('flows-table')).toBeVisible();

    await open(page, '#/trace?node=nodea&src=1.1.1.1&dst=2.2.2.2');
    await expect(page.getByTestId('route-problem')).toContainText('needs exactly one of in=IFACE and local=1');
    // The unknown flow's 404s are the answers expected here; nothing else failed.
    expect(consoleErrors.filter((e) => !/^404 .*\/api\/(flow|flow-divergence)$/.test(e))).toEqual([]);
  });

  test('#/findings lists the findings with their evidence; its flow and Replay links open the flow and the trace', async ({ page }) => {
    await open(page, '#/findings');
    await expect(page.getByRole('tab', { name: 'Findings' })).toHaveAttribute('aria-selected', 'true');
    // The list on the left, the chosen finding's card beside it.
    const row = page.getByTestId('finding-row').filter({ hasText: 'FORWARD policy DROP' });
    await row.click();
    const finding = page.getByTestId('finding').filter({ hasText: 'FORWARD policy DROP' });
    await expect(finding).toHaveCount(1);
    await expect(page.getByTestId('finding')).toHaveCount(1);
    await expect(page.getByRole('separator', { name: 'Resize the findings list' })).toBeVisible();
    await expect(finding.locator('.badge')).toHaveText('Error');
    const evidence = finding.getByTestId('finding-evidence');
    await expect(evidence).toContainText('nodeb-after.txt:5');
    await expect(evidence).toContainText(':FORWARD DROP [6:384]');
    await expect(evidence).toContainText('nodea-syn.txt:2');
    await expect(page.getByTestId('findings-summary')).toContainText(/^\d+ findings?: \d+ errors?/);
    await page.screenshot({ path: path.join(root, 'test-results', 'findings.png') });

    // Choosing a finding puts it in the link: a reload (or a pasted link) shows the same finding.
    const findingLink = fragment(page);
    expect(findingLink).toMatch(/^#\/findings\/packet-dropped:/);
    await page.reload();
    await expect(finding).toHaveCount(1);
    await expect(page.getByTestId('finding-missing')).toHaveCount(0);
    const flowLink = finding.getByTestId('finding-flow').first();
    const flowHref = (await flowLink.getAttribute('href')) ?? '';
    expect(flowHref).toMatch(/^#\/flows\/\d+$/);
    await flowLink.click();
    expect(fragment(page)).toBe(flowHref);
    await expect(page.getByTestId('flow-detail')).toContainText('TCP 10.40.1.3:40100 → 10.96.0.10:80');
    await expect(page.getByTestId('flow-divergence')).toContainText('Replayed from nodea, arriving on cbr0');

    await page.goBack();
    expect(fragment(page)).toBe(findingLink);
    await finding.getByTestId('finding-replay').click();
    expect(fragment(page)).toBe('#/trace?node=nodea&proto=tcp&src=10.40.1.3:40100&dst=10.96.0.10:80&in=cbr0&follow=1');
    await expect(page.getByTestId('trace-follow')).toBeChecked();
    await expect(page.getByTestId('trace-result')).toContainText('dropped');

    await page.goBack();
    await finding.getByRole('link', { name: 'nodeb', exact: true }).click();
    expect(fragment(page)).toBe('#/nodes/nodeb');
    await expect(page.getByTestId('node-card')).toHaveAttribute('aria-label', 'node nodeb');

    // A link to a finding the project no longer has says so and shows the most severe.
    await open(page, '#/findings/service-without-endpoints:gone%2Fweb:80');
    await expect(page.getByTestId('finding-missing')).toContainText('service-without-endpoints:gone/web:80');
    await expect(page.getByTestId('finding')).toHaveCount(1);
    expect(consoleErrors).toEqual([]);
  });
});
