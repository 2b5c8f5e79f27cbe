/**
 * The topology overview on a generated 200-node cluster (25 pods per node, 500 services; every node
 * routes to every other's pod CIDR): it draws, becomes interactive, opens a node found by a pod's
 * address, and highlights a flow link's path. Timing lives in scripts/bench/topology.mjs, not here.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { labSession, renameNode } from './lab-session';
import { startServe, type ServeProcess } from './natlens-serve';

const root = path.resolve(__dirname, '..');

test.describe('topology at 200 nodes (web mode, generated cluster)', () => {
  // A 200-node project on a shared machine: generous waits, never timing asserts (the bench measures).
  test.describe.configure({ timeout: 180_000 });
  let dir = '';
  let serve: ServeProcess | undefined;
  const consoleErrors: string[] = [];

  test.beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-topology-'));
    execFileSync(process.execPath, [path.join(root, 'scripts', 'bench', 'cluster-project.mjs'), path.join(dir, 'captures'), '200', '25', '500'], { stdio: 'ignore' });
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', path.join(dir, 'cluster.db'), '--json', path.join(dir, 'captures')], { stdio: 'ignore', maxBuffer: 64 * 1024 * 1024 });
  });
  test.beforeEach(async ({ page }) => {
    serve = await startServe(path.join(dir, 'cluster.db'));
    consoleErrors.length = 0;
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && consoleErrors.push(`${r.status()} ${r.url()}`));
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
  });
  test.afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('draws 200 nodes as boxes with one overlay for the full mesh, and becomes interactive', async ({ page }) => {
    await page.goto(`${serve!.url.toString()}#/topology`);
    const canvas = page.getByTestId('topology-canvas');
    await expect(canvas).toHaveAttribute('data-ready', /\d+/, { timeout: 60_000 });
    await expect(page.getByTestId('topology-summary')).toContainText('200 nodes · 5,000 pods · 500 services in 20 namespaces · routes: full-mesh overlay');
    // 200 node boxes, each with its uplink and its bridge counted, 20 service groups, the overlay: far below 2,000.
    await expect(canvas).toHaveAttribute('data-drawn-nodes', '621');
    await expect(canvas).toHaveAttribute('data-drawn-edges', '0');

    // Interactive: a search for a pod's address opens its node and focuses the pod.
    await page.getByTestId('topology-search').fill('10.244.9.4');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(page.getByTestId('topology-hits')).toHaveText('Found pod team-02/app-009-02 (10.244.9.4 on node-009).');
    await expect(canvas).toHaveAttribute('data-focused', 'kpod|team-02/app-009-02');
    expect(Number(await canvas.getAttribute('data-drawn-nodes'))).toBeGreaterThan(621);

    // A service by name opens its namespace.
    await page.getByTestId('topology-search').fill('team-04/svc-024');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(canvas).toHaveAttribute('data-focused', 'svc|team-04/svc-024');
    await page.getByRole('button', { name: 'Fit' }).click();

    if (process.env.NATLENS_SCREENSHOT === '1') {
      await page.getByRole('button', { name: 'Collapse all' }).click();
      await page.getByRole('button', { name: 'Fit' }).click();
      await page.waitForTimeout(300);
      await page.locator('.topology').screenshot({ path: path.join(root, 'docs', 'topology-200.png') });
    }
    expect(consoleErrors).toEqual([]);
  });

  test('a topology link with a trace highlights its path across nodes', async ({ page }) => {
    const trace = encodeURIComponent('node=node-003&proto=tcp&src=10.244.3.2:40000&dst=10.244.7.5:8080&in=cbr0&follow=1');
    await page.goto(`${serve!.url.toString()}#/topology?trace=${trace}`);
    await expect(page.getByTestId('topology-path')).toContainText('across node-003 → node-007', { timeout: 60_000 });
    await expect(page.getByTestId('topology-canvas')).toHaveAttribute('data-focused', 'node|node-003 node|node-007');
    // The hop has its own edge: the full mesh is one overlay, not 39,800 edges.
    await expect(page.getByTestId('topology-canvas')).toHaveAttribute('data-drawn-edges', '1');
    expect(consoleErrors).toEqual([]);
  });

  test('a replayed trace links to its path on the topology', async ({ page }) => {
    await page.goto(`${serve!.url.toString()}#/trace?node=node-003&proto=tcp&src=10.244.3.2:40000&dst=10.244.7.5:8080&in=cbr0&follow=1`);
    await expect(page.getByTestId('trace-result')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('trace-on-topology').click();
    await expect(page.getByRole('tab', { name: 'Topology' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('topology-path')).toContainText('across node-003 → node-007', { timeout: 60_000 });
    await page.goBack();
    await expect(page.getByTestId('trace-result')).toBeVisible();
    expect(consoleErrors).toEqual([]);
  });
});

test.describe('topology paths on the kernel lab (web mode)', () => {
  const session = labSession('topology-path');

  test('a flow’s detail links to its path across the two nodes', async ({ page }) => {
    await page.goto(`${session.serve.url.toString()}#/flows/1`);
    await page.getByTestId('flow-on-topology').click();
    await expect(page.getByRole('tab', { name: 'Topology' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('topology-path')).toContainText(/^Highlighted: flow 1 across nodea → nodeb/);
    await expect(page.getByTestId('topology-canvas')).toHaveAttribute('data-focused', 'node|nodea node|nodeb');
    expect(session.consoleErrors).toEqual([]);
  });

  test('coming back to Topology reads nothing again and shows what was opened; an edit reads it again', async ({ page }) => {
    const summaries: string[] = [];
    page.on('request', (r) => new URL(r.url()).pathname === '/api/topology/summary' && summaries.push(r.url()));
    // The project as the import left it (the page reads it again after the import's answer): one revision from here.
    await expect(page.getByRole('article', { name: 'node nodeb' })).toBeVisible();
    await page.getByRole('tab', { name: 'Topology' }).click();
    const canvas = page.getByTestId('topology-canvas');
    await expect(canvas).toHaveAttribute('data-ready', /\d+/);
    await page.getByTestId('topology-search').fill('nodea');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(canvas).toHaveAttribute('data-focused', 'node|nodea');
    // The focus lands on nodea's box at once; its interfaces and pods are drawn when its details arrive.
    await expect(canvas).toHaveAttribute('data-loading-nodes', '0');
    const opened = await canvas.getAttribute('data-drawn-nodes');

    await page.getByRole('tab', { name: 'Nodes' }).click();
    await expect(canvas).toHaveCount(0);
    await page.getByRole('tab', { name: 'Topology' }).click();
    await expect(canvas).toHaveAttribute('data-ready', /\d+/);
    await expect(canvas).toHaveAttribute('data-drawn-nodes', opened!);
    expect(summaries).toHaveLength(1);

    // A rename moves the project's revision: the summary is read again and names the node anew.
    await renameNode(page, 'nodeb', 'worker-b');
    await page.getByRole('tab', { name: 'Topology' }).click();
    await page.getByTestId('topology-search').fill('worker-b');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(canvas).toHaveAttribute('data-focused', 'node|worker-b');
    expect(summaries).toHaveLength(2);
    expect(session.consoleErrors).toEqual([]);
  });
});

test.describe('topology: a pod’s veth pair (web mode)', () => {
  let dir = '';
  let serve: ServeProcess | undefined;
  const consoleErrors: string[] = [];
  const link = (index: number, name: string, peer: string): string[] => [
    `${index}: ${name}@${peer}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default`,
    `    link/ether 6a:1b:2c:3d:4e:${String(index).padStart(2, '0')} brd ff:ff:ff:ff:ff:ff link-netnsid 0`,
  ];

  test.beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-veth-'));
    // As `ip addr` prints a CNI pod's veth on the node: `link-netnsid 0` names no captured namespace; both ends' @ifN pair them.
    fs.writeFileSync(path.join(dir, 'node1.txt'), [
      'root@node1:~# ip addr',
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '5: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000',
      '    link/ether 6a:1b:2c:3d:4e:05 brd ff:ff:ff:ff:ff:ff',
      '    inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0',
      ...link(7, 'veth1a2b3c4d', 'if3'),
      'root@node1:~# ip netns exec cni-aaaa ip addr',
      '3: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default',
      '    link/ether 0a:58:0a:f4:01:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
      '    inet 10.244.1.5/24 brd 10.244.1.255 scope global eth0',
      '',
    ].join('\n'));
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', path.join(dir, 'veth.db'), path.join(dir, 'node1.txt')], { stdio: 'ignore' });
    // The pod replaced, and its new namespace captured too: its eth0 also has index 3 and names @if7.
    fs.writeFileSync(path.join(dir, 'node1-twice.txt'), [
      fs.readFileSync(path.join(dir, 'node1.txt'), 'utf8').trimEnd(),
      'root@node1:~# ip netns exec cni-bbbb ip addr',
      '3: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default',
      '    link/ether 0a:58:0a:f4:01:06 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
      '    inet 10.244.1.6/24 brd 10.244.1.255 scope global eth0',
      '',
    ].join('\n'));
    execFileSync(path.join(root, 'bin', 'natlens'), ['import', '--db', path.join(dir, 'veth-twice.db'), path.join(dir, 'node1-twice.txt')], { stdio: 'ignore' });
  });
  test.beforeEach(async ({ page }, info) => {
    serve = await startServe(path.join(dir, info.title.includes('two namespaces') ? 'veth-twice.db' : 'veth.db'));
    consoleErrors.length = 0;
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  });
  test.afterEach(async () => {
    expect(await serve!.stop()).toBe(0);
  });
  test.afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Where element `id` is drawn on the page (inside a node's box, an edge's midpoint), as cytoscape places it. */
  const placeOf = (page: Page, id: string): Promise<{ x: number; y: number }> =>
    page.evaluate((elementId) => {
      const box = document.querySelector('[data-testid="topology-canvas"] .topology-box') as (HTMLElement & { _cyreg?: { cy?: CyLike } }) | null;
      const element = box?._cyreg?.cy?.getElementById(elementId);
      if (box === null || element === undefined || element.empty()) throw new Error(`${elementId} is not drawn`);
      // A node is clicked left of its centre, where no edge leaving it from the centre passes.
      const at = element.isEdge() ? element.renderedMidpoint() : { x: element.renderedPosition().x - element.renderedWidth() / 4, y: element.renderedPosition().y };
      const r = box.getBoundingClientRect();
      return { x: r.left + at.x, y: r.top + at.y };
    }, id);

  test('draws the node’s veth joined to the pod’s eth0, and the details of each end name the other', async ({ page }) => {
    await page.goto(`${serve!.url.toString()}#/topology`);
    const canvas = page.getByTestId('topology-canvas');
    await expect(canvas).toHaveAttribute('data-ready', /\d+/);
    await page.getByTestId('topology-search').fill('node1');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(canvas).toHaveAttribute('data-focused', 'node|node1');
    await expect(canvas).toHaveAttribute('data-loading-nodes', '0');
    // The pair is the one edge: the namespace is tied to its node by it, not by an 'on' edge.
    await expect(canvas).toHaveAttribute('data-drawn-edges', '1');
    const details = page.getByTestId('topology-details');
    // The whole node, its namespace below it included, in view.
    await page.getByRole('button', { name: 'Fit' }).click();

    const veth = await placeOf(page, 'if|node1|veth1a2b3c4d');
    await page.mouse.click(veth.x, veth.y);
    await expect(details.getByRole('heading')).toHaveText('Interface veth1a2b3c4d on node1');
    await expect(details.locator('.detail-row', { hasText: 'Peer' })).toHaveText(/Peer\s*eth0 in cni-aaaa/);

    const eth0 = await placeOf(page, 'if|node1|ns:cni-aaaa|eth0');
    await page.mouse.click(eth0.x, eth0.y);
    await expect(details.getByRole('heading')).toHaveText('Interface eth0 on cni-aaaa');
    await expect(details.locator('.detail-row', { hasText: 'Peer' })).toHaveText(/Peer\s*veth1a2b3c4d on node1/);

    const pair = await placeOf(page, 'veth|if|node1|ns:cni-aaaa|eth0~if|node1|veth1a2b3c4d');
    await page.mouse.click(pair.x, pair.y);
    await expect(details.getByRole('heading')).toHaveText('veth pair veth1a2b3c4d ↔ eth0');
    await expect(details.locator('.detail-row', { hasText: 'Paired by' })).toHaveText(/both ends name each other’s interface index \(@ifN\)/);
    expect(consoleErrors).toEqual([]);
  });

  test('a veth two namespaces both name back names both, not an uncaptured peer', async ({ page }) => {
    await page.goto(`${serve!.url.toString()}#/topology`);
    const canvas = page.getByTestId('topology-canvas');
    await expect(canvas).toHaveAttribute('data-ready', /\d+/);
    await page.getByTestId('topology-search').fill('node1');
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(canvas).toHaveAttribute('data-focused', 'node|node1');
    await expect(canvas).toHaveAttribute('data-loading-nodes', '0');
    await page.getByRole('button', { name: 'Fit' }).click();
    const veth = await placeOf(page, 'if|node1|veth1a2b3c4d');
    await page.mouse.click(veth.x, veth.y);
    const details = page.getByTestId('topology-details');
    await expect(details.getByRole('heading')).toHaveText('Interface veth1a2b3c4d on node1');
    await expect(details.locator('.detail-row', { hasText: 'Peer' })).toHaveText(
      /Peer\s*if3: eth0 in cni-aaaa and eth0 in cni-bbbb both name it back \(a pod and its replacement\?\), so neither is taken for its pair/,
    );
    expect(consoleErrors).toEqual([]);
  });
});

/** What the spec asks of the cytoscape instance drawn in the page (read through the container, as cytoscape registers it). */
interface CyLike {
  getElementById(id: string): {
    empty(): boolean;
    isEdge(): boolean;
    renderedMidpoint(): { x: number; y: number };
    renderedPosition(): { x: number; y: number };
    renderedWidth(): number;
  };
}
