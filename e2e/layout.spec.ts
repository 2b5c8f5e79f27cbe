/**
 * What an engineer meets at the two usual window sizes (1280×720, 1920×1080) on the kernel lab, the fault
 * lab and small projects of their own: list headers stand over their columns, short values (a time, a
 * badge, a header) are not cut short, a capture's interface control stays inside its row, lists, details
 * and the topology end inside the window; a node with routes alone reads in the singular, draws at a
 * readable size and says what its findings could not check; a conntrack-only flow says so; Escape backs
 * out of naming picked files' node; a finding's evidence links to its file's captures, wraps between
 * words and passes axe in both themes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { root } from './lab-session';
import { startServe, type ServeProcess } from './natlens-serve';

const natlens = path.join(root, 'bin', 'natlens');
const VIEWPORTS = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

/** Each header cell's left edge and the first body row's, per column: equal when the header stands over its column. */
async function columnEdges(grid: Locator): Promise<{ header: number[]; body: number[] }> {
  return grid.evaluate((el) => {
    const lefts = (row: Element | null): number[] => [...(row?.querySelectorAll(':scope > .vg-cell') ?? [])].map((c) => Math.round(c.getBoundingClientRect().left));
    return { header: lefts(el.querySelector('.vg-header')), body: lefts(el.querySelector('.vg-body .vg-row')) };
  });
}

/** The text of every cell of the given columns (0-based) whose content is wider than the cell shows. */
async function clippedCells(grid: Locator, columns: readonly number[], withHeader: boolean): Promise<string[]> {
  return grid.evaluate(
    (el, { columns, withHeader }) => {
      const rows = [...el.querySelectorAll(withHeader ? '.vg-row' : '.vg-body .vg-row')];
      const out: string[] = [];
      for (const row of rows) {
        const cells = row.querySelectorAll(':scope > .vg-cell');
        for (const i of columns) {
          const cell = cells[i] as HTMLElement | undefined;
          if (cell !== undefined && cell.scrollWidth > cell.clientWidth + 1) out.push(`${i}: ${cell.textContent ?? ''}`);
        }
      }
      return out;
    },
    { columns, withHeader },
  );
}

/** The tab's list and opened detail that end below the window (the page not scrolled). */
async function bottomsBelowWindow(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.tab-panel .virtual-grid, .tab-panel .split-detail, .tab-panel .topology-body')]
      .filter((e) => !e.closest('.split-detail') || e.classList.contains('split-detail'))
      .map((e) => ({ what: e.getAttribute('data-testid') ?? e.className, bottom: e.getBoundingClientRect().bottom }))
      .filter((e) => e.bottom > window.innerHeight)
      .map((e) => `${e.what} ends at ${Math.round(e.bottom)} of ${window.innerHeight}`),
  );
}

