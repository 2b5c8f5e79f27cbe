#!/usr/bin/env node
// node scripts/bench/web-api.mjs [--nodes N] [--services N] [--packets N] [--runs N] [--old BIN] [--bin BIN] [--keep DIR] [--only TEXT] [--markdown]
//
// natlens serve on a fleet project: NODES nodes (scripts/bench/cluster-project.mjs: addresses, the full mesh
// of routes, pods, cluster-wide kubectl) each with a kube-proxy dump of SERVICES services, and a pcap of
// PACKETS packets on the first node. For each of the heaviest routes (report, findings, the first flows page
// sorted by packets, topology summary, topology first page, a followed trace) a fresh server is started, the
// route asked for once, and 0.5 s later `GET /api/nodes` once: the route's wall time, the server's peak
// RSS (VmHWM of the whole process), the light request's latency and whether it came back before the route.
// With --old BIN (another build's bin/natlens) both builds run alternately on the same database and the
// medians of their per-pair ratios are given. Prints one JSON document; run.mjs renders it with webApiSection.
// --only TEXT measures only the routes whose name contains TEXT. The streamed report download (GET /api/report) is
// measured on an older build that has no such route (405) by its Reports tab's download then: POST /api/report.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeClusterProject, clusterNode } from './cluster-project.mjs';
import { writeKubeProxyDump } from './kube-proxy-dump.mjs';
import { writeSyntheticPcap } from './synthetic-pcap.mjs';
import { f0, f2, median } from './stats.mjs';
import { option } from './cli-args.mjs';
import './bench-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');


/** The routes measured: name, method, path, body. */
const ROUTES = [
  { name: 'report (html)', method: 'POST', path: '/api/report', body: { format: 'html' } },
  {
    name: 'report download (html, streamed)', method: 'GET', path: '/api/report?format=html',
    before: { method: 'POST', path: '/api/report', body: { format: 'html' } },
  },
  { name: 'findings', method: 'GET', path: '/api/findings' },
  { name: 'flows, first page by packets', method: 'POST', path: '/api/flows', body: { offset: 0, limit: 100, sort: { column: 'packets', direction: 'desc' } } },
  { name: 'topology summary', method: 'GET', path: '/api/topology/summary' },
  { name: 'topology (first page)', method: 'GET', path: '/api/topology' },
  {
    name: 'trace --follow', method: 'POST', path: '/api/trace',
    body: { node: clusterNode(0).name, proto: 'tcp', src: clusterNode(0).podIp(1), dst: '10.96.0.12', dport: 80, in: 'cbr0', local: false, follow: true },
  },
];

export function buildProject(bin, db, dir, { nodes, services, packets }) {
  const capture = path.join(dir, 'captures');
  writeClusterProject(capture, { nodes, podsPerNode: 25, services: 500 });
  let rules = 0;
  for (let i = 0; i < nodes; i++) {
    const dump = path.join(capture, clusterNode(i).name, 'iptables-save.txt');
    rules += writeKubeProxyDump(dump, services, 5);
    // Each node's dump its own content (a project stores identical content once).
    fs.appendFileSync(dump, `# ${clusterNode(i).name}\n`);
  }
  writeSyntheticPcap(path.join(capture, clusterNode(0).name, 'eth0.pcap'), packets);
  const r = spawnSync(bin, ['import', '--db', db, '--json', capture], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
  fs.rmSync(capture, { recursive: true, force: true });
  // Stitched once here, so every run measures the route, not the first stitching.
  const f = spawnSync(bin, ['findings', '--db', db, '--json'], { stdio: 'ignore' });
  if (f.status !== 0) throw new Error('natlens findings failed on the bench project');
  return rules;
}

function startServe(bin, db) {
  const child = spawn(bin, ['serve', '--db', db], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, url: new URL(out.split('\n')[0]) });
    });
    child.on('exit', (code) => reject(new Error(`natlens serve exited ${code}`)));
  });
}

