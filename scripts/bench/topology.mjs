#!/usr/bin/env node
// node scripts/bench/topology.mjs [--nodes N --pods N --services N --runs N --write]
//
// Topology at cluster scale in web mode (Debian's Chromium through Playwright, `natlens serve`): a
// generated project (cluster-project.mjs: 200 nodes × 25 pods, 500 services, full mesh of routes) is
// imported, then measured: the size and time of GET /api/topology/summary (what the tab reads) against
// the whole GET /api/topology, time from the summary's arrival to the drawn graph being interactive
// (the canvas marks `data-ready` two frames after the elements are in), from navigation to
// interactive, and a search that opens a node and focuses a pod. Needs `npm run build` (out/renderer)
// and the CLI. --write puts the section into docs/benchmarks.md (replacing an earlier one).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeClusterProject } from './cluster-project.mjs';
import { replaceBenchSection } from './bench-doc.mjs';
import { launchChromium, natlens, numberOption, requireBuiltRenderer, serve } from './web-session.mjs';

const HEADING = '## Topology at cluster scale';

async function timedGet(url, token, route) {
  const start = performance.now();
  const res = await fetch(new URL(route, url), { headers: { Authorization: `Bearer ${token}` } });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - start, bytes: body.byteLength };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Records in the page when the canvas last marked itself ready (after each drawing). */
const READY_PROBE = () => {
  const watch = () => {
    const canvas = document.querySelector('[data-testid="topology-canvas"]');
    if (canvas === null) return false;
    new MutationObserver(() => {
      if (canvas.getAttribute('data-ready') !== null) window.__natlensReady = performance.now();
    }).observe(canvas, { attributes: true, attributeFilter: ['data-ready'] });
    return true;
  };
  const poll = new MutationObserver(() => watch() && poll.disconnect());
  document.addEventListener('DOMContentLoaded', () => watch() || poll.observe(document.body, { childList: true, subtree: true }));
};

export async function runTopologyBench({ nodes = 200, pods = 25, services = 500, runs = 3 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-topology-bench-'));
  const browser = await launchChromium();
  try {
    writeClusterProject(path.join(dir, 'captures'), { nodes, podsPerNode: pods, services });
    const db = path.join(dir, 'cluster.db');
    await natlens(['import', '--db', db, '--json', path.join(dir, 'captures')]);
    const server = await serve(db);
    const token = server.url.searchParams.get('token');
    const samples = { summary: [], full: [], afterData: [], fromNavigation: [], search: [], heapMb: [], elements: 0, summaryBytes: 0, fullBytes: 0 };
    try {
      for (let i = 0; i < runs; i++) {
        const s = await timedGet(server.url, token, '/api/topology/summary');
        const f = await timedGet(server.url, token, '/api/topology');
        samples.summary.push(s.ms);
        samples.full.push(f.ms);
        samples.summaryBytes = s.bytes;
        samples.fullBytes = f.bytes;

        const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
        await page.addInitScript(READY_PROBE);
        await page.goto(`${server.url}#/topology`);
        const canvas = page.getByTestId('topology-canvas');
        await canvas.and(page.locator('[data-ready]')).waitFor({ timeout: 120_000 });
        const t = await page.evaluate(() => {
          const entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/topology/summary'));
          return { ready: window.__natlensReady, dataAt: entry?.responseEnd ?? null, heap: performance.memory?.usedJSHeapSize ?? null };
        });
        if (t.dataAt === null || t.ready === undefined) throw new Error('the page did not record the summary response or its ready mark');
        samples.afterData.push(t.ready - t.dataAt);
        samples.fromNavigation.push(t.ready);
        if (t.heap !== null) samples.heapMb.push(t.heap / 1048576);
        samples.elements = Number(await canvas.getAttribute('data-ready'));

        await page.getByTestId('topology-search').fill('10.244.9.4');
        const before = await page.evaluate(() => window.__natlensReady);
        const start = await page.evaluate(() => {
          const t0 = performance.now();
          document.querySelector('form.topology-search button[type="submit"]').click();
          return t0;
        });
        await page.waitForFunction((prev) => window.__natlensReady !== prev && document.querySelector('[data-testid="topology-canvas"]')?.getAttribute('data-focused')?.startsWith('kpod|'), before, { timeout: 60_000 });
        const end = await page.evaluate(() => window.__natlensReady);
        samples.search.push(end - start);
        await page.close();
      }
    } finally {
      await server.stop();
    }
    return { nodes, pods, services, runs, ...samples };
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (x) => `${Math.round(x).toLocaleString('en-US')}`;
const mb = (bytes) => (bytes / 1048576).toFixed(2);

export function topologySection(r) {
  return [
    HEADING,
    '',
    `\`node scripts/bench/topology.mjs\` on ${new Date().toISOString().slice(0, 10)}: a generated project of ${r.nodes} nodes × ${r.pods} pods`,
    `(${(r.nodes * r.pods).toLocaleString('en-US')} pods), ${r.services} services in 20 namespaces, every node routing to every other's pod CIDR`,
    `(${(r.nodes * (r.nodes - 1)).toLocaleString('en-US')} routes), served by \`natlens serve\` and opened at \`#/topology\` in Debian's Chromium (headless, no GPU),`,
    `1280×860. Median of ${r.runs} fresh pages; the machine's load at the time: ${os.loadavg()[0].toFixed(1)} (1-minute average, ${os.cpus().length} cores).`,
    '',
    '| measure | value | target |',
    '| --- | ---: | ---: |',
    `| GET /api/topology/summary (what the tab reads) | ${mb(r.summaryBytes)} MB, ${ms(median(r.summary))} ms | - |`,
    `| GET /api/topology (whole, for comparison) | ${mb(r.fullBytes)} MB, ${ms(median(r.full))} ms | - |`,
    `| summary arrived → graph interactive (${r.elements} elements drawn) | ${ms(median(r.afterData))} ms | < 2,000 ms |`,
    `| navigation → graph interactive | ${ms(median(r.fromNavigation))} ms | - |`,
    `| search a pod's IP → its node opened (details fetched), pod focused | ${ms(median(r.search))} ms | - |`,
    `| JS heap after drawing | ${r.heapMb.length === 0 ? 'n/a' : `${median(r.heapMb).toFixed(0)} MB`} | - |`,
    '',
    'Before the overview (issue 14), the tab read the whole answer and drew every interface and a route edge per',
    'pair of nodes (~40,000 edges at 200 nodes): it had not drawn after 6 minutes, the tab at 1.6 GB. Now the',
    'full mesh is one overlay element, each node one box with its uplink and its bridge counted (ports, pods),',
    'services one box per namespace; a node or namespace opens on click or search, and only then are its',
    'details fetched (POST /api/topology/nodes). Times include the shared machine\'s load noted above.',
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  requireBuiltRenderer();
  const result = await runTopologyBench({ nodes: numberOption('nodes', 200), pods: numberOption('pods', 25), services: numberOption('services', 500), runs: numberOption('runs', 3) });
  const section = topologySection(result);
  process.stdout.write(`${section}\n`);
  if (process.argv.includes('--write')) {
    replaceBenchSection(HEADING, section);
    process.stderr.write('bench: wrote the topology section of docs/benchmarks.md\n');
  }
}
