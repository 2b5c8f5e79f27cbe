#!/usr/bin/env node
// node scripts/bench/ui-tabs.mjs [--nodes N --pods N --services N --packets N --flows N --runs N --write --screenshots --cluster-only]
//
// The UI at scale in web mode (Debian's Chromium through Playwright, `natlens serve`), on two generated
// projects: a cluster (cluster-project.mjs: 200 nodes × 25 pods, 500 services) and one node with a
// pcap of 1,000,000 packets over 100,000 connections (synthetic-pcap.mjs; its flows stitched before
// measuring, the stitching timed on its own). Measured per tab: navigation → the tab's content painted
// (its marker in the DOM, then two animation frames); tab switches in one page: click → painted; and
// the flows filter: Enter → the matching list painted. --write puts the section into docs/benchmarks.md;
// --screenshots saves every tab of the kernel lab and of the cluster into docs/screenshots/; --cluster-only measures
// the cluster alone and prints its figures as JSON (with each switch's main-thread busy time, CDP TaskDuration). Needs
// `npm run build` (out/renderer) and the CLI. `npm run bench` runs it when NATLENS_BENCH_UI=1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeClusterProject } from './cluster-project.mjs';
import { writeSyntheticPcap } from './synthetic-pcap.mjs';
import { replaceBenchSection } from './bench-doc.mjs';
import { launchChromium, natlens, numberOption, requireBuiltRenderer, serve } from './web-session.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HEADING = '## Session of 2026-12-07b: the UI at scale';
const TABS = ['nodes', 'findings', 'captures', 'topology', 'trace', 'flows', 'reports'];
/** Tabs whose first answer computes over every flow (findings, the report). */
const HEAVY = ['findings', 'reports'];
const TAB_LABELS = { nodes: 'Nodes', findings: 'Findings', captures: 'Captures', topology: 'Topology', trace: 'Trace', flows: 'Flows', reports: 'Reports' };

/** What shows a tab's content has arrived (any of them: an empty project says so instead). */
const PAINTED = {
  nodes: '[data-testid="node-card"], [data-testid="nodes-table"], .tab-content .empty',
  findings: '[data-testid="findings-summary"], [data-testid="findings-empty"], .tab-content .empty, .tab-content .banner-error',
  captures: '[data-testid="captures-table"], .tab-content .empty',
  topology: '[data-testid="topology-canvas"][data-ready]',
  trace: '[data-testid="trace-run"]',
  flows: '[data-testid="flows-summary"], .tab-content .empty',
  reports: '[data-testid="report-preview"], [data-testid="report-summary"], .tab-content .empty, .tab-content .banner-error',
};

/** Timed-out samples (-1) sort last, as the slowest. */
const median = (xs) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => (a < 0 ? Infinity : a) - (b < 0 ? Infinity : b));
  const m = sorted[Math.floor(sorted.length / 2)];
  return m < 0 ? Infinity : m;
};
const paint = (page, selector) => page.evaluate(PAINT_PROBE, [selector, LIMIT_MS]);
const since = (start, end) => (end < 0 ? -1 : end - start);

/** A tab not painted within this is recorded as timed out (and the bench goes on). */
const LIMIT_MS = 60_000;

/** In the page: resolves with performance.now() two frames after `selector` matches (the frame after it is painted); -1 past `limitMs`. */
const PAINT_PROBE = ([selector, limitMs]) =>
  new Promise((resolve) => {
    const limit = setTimeout(() => resolve(-1), limitMs);
    const done = () => {
      clearTimeout(limit);
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
    };
    if (document.querySelector(selector) !== null) return done();
    const watch = new MutationObserver(() => {
      if (document.querySelector(selector) === null) return;
      watch.disconnect();
      done();
    });
    watch.observe(document.documentElement, { childList: true, subtree: true, attributes: true });
  });

async function firstPaints(browser, server, runs, tabs = TABS) {
  const out = Object.fromEntries(tabs.map((t) => [t, []]));
  for (let i = 0; i < runs; i++) {
    for (const tab of tabs) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      await page.goto(`${server.url}#/${tab}`, { waitUntil: 'commit', timeout: 3 * LIMIT_MS });
      out[tab].push(await paint(page, PAINTED[tab]));
      await page.close();
    }
  }
  return out;
}

