/**
 * The HTML report as a colleague opens it: Debian's Chromium loads the file, every section is there,
 * and nothing runs: the page holds no script, and its Content-Security-Policy blocks one even if a
 * capture's text got one into the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, expect as expectPage, type Browser } from '@playwright/test';
import type { Store } from '../model/store';
import { buildReport } from '../project/report';
import { renderReportHtml } from './report-html';
import { LAB_NODES, projectOf, tempDir, writeFindingsNode, writeOverlayNode } from './report.fixture';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report-html.browser.test: ${CHROMIUM} not installed; skipping the checks in the browser`);

let dir: string;
let lab: Store;
let edge: Store;
let browser: Browser | null = null;

beforeAll(async () => {
  dir = tempDir();
  lab = projectOf(dir, 'lab.db', [LAB_NODES]);
  edge = projectOf(dir, 'edge.db', [writeFindingsNode(dir)]);
  if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu'] });
});

afterAll(async () => {
  await browser?.close();
  lab.close();
  edge.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(file: string) {
  const page = await browser!.newPage();
  const console: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => console.push(m.text()));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  return { page, console, requests };
}

describe.skipIf(!hasChromium)('HTML report in Chromium', () => {
  it('shows every section, runs no script and loads nothing else', async () => {
    const traces = [{ node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: null, dst: '10.96.0.10', dport: 80, in: 'veth-a1', local: false, follow: true, snapshot: null, bridgeNetfilter: null }];
    const file = path.join(dir, 'lab.html');
    fs.writeFileSync(file, renderReportHtml(buildReport(lab, { traces })));
    const { page, console, requests } = await open(file);
    const h1 = await page.locator('h1').allTextContents();
    expect(h1).toEqual(['natlens report', 'Findings', 'Traces', 'Kubernetes services', 'NAT flows', 'Nodes', 'Captures']);
    const h2 = await page.locator('h2').allTextContents();
    expect(h2).toEqual(expect.arrayContaining(['Summary', 'Trace 1', 'Service default/hello', 'Hop timelines', 'Node nodea', 'Node nodeb']));
    expect(await page.locator('h3', { hasText: 'kube-proxy rules on nodea' }).count()).toBe(1);
    expect(await page.locator('td code', { hasText: '-j DNAT --to-destination 10.40.2.2:8080' }).count()).toBeGreaterThan(0);
    // The NAT flows drawn: one picture per flow seen at a capture point, the replay beside the first ones.
    expect(await page.locator('figure.nat-picture svg[role="img"]').count()).toBeGreaterThan(2);
    await expectPage(page.locator('figure.nat-picture svg').first()).toBeVisible();
    expect(await page.locator('figure.nat-picture text', { hasText: 'Replay predicts' }).count()).toBeGreaterThan(0);
    expect(await page.locator('script').count()).toBe(0);
    expect(console).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
    await page.close();
  });

  it('shows where each hop crossed a tunnel, in its table and its picture, and the overlay tunnels', async () => {
    const file = path.join(dir, 'overlay.html');
    const overlay = projectOf(dir, 'overlay.db', [writeOverlayNode(dir)]);
    try {
      fs.writeFileSync(file, renderReportHtml(buildReport(overlay)));
    } finally {
      overlay.close();
    }
    const { page, console } = await open(file);
    expect(await page.locator('h1').allTextContents()).toEqual(['natlens report', 'Findings', 'Kubernetes services', 'NAT flows', 'Overlay tunnels', 'Nodes', 'Captures']);
    await expectPage(page.locator('td', { hasText: 'in VXLAN 1 (192.168.77.1 → 192.168.77.2)' }).first()).toBeVisible();
    await expectPage(page.locator('figure.nat-picture text', { hasText: '· in VXLAN 1' }).first()).toBeVisible();
    expect(console).toEqual([]);
    await page.close();
  });

  it('keeps capture text as text, and its CSP would block a script that got in', async () => {
    const html = renderReportHtml(buildReport(edge));
    const file = path.join(dir, 'edge.html');
    // What an escaping bug would let through: the policy must still stop it.
    fs.writeFileSync(file, html.replace('</body>', '<script>console.log("script ran")</script></body>'));
    const { page, console } = await open(file);
    expect(await page.locator('h2', { hasText: 'Service default/<script>alert(1)</script>:http has no endpoints' }).count()).toBe(1);
    expect(await page.locator('pre', { hasText: '--comment "default/<script>alert(1)</script>:http has no endpoints"' }).count()).toBe(1);
    expect(console).not.toContain('script ran');
    expect(console.some((m) => /Content Security Policy/i.test(m))).toBe(true);
    await page.close();
  });
});