test.describe('layout at 1280×720 and 1920×1080 (web mode)', () => {
  let dir = '';
  let lab: ServeProcess;
  let faults: ServeProcess;
  test.beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-e2e-layout-'));
    execFileSync(natlens, ['import', '--db', path.join(dir, 'lab.db'), path.join(root, 'test', 'fixtures', 'lab', 'nodes')], { cwd: root, stdio: 'ignore' });
    execFileSync(natlens, ['import', '--db', path.join(dir, 'faults.db'), path.join(root, 'test', 'fixtures', 'lab-faults', 'no-endpoints')], { cwd: root, stdio: 'ignore' });
    lab = await startServe(path.join(dir, 'lab.db'));
    faults = await startServe(path.join(dir, 'faults.db'));
  });
  test.afterAll(async () => {
    expect(await lab.stop()).toBe(0);
    expect(await faults.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A project of one transcript file (`lines` joined), imported by the CLI and served. */
  async function serveTranscript(name: string, lines: readonly string[]): Promise<ServeProcess> {
    const file = path.join(dir, `${name}.txt`);
    fs.writeFileSync(file, lines.join('\n'));
    const db = path.join(dir, `${name}.db`);
    execFileSync(natlens, ['import', '--db', db, file], { cwd: root, stdio: 'ignore' });
    return startServe(db);
  }
  const open = (page: Page, serve: ServeProcess, fragment: string) => page.goto(`${serve.url.toString()}${fragment}`);

  for (const viewport of VIEWPORTS) {
    test(`${viewport.width}×${viewport.height}: list headers over their columns, short values whole, interface controls inside their rows`, async ({ page }) => {
      await page.setViewportSize(viewport);

      await open(page, lab, '#/flows');
      const flows = page.getByTestId('flows-table');
      await expect(flows.getByTestId('flow-row').first()).toContainText('DNAT');
      const flowEdges = await columnEdges(flows);
      expect(flowEdges.header).toEqual(flowEdges.body);
      // IPv4 tuples, NAT (two badges), first seen (a time to the microsecond), evidence (a badge), with their headers.
      expect(await clippedCells(flows, [2, 3, 6, 7], true)).toEqual([]);
      // Opened beside its flow, the list keeps its columns whole and scrolls sideways.
      await flows.getByTestId('flow-row').first().click();
      await expect(page.getByTestId('flow-detail')).toBeVisible();
      expect(await clippedCells(flows, [2, 3, 6, 7], true)).toEqual([]);
      // The list (its last rows, its sideways scrollbar) and the opened flow end inside the window, not below it.
      expect(await bottomsBelowWindow(page)).toEqual([]);

      await open(page, lab, '#/captures');
      const captures = page.getByTestId('captures-table');
      await expect(captures.getByTestId('capture-row').first()).toBeVisible();
      const capturesEdges = await columnEdges(captures);
      expect(capturesEdges.header).toEqual(capturesEdges.body);
      const outside = await captures.evaluate((el) =>
        [...el.querySelectorAll('.vg-body .vg-row')].flatMap((row) => {
          const r = row.getBoundingClientRect();
          return [...row.querySelectorAll('[data-testid="capture-interface"]')]
            .filter((c) => {
              const b = c.getBoundingClientRect();
              return b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5;
            })
            .map((c) => c.textContent ?? '');
        }),
      );
      expect(outside).toEqual([]);
      // A source too long for its cell shows its end, the file's name and line, and gives way at its start.
      const sourceEnd = await captures.locator('.vg-body .vg-row').first().locator('.vg-cell').nth(3).evaluate((cell) => {
        const text = cell.querySelector('span')?.firstChild;
        if (text === null || text === undefined || text.textContent === null) return null;
        const range = document.createRange();
        range.setStart(text, Math.max(0, text.textContent.length - 8));
        range.setEnd(text, text.textContent.length);
        const end = range.getBoundingClientRect();
        const box = cell.getBoundingClientRect();
        return { text: range.toString(), inside: end.left >= box.left && end.right <= box.right };
      });
      expect(sourceEnd).toEqual({ text: expect.stringMatching(/\.txt:\d+$|\.pcap$/), inside: true });
      // Guessed interfaces are offered to change in the row, their full note on hover.
      const guessed = captures.getByTestId('capture-row').filter({ hasText: 'cbr0.tcpdump.txt' }).first();
      await expect(guessed.getByTestId('capture-interface-label')).toHaveAttribute('title', 'cbr0 (guessed from the file name)');
      await expect(guessed.getByTestId('capture-interface-set')).toBeVisible();

      await open(page, lab, '#/nodes/nodea');
      const nodes = page.getByTestId('nodes-table');
      await expect(nodes.getByRole('row')).toHaveCount(3);
      expect(await bottomsBelowWindow(page)).toEqual([]);
      const nodesEdges = await columnEdges(nodes);
      expect(nodesEdges.header).toEqual(nodesEdges.body);
      expect(await clippedCells(nodes, [1, 2, 3], true)).toEqual([]);

      // The graph and its details panel, with a found service's line above them.
      await open(page, lab, '#/topology');
      await expect(page.getByTestId('topology-canvas')).toHaveAttribute('data-ready', /\d+/);
      await page.getByPlaceholder('IP, pod, service or node').fill('10.96.0.10');
      await page.getByRole('button', { name: 'Find' }).click();
      await expect(page.getByText('Found service default/hello (10.96.0.10).')).toBeVisible();
      expect(await bottomsBelowWindow(page)).toEqual([]);

      await open(page, faults, '#/findings');
      const findings = page.getByTestId('findings-table');
      await expect(findings.getByTestId('finding-row')).toHaveCount(1);
      expect(await bottomsBelowWindow(page)).toEqual([]);
      const findingsEdges = await columnEdges(findings);
      expect(findingsEdges.header).toEqual(findingsEdges.body);
    });
  }

  test('one node with nothing but ip route: counts in the singular, a readable topology, a trace whose long node name stays in its column, no "No flow matches"', async ({ page }) => {
    // A cloud node's name, as long as they come.
    const host = 'ip-10-0-12-34.eu-west-1.compute.internal';
    const serve = await serveTranscript('lonely', [
      `root@${host}:~# ip route`,
      'default via 192.168.1.1 dev eth0',
      '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.50',
      `root@${host}:~# `,
      '',
    ]);
    try {
      await open(page, serve, '#/nodes');
      await expect(page.locator('.project-bar .counts')).toHaveText('1 node · 1 capture');
      await expect(page.getByTestId('nodes-summary')).toHaveText('1 node');
      await open(page, serve, '#/captures');
      await expect(page.getByTestId('captures-summary')).toHaveText('1 capture');
      // "Nothing wrong found" over routes alone says what could not be checked.
      await open(page, serve, '#/findings');
      await expect(page.getByTestId('findings-empty')).toContainText('Nothing wrong or suspicious found in 1 node and 1 capture.');
      await expect(page.getByTestId('findings-unchecked')).toContainText('The captures hold no iptables rules, so no drop');
      // One node box fitted alone stays at a readable size, not the graph's 3× limit.
      await open(page, serve, '#/topology');
      const canvas = page.getByTestId('topology-canvas');
      await expect(canvas).toHaveAttribute('data-ready', /\d+/);
      expect(Number(await canvas.getAttribute('data-zoom'))).toBeLessThanOrEqual(1.25);
      await open(page, serve, `#/trace?node=${host}&proto=tcp&src=192.168.1.50&dst=192.168.1.9:80&local=1`);
      const hops = page.getByTestId('trace-outcome').first().locator('table.hops');
      await expect(hops).toContainText(host);
      const overflowing = await hops.evaluate((table) => [...table.querySelectorAll('td')].filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent ?? ''));
      expect(overflowing).toEqual([]);
      await open(page, serve, '#/flows');
      await expect(page.getByText('No flows yet.', { exact: false })).toBeVisible();
      await expect(page.getByTestId('flows-summary')).toHaveCount(0);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  test('an empty project: each tab says what to import, commands set as code, no stray backticks', async ({ page }) => {
    const serve = await startServe(path.join(dir, 'empty.db'));
    try {
      for (const tab of ['nodes', 'findings', 'captures', 'topology', 'trace', 'flows', 'reports']) {
        await open(page, serve, `#/${tab}`);
        const empty = page.locator('.tab-panel .empty').first();
        await expect(empty).toBeVisible();
        expect(await empty.innerText(), tab).not.toContain('`');
      }
      await open(page, serve, '#/flows');
      await expect(page.locator('.tab-panel .empty code')).toHaveText(['conntrack -L', 'natlens flows']);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  test("a finding's fix sets its commands as code, without the backticks it is written with for Markdown", async ({ page }) => {
    const serve = await serveTranscript('gw', [
      'root@gw:~# conntrack -L',
      'icmp     1 29 src=192.168.255.2 dst=8.8.8.8 type=8 code=0 id=7 [UNREPLIED] src=8.8.8.8 dst=192.168.255.2 type=0 code=0 id=7 mark=0 use=1',
      'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.',
      'root@gw:~# ',
      '',
    ]);
    try {
      await open(page, serve, '#/findings');
      const explanation = page.getByTestId('finding').locator('.finding-explanation');
      await expect(explanation).toContainText('Fix: masquerade traffic leaving the node (iptables -t nat -A POSTROUTING');
      await expect(explanation.locator('code')).toHaveText(['iptables -t nat -A POSTROUTING -s 192.168.255.2 -o <uplink> -j MASQUERADE', 'conntrack -D -s 192.168.255.2']);
      expect(await explanation.innerText()).not.toContain('`');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  test('a flow known from conntrack alone says no packet was captured instead of an empty hop table', async ({ page }) => {
    const serve = await serveTranscript('solo', [
      'root@solo:~# conntrack -L',
      'tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.96.0.10 sport=40000 dport=80 src=10.40.0.6 dst=10.0.0.1 sport=8080 dport=40000 [ASSURED] mark=0 use=1',
      'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.',
      'root@solo:~# ',
      '',
    ]);
    try {
      await open(page, serve, '#/flows/1');
      const detail = page.getByTestId('flow-detail');
      await expect(detail).toContainText('Flow 1 · TCP 10.0.0.1:40000 → 10.96.0.10:80');
      await expect(detail.getByTestId('flow-no-hops')).toHaveText('No packet of this flow was captured: the conntrack entry below is all that shows it.');
      await expect(detail.getByTestId('flow-hops')).toHaveCount(0);
      await expect(detail).toContainText('solo: ESTABLISHED 10.0.0.1:40000 → 10.96.0.10:80');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  test('Escape backs out of naming the node of picked files, importing nothing', async ({ page }) => {
    await open(page, lab, '#/captures');
    const before = await page.getByTestId('captures-summary').textContent();
    await page.getByTestId('file-input').setInputFiles(['ip-addr.txt', 'ip-route.txt'].map((f) => path.join(root, 'test', 'fixtures', 'lab', 'nodes', 'nodea', f)));
    await expect(page.getByTestId('import-node-name')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('import-name')).toHaveCount(0);
    await expect(page.getByTestId('import-result')).toHaveCount(0);
    await expect(page.getByTestId('captures-summary')).toHaveText(before ?? '');
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`a finding's badges and links read in ${colorScheme} (axe: no serious or critical violation)`, async ({ browser }) => {
      const context = await browser.newContext({ colorScheme });
      const page = await context.newPage();
      await open(page, faults, '#/findings');
      await expect(page.getByTestId('finding')).toBeVisible();
      const axe = await new AxeBuilder({ page }).include('.tab-panel').analyze();
      expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      await context.close();
    });
  }

  test("a finding's evidence links to the capture it cites", async ({ page }) => {
    await open(page, faults, '#/findings');
    const evidence = page.getByTestId('finding-evidence').getByRole('link').first();
    await expect(evidence).toHaveText(/lab-faults\/no-endpoints\/nodes\/nodea\/iptables-save\.txt:20$/);
    // The captured lines wrap between words: `--comment` or `REJECT` is never cut in two (a break after a word's own
    // hyphen, `--reject-` `with`, is the browser's and depends on where the checkout's path ends the line before).
    const brokenWords = await page.getByTestId('finding-evidence').evaluate((list) => {
      const out: string[] = [];
      for (const span of list.querySelectorAll('.evidence-text')) {
        const text = span.firstChild;
        if (text === null || text.textContent === null) continue;
        const re = /[^\s-]*-|[^\s-]+/g;
        for (let m = re.exec(text.textContent); m !== null; m = re.exec(text.textContent)) {
          const range = document.createRange();
          range.setStart(text, m.index);
          range.setEnd(text, m.index + m[0].length);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (lines.size > 1 && m[0].length < 40) out.push(m[0]);
        }
      }
      return out;
    });
    expect(brokenWords).toEqual([]);
    await evidence.click();
    await expect(page.getByRole('tab', { name: 'Captures' })).toHaveAttribute('aria-selected', 'true');
    const rows = page.getByTestId('captures-table').getByTestId('capture-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('lab-faults/no-endpoints/nodes/nodea/iptables-save.txt');
    await page.goBack();
    await expect(page.getByRole('tab', { name: 'Findings' })).toHaveAttribute('aria-selected', 'true');
    // A packet's evidence (`cbr0.pcap#4`, its frame) leads to that pcap.
    await page.getByTestId('finding-evidence').getByRole('link', { name: /nodea\/cbr0\.pcap#\d+$/ }).first().click();
    await expect(page.getByTestId('captures-table').getByTestId('capture-row')).toHaveCount(1);
    await expect(page.getByTestId('captures-table').getByTestId('capture-row').first()).toContainText('nodea/cbr0.pcap');
  });
});