/**
 * One page: every tab opened once (so each switch is measured from another tab), then each switched to `runs` times.
 * `busy`, when given, collects each switch's main-thread busy time (CDP TaskDuration, ms): the page's CPU, which a
 * loaded machine stretches less than the wall time.
 */
async function tabSwitches(browser, server, runs, tabs = TABS, busy = null) {
  const out = Object.fromEntries(tabs.map((t) => [t, []]));
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const cdp = busy === null ? null : await page.context().newCDPSession(page);
  if (cdp !== null) await cdp.send('Performance.enable');
  const taskMs = async () => (cdp === null ? 0 : ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000);
  await page.goto(`${server.url}#/nodes`);
  await paint(page, PAINTED.nodes);
  for (let i = 0; i <= runs; i++) {
    for (const tab of [...tabs.slice(1), tabs[0]]) {
      const task0 = await taskMs();
      const start = await page.evaluate((label) => {
        const t0 = performance.now();
        [...document.querySelectorAll('[role="tab"]')].find((b) => b.textContent?.trim() === label)?.click();
        return t0;
      }, TAB_LABELS[tab]);
      const end = await paint(page, PAINTED[tab]);
      // The first round opens each tab's data for the first time in this page; it is not a switch's cost.
      if (i > 0) out[tab].push(since(start, end));
      if (i > 0 && busy !== null) (busy[tab] ??= []).push(Math.round((await taskMs()) - task0));
    }
  }
  await page.close();
  return out;
}