function ask(url, route) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({
      host: '127.0.0.1', port: url.port, method: route.method, path: route.path,
      headers: { Authorization: `Bearer ${url.searchParams.get('token')}`, 'Content-Type': 'application/json', Origin: url.origin },
    }, (res) => {
      let bytes = 0;
      res.on('data', (c) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
    });
    req.on('error', reject);
    req.end(route.body === undefined ? undefined : JSON.stringify(route.body));
  });
}

/** Peak RSS of the server process (all its threads), MB. */
function peakRss(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : null;
}

/** CPU seconds the server process (all its threads) has used so far: utime + stime of /proc/PID/stat. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const LIGHT = { method: 'GET', path: '/api/nodes' };
const LIGHT_AFTER_MS = 500;

async function measureRoute(bin, db, route) {
  const { child, url } = await startServe(bin, db);
  try {
    // The first light request alone: what the node list costs on an idle server.
    const idle = await ask(url, LIGHT);
    const cpuBefore = cpuSeconds(child.pid);
    let done = false;
    const heavy = ask(url, route)
      .then((answer) => (answer.status === 405 && route.before !== undefined ? ask(url, route.before) : answer))
      .finally(() => (done = true));
    // One light request, LIGHT_AFTER_MS after the heavy one: both builds do the same work, and the answer
    // says whether the node list waits for the route (a request asked every 100 ms would load the machine
    // only where it is answered, and slow the route there).
    await new Promise((resolve) => setTimeout(resolve, LIGHT_AFTER_MS));
    const light = done ? [] : [(await ask(url, LIGHT)).seconds];
    const lightBeforeHeavy = light.length > 0 && !done;
    const answer = await heavy;
    if (answer.status !== 200) throw new Error(`${route.path} answered ${answer.status}`);
    return { seconds: answer.seconds, cpuSeconds: cpuSeconds(child.pid) - cpuBefore, bytes: answer.bytes, rssMb: peakRss(child.pid), idleLight: idle.seconds, light, lightBeforeHeavy };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
  }
}

export async function runWebApiBench({ nodes = 50, services = 500, packets = 200_000, runs = 3, old = null, keep = null, bin = path.join(root, 'bin', 'natlens'), only = null } = {}) {
  const bins = old ? [bin, old] : [bin];
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-web-api-'));
  fs.mkdirSync(dir, { recursive: true });
  const db = path.join(dir, 'fleet.db');
  try {
    const rulesFile = `${db}.rules`;
    let rules;
    if (fs.existsSync(db) && fs.existsSync(rulesFile)) rules = Number(fs.readFileSync(rulesFile, 'utf8'));
    else {
      fs.rmSync(db, { force: true });
      rules = buildProject(bin, db, dir, { nodes, services, packets });
      fs.writeFileSync(rulesFile, String(rules));
    }
    const load = os.loadavg();
    const results = [];
    for (const route of ROUTES.filter((r) => only === null || r.name.includes(only))) {
      const samples = bins.map(() => []);
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? bins.map((_, k) => k) : bins.map((_, k) => k).reverse();
        for (const k of order) samples[k].push(await measureRoute(bins[k], db, route));
      }
      const summary = (xs) => ({
        seconds: median(xs.map((x) => x.seconds)),
        cpuSeconds: median(xs.map((x) => x.cpuSeconds)),
        bytes: median(xs.map((x) => x.bytes)),
        rssMb: median(xs.map((x) => x.rssMb)),
        idleLight: median(xs.map((x) => x.idleLight)),
        // Per run the slowest light request made during the route; then the median over runs.
        lightMax: median(xs.map((x) => (x.light.length ? Math.max(...x.light) : null)).filter((v) => v !== null)),
        lightMedian: median(xs.flatMap((x) => x.light)),
        lightCount: xs.reduce((n, x) => n + x.light.length, 0),
        // Runs whose light request was answered while the route still computed.
        lightFirst: xs.filter((x) => x.lightBeforeHeavy).length,
      });
      const out = { route: route.name, now: summary(samples[0]) };
      if (bins.length > 1) {
        out.old = summary(samples[1]);
        const pair = (get) => median(samples[0].map((s, i) => {
          const a = get(s);
          const b = get(samples[1][i]);
          return a === null || b === null || b === 0 ? null : a / b;
        }).filter((v) => v !== null));
        out.ratio = {
          seconds: pair((s) => s.seconds),
          cpuSeconds: pair((s) => s.cpuSeconds),
          rssMb: pair((s) => s.rssMb),
          lightMax: pair((s) => (s.light.length ? Math.max(...s.light) : null)),
        };
      }
      process.stderr.write(`web-api: ${route.name}: ${JSON.stringify(out)}\n`);
      results.push(out);
    }
    return { load, loadAfter: os.loadavg(), nodes, services, rules, packets, runs, results };
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The Markdown section docs/benchmarks.md gets for a runWebApiBench result. */
export function webApiSection(r, title = '## Web API under load: the heaviest routes and a light request meanwhile') {
  const paired = r.results.some((x) => x.old);
  const head = paired
    ? ['| route | answer (KB) | wall (s) | peak RSS (MB) | /api/nodes meanwhile (s) | old wall (s) | old RSS (MB) | old /api/nodes meanwhile (s) | ratio wall / CPU / RSS / light |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |']
    : ['| route | answer (KB) | wall (s) | peak RSS (MB) | /api/nodes meanwhile (s) |', '| --- | ---: | ---: | ---: | ---: |'];
  const rows = r.results.map((x) => {
    const light = (v) => `${f2(v.lightMax)}${v.lightFirst < r.runs ? ` (first in ${v.lightFirst}/${r.runs})` : ''}`;
    if (!paired) return `| ${x.route} | ${f0(x.now.bytes / 1024)} | ${f2(x.now.seconds)} | ${f0(x.now.rssMb)} | ${light(x.now)} |`;
    return `| ${x.route} | ${f0(x.now.bytes / 1024)} | ${f2(x.now.seconds)} | ${f0(x.now.rssMb)} | ${light(x.now)} | ${f2(x.old.seconds)} | ${f0(x.old.rssMb)} | ${light(x.old)} | ${f2(x.ratio.seconds)} / ${f2(x.ratio.cpuSeconds)} / ${f2(x.ratio.rssMb)} / ${f2(x.ratio.lightMax)} |`;
  });
  return [
    title,
    '',
    `\`natlens serve\` on a ${r.nodes}-node project (${r.rules.toLocaleString('en-US')} rules: ${r.services} kube-proxy services per node; ${r.packets.toLocaleString('en-US')} packets, flows stitched beforehand),`,
    `a fresh server per run, median of ${r.runs} run${r.runs === 1 ? '' : 's'}; 0.5 s after the route, \`GET /api/nodes\` is asked once (alone on an idle server: ${f2(r.results[0]?.now.idleLight)} s; "first in n/N": runs where it came back before the route).`,
    `Peak RSS: VmHWM of the whole server process; CPU: the server process's from the route to its answer (all threads). Load average ${r.load.map((l) => l.toFixed(2)).join(', ')} at the start, ${r.loadAfter.map((l) => l.toFixed(2)).join(', ')} at the end.`,
    '',
    ...head,
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runWebApiBench({
    nodes: Number(option('nodes', 50)), services: Number(option('services', 500)), packets: Number(option('packets', 200_000)),
    runs: Number(option('runs', 3)), old: option('old', null), keep: option('keep', null), bin: option('bin', path.join(root, 'bin', 'natlens')),
    only: option('only', null),
  });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  if (process.argv.includes('--markdown')) process.stdout.write(`\n${webApiSection(r)}\n`);
}