/** The cluster alone: tab switches (wall and main-thread busy ms) and the machine's load around them. */
export async function runClusterSwitches({ nodes = 200, pods = 25, services = 500, runs = 3 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-ui-bench-'));
  const browser = await launchChromium();
  try {
    writeClusterProject(path.join(dir, 'cluster'), { nodes, podsPerNode: pods, services });
    const clusterDb = path.join(dir, 'cluster.db');
    await natlens(['import', '--db', clusterDb, path.join(dir, 'cluster')]);
    const server = await serve(clusterDb);
    try {
      const load = [os.loadavg()[0]];
      const busy = {};
      const switches = await tabSwitches(browser, server, runs, TABS, busy);
      load.push(os.loadavg()[0]);
      return { nodes, pods, services, runs, load, switches, busy };
    } finally {
      await server.stop();
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function flowsFilter(browser, server, expressions, runs) {
  const out = [];
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${server.url}#/flows`);
  await paint(page, '[data-testid="flows-summary"]');
  const unfiltered = (await page.getByTestId('flows-summary').textContent()) ?? '';
  for (let i = 0; i < runs; i++) {
    for (const expression of expressions) {
      await page.getByTestId('flow-filter').fill(expression);
      const start = await page.evaluate(() => {
        const t0 = performance.now();
        document.querySelector('[data-testid="flow-filter"]').form.requestSubmit();
        return t0;
      });
      const end = await page.evaluate(
        ([expr, limitMs]) =>
          new Promise((resolve) => {
            setTimeout(() => resolve(-1), limitMs);
            const check = () => {
              const summary = document.querySelector('[data-testid="flows-summary"]');
              const input = document.querySelector('[data-testid="flow-filter"]');
              return summary !== null && /matching|No flow matches/.test(summary.textContent ?? '') && decodeURIComponent(location.hash).includes(expr) && input !== null;
            };
            const finish = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
            if (check()) return finish();
            const watch = new MutationObserver(() => {
              if (!check()) return;
              watch.disconnect();
              finish();
            });
            watch.observe(document.body, { childList: true, subtree: true, characterData: true });
          }),
        [expression, LIMIT_MS],
      );
      out.push({ expression, ms: since(start, end), summary: (await page.getByTestId('flows-summary').textContent()) ?? '' });
      // Back to the whole list, so each filter starts from it.
      await page.getByTestId('flow-filter').fill('');
      await page.getByTestId('flow-filter').press('Enter');
      await page.waitForFunction(() => !/matching/.test(document.querySelector('[data-testid="flows-summary"]')?.textContent ?? 'matching'), null, { timeout: 120_000 });
    }
  }
  await page.close();
  return { unfiltered, samples: out };
}

/** Every tab of a project, 1280×860, into docs/screenshots/<prefix>-<tab>.png; `extra` adds named views (a fragment each). */
async function screenshots(browser, server, prefix, extra) {
  const dir = path.join(root, 'docs', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const shots = [...TABS.map((t) => [t, `#/${t}`]), ...extra];
  for (const [name, fragment] of shots) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${server.url}${fragment}`);
    const tab = fragment.slice(2).split(/[/?]/)[0];
    await paint(page, PAINTED[tab]);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(dir, `${prefix}-${name}.png`) });
    await page.close();
  }
}

export async function runUiTabsBench({ nodes = 200, pods = 25, services = 500, packets = 1_000_000, flows = 100_000, runs = 3, shots = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-ui-bench-'));
  const browser = await launchChromium();
  const result = { nodes, pods, services, packets, flows, runs, load: [] };
  const sample = () => result.load.push(os.loadavg()[0]);
  try {
    process.stderr.write(`ui-tabs: generating and importing the ${nodes}-node cluster\n`);
    writeClusterProject(path.join(dir, 'cluster'), { nodes, podsPerNode: pods, services });
    const clusterDb = path.join(dir, 'cluster.db');
    await natlens(['import', '--db', clusterDb, path.join(dir, 'cluster')]);
    process.stderr.write(`ui-tabs: generating and importing ${packets.toLocaleString('en-US')} packets over ${flows.toLocaleString('en-US')} connections\n`);
    const pcap = path.join(dir, 'capture.pcap');
    writeSyntheticPcap(pcap, packets, { connections: flows });
    const pcapDb = path.join(dir, 'packets.db');
    result.pcapImportMs = await natlens(['import', '--db', pcapDb, '--node', 'pcap-node', pcap]);
    fs.rmSync(pcap);
    // The stitching, once, before the tabs are timed: `natlens flows` stitches and the filter matches nothing.
    result.stitchMs = await natlens(['flows', '--db', pcapDb, '--filter', 'host 192.0.2.1']);

    // The cluster: every tab, fresh pages and switches.
    {
      const server = await serve(clusterDb);
      try {
        process.stderr.write('ui-tabs: cluster: first paint of each tab\n');
        sample();
        result.cluster = { first: await firstPaints(browser, server, runs) };
        process.stderr.write('ui-tabs: cluster: tab switches\n');
        sample();
        result.cluster.switches = await tabSwitches(browser, server, runs);
        if (shots) {
          process.stderr.write('ui-tabs: cluster: screenshots\n');
          await screenshots(browser, server, 'cluster', [['node-opened', '#/nodes/node-007']]);
        }
      } finally {
        await server.stop();
      }
    }
    if (shots) {
      process.stderr.write('ui-tabs: lab: screenshots\n');
      const labDb = path.join(dir, 'lab.db');
      await natlens(['import', '--db', labDb, path.join(root, 'test', 'fixtures', 'lab', 'nodes')]);
      const server = await serve(labDb);
      try {
        await screenshots(browser, server, 'lab', [['node-opened', '#/nodes/nodea'], ['flow-opened', '#/flows/1'], ['trace-run', '#/trace?node=nodea&proto=tcp&src=10.40.1.3:40001&dst=10.96.0.10:80&in=cbr0']]);
      } finally {
        await server.stop();
      }
    }
    // The capture: Findings and Reports are the heaviest tabs (they read every flow); they run on the server's
    // worker pool, but to keep them from weighing on the other figures they are measured last, once.
    {
      const server = await serve(pcapDb);
      const light = TABS.filter((t) => !HEAVY.includes(t));
      try {
        process.stderr.write('ui-tabs: traffic: first paint of each tab\n');
        sample();
        result.traffic = { first: await firstPaints(browser, server, runs, light) };
        process.stderr.write('ui-tabs: traffic: tab switches\n');
        sample();
        result.traffic.switches = await tabSwitches(browser, server, runs, light);
        process.stderr.write('ui-tabs: traffic: flows filter\n');
        sample();
        result.filter = await flowsFilter(browser, server, ['host 10.244.200.7', 'host 10.96.0.10 and port 53', 'net 10.96.0.0/24 and not port 443'], runs);
        process.stderr.write('ui-tabs: traffic: first paint of Findings and Reports\n');
        sample();
        Object.assign(result.traffic.first, await firstPaints(browser, server, 1, HEAVY));
      } finally {
        await server.stop();
      }
    }
    return result;
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (x) => (Number.isNaN(x) ? 'n/a' : x === Infinity ? `> ${LIMIT_MS.toLocaleString('en-US')} (not painted)` : Math.round(x).toLocaleString('en-US'));
const verdict = (x, target) => (Number.isNaN(x) ? '' : x < target ? 'met' : '**missed**');

export function uiTabsSection(r) {
  const int = (n) => n.toLocaleString('en-US');
  const rows = TABS.map((tab) => {
    const c = median(r.cluster.first[tab]);
    const p = median(r.traffic.first[tab] ?? []);
    const cs = median(r.cluster.switches[tab]);
    const ps = median(r.traffic.switches[tab] ?? []);
    return `| ${TAB_LABELS[tab]} | ${ms(c)} | ${ms(p)} | ${ms(cs)} ${verdict(cs, 300)} | ${ms(ps)} ${verdict(ps, 300)} |`;
  });
  const byExpression = new Map();
  for (const s of r.filter.samples) byExpression.set(s.expression, [...(byExpression.get(s.expression) ?? []), s]);
  const filterRows = [...byExpression].map(([expression, samples]) => {
    const m = median(samples.map((s) => s.ms));
    return `| \`${expression}\` | ${samples[0].summary} | ${ms(m)} ${verdict(m, 500)} |`;
  });
  const loads = r.load.map((l) => l.toFixed(1)).join(', ');
  return [
    HEADING,
    '',
    `\`node scripts/bench/ui-tabs.mjs\` on ${new Date().toISOString().slice(0, 10)}, Debian's Chromium (headless, no GPU) at 1280×860 against`,
    `\`natlens serve\`, on two generated projects: **cluster**, ${r.nodes} nodes × ${r.pods} pods (${int(r.nodes * r.pods)} pods) and ${r.services} services`,
    `(cluster-project.mjs); **traffic**, one node with a pcap of ${int(r.packets)} packets over ${int(r.flows)} distinct connections`,
    `(synthetic-pcap.mjs: SYN scans, DNS, health checks and requests; imported, its flows stitched at import, in ${ms(r.pcapImportMs)} ms; \`natlens flows\` then read them in ${ms(r.stitchMs)} ms).`,
    `${r.runs === 1 ? 'One run' : `Medians of ${r.runs} runs`}, in ms. The machine is shared (${os.cpus().length} cores); its load (1-minute average) when each part started: ${loads}.`,
    'Every figure includes the server\'s answer: a tab is painted when its content is in the DOM and two frames have passed;',
    `one not painted within ${LIMIT_MS / 1000} s is recorded as such.`,
    '',
    '| tab | first paint, cluster | first paint, traffic | switch to it, cluster (target < 300) | switch to it, traffic (target < 300) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Flows filter over ${int(r.packets)} packets (${r.filter.unfiltered.trim()}): Enter in the filter box → the matching list painted (target < 500 ms).`,
    '',
    '| filter | answer | ms |',
    '| --- | --- | ---: |',
    ...filterRows,
    '',
    `On the capture, Findings and Reports read all ${int(r.flows)} flows (on the server's worker pool); they are measured once, last, and`,
    'not switched to ("n/a"). Topology interactive after its data arrives at 200 nodes: see "Topology at cluster scale" (scripts/bench/topology.mjs).',
    'Screenshots of every tab, on the kernel lab and on the 200-node cluster: docs/screenshots/ (`--screenshots`), shown in the README.',
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--cluster-only')) {
  requireBuiltRenderer();
  const result = await runClusterSwitches({ nodes: numberOption('nodes', 200), pods: numberOption('pods', 25), services: numberOption('services', 500), runs: numberOption('runs', 3) });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  requireBuiltRenderer();
  const result = await runUiTabsBench({
    nodes: numberOption('nodes', 200), pods: numberOption('pods', 25), services: numberOption('services', 500), packets: numberOption('packets', 1_000_000), flows: numberOption('flows', 100_000),
    runs: numberOption('runs', 3), shots: process.argv.includes('--screenshots'),
  });
  const section = uiTabsSection(result);
  process.stdout.write(`${section}\n`);
  if (process.argv.includes('--write')) {
    replaceBenchSection(HEADING, section);
    process.stderr.write('bench: wrote the UI section of docs/benchmarks.md\n');
  }
}
