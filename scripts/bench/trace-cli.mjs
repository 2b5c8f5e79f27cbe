#!/usr/bin/env node
// node scripts/bench/trace-cli.mjs [--runs N] [--fleet-nodes N] [--fleet-services N] [--old BIN] [--keep DIR]
//
// `natlens trace` as a user runs it, one process per trace, on two imported projects: one node of
// 170k rules (10,000 services × 5 endpoints) and a fleet (50 nodes of 2,000 services × 5 endpoints,
// ~34k rules each, 1.7M in all). Prints one JSON document: per project the median wall, CPU and peak
// RSS of RUNS traces, and the same one node with only its iptables-save dump (no addresses captured, so
// the trace asks which addresses are the node's own and infers them from the SNAT rules), and on the one node a packet
// to no service (a miss: the walk reads every rule of KUBE-SERVICES). With --old BIN
// (another build's bin/natlens, e.g. a worktree of main) the projects are imported by BIN, each build
// traces its own copy of them (a newer build migrates its copy on its untimed first run), the two
// builds run alternately and the medians of their per-pair ratios are given.
// Targets (issue 15): <= 0.3 s wall and <= 200 MB for one trace, independent of the other nodes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKubeProxyDump } from './kube-proxy-dump.mjs';
import { median } from './stats.mjs';
import { option } from './cli-args.mjs';
import './bench-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TIME = '/usr/bin/time';


/** One process: wall seconds, CPU seconds (user + system) and peak RSS in MB. */
function measure(argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-f', '%U %S %M', ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const last = (r.stderr ?? '').trim().split('\n').pop() ?? '';
  const [user, sys, kb] = last.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wall, cpu: user + sys, rssMb: kb / 1024 };
}

function nodeFiles(dir, name, index) {
  const own = `192.168.${index >> 8}.${10 + (index & 255)}`;
  fs.writeFileSync(path.join(dir, 'ip-addr.txt'), [
    '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP',
    `    link/ether 52:54:00:00:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')} brd ff:ff:ff:ff:ff:ff`,
    `    inet ${own}/16 scope global eth0`,
    '3: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP',
    '    link/ether 52:54:01:00:00:01 brd ff:ff:ff:ff:ff:ff',
    `    inet 10.40.${index}.1/24 scope global cni0`,
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'ip-route.txt'), `default via 192.168.0.1 dev eth0\n192.168.0.0/16 dev eth0 scope link src ${own}\n10.40.${index}.0/24 dev cni0 scope link\n`);
  return name;
}

/** Imports `nodes` nodes of `services` kube-proxy services each into `db` (one import call per node); `addresses` false: the dumps alone. */
function buildProject(bin, db, dir, nodes, services, addresses = true) {
  let rules = 0;
  for (let i = 0; i < nodes; i++) {
    const name = `node-${String(i).padStart(2, '0')}`;
    const nodeDir = path.join(dir, name);
    fs.mkdirSync(nodeDir, { recursive: true });
    const dump = path.join(nodeDir, 'iptables-save.txt');
    rules += writeKubeProxyDump(dump, services, 5);
    // Each node's dump its own content (a project stores identical content once).
    fs.appendFileSync(dump, `# ${name}\n`);
    if (addresses) nodeFiles(nodeDir, name, i);
    const r = spawnSync(bin, ['import', '--db', db, '--node', name, '--json', nodeDir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`import of ${name} failed: ${r.stderr}`);
    fs.rmSync(dump);
  }
  return rules;
}

/** The trace every run makes: a pod on node-00 to the 3rd service's cluster IP (or `dst`), followed onward. */
const traceArgs = (db, dst = '10.96.0.12:80') => ['trace', '--db', db, '--node', 'node-00', '--proto', 'tcp', '--src', '10.40.0.7', '--dst', dst, '--in', 'cni0', '--follow', '--json'];

/** `dbs[k]`: the project bins[k] traces (its own copy when builds differ); `dst` the packet's destination. */
function runProject(label, dbs, rules, nodes, bins, runs, dst = undefined) {
  // One untimed run each: the database file in the page cache for both (and migrated, for a newer build).
  bins.forEach((bin, k) => measure([bin, ...traceArgs(dbs[k], dst)]));
  const samples = bins.map(() => []);
  for (let i = 0; i < runs; i++) {
    // Alternate which build goes first, so neither always runs on the warmer machine.
    const order = i % 2 === 0 ? bins.map((_, k) => k) : bins.map((_, k) => k).reverse();
    for (const k of order) samples[k].push(measure([bins[k], ...traceArgs(dbs[k], dst)]));
  }
  const summary = (xs) => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)), rssMb: median(xs.map((x) => x.rssMb)) });
  const out = { label, rules, nodes, runs, now: summary(samples[0]) };
  if (bins.length > 1) {
    out.old = summary(samples[1]);
    const pairRatio = (key) => median(samples[0].map((s, i) => s[key] / samples[1][i][key]));
    out.ratio = { wall: pairRatio('wall'), cpu: pairRatio('cpu'), rssMb: pairRatio('rssMb') };
  }
  return out;
}

export function runTraceCliBench({ runs = 5, fleetNodes = 50, fleetServices = 2000, old = null, keep = null } = {}) {
  const bin = path.join(root, 'bin', 'natlens');
  const bins = old ? [bin, old] : [bin];
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-trace-cli-'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    const single = path.join(dir, 'single.db');
    const bare = path.join(dir, 'bare.db');
    const fleet = path.join(dir, 'fleet.db');
    // Imported by the older build when there are two: the newer one reads (and migrates) older projects.
    const importer = old ?? bin;
    // A kept folder (--keep) reuses the projects built by an earlier run; their rule counts are kept beside them.
    const project = (db, nodes, services, addresses = true) => {
      const count = `${db}.rules`;
      if (fs.existsSync(db) && fs.existsSync(count)) return Number(fs.readFileSync(count, 'utf8'));
      fs.rmSync(db, { force: true });
      const rules = buildProject(importer, db, path.join(dir, path.basename(db, '.db')), nodes, services, addresses);
      fs.writeFileSync(count, String(rules));
      return rules;
    };
    /** Each build's copy of `db`: the first build (this one) gets a fresh copy, made before any run. */
    const copies = (db) => {
      if (!old) return [db];
      const own = db.replace(/\.db$/, '.now.db');
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(own + suffix, { force: true });
      fs.copyFileSync(db, own);
      return [own, db];
    };
    const singleRules = project(single, 1, 10_000);
    const bareRules = project(bare, 1, 10_000, false);
    const fleetRules = project(fleet, fleetNodes, fleetServices);
    return {
      load: os.loadavg(),
      projects: [
        runProject('one node, 10,000 services', copies(single), singleRules, 1, bins, runs),
        runProject('one node, 10,000 services, no addresses captured', copies(bare), bareRules, 1, bins, runs),
        runProject(`${fleetNodes} nodes, ${fleetServices.toLocaleString('en-US')} services each`, copies(fleet), fleetRules, fleetNodes, bins, runs),
        // A destination no service has: the walk goes through every rule of KUBE-SERVICES.
        runProject('one node, 10,000 services, a miss (walks all of KUBE-SERVICES)', copies(single), singleRules, 1, bins, runs, '10.97.1.1:443'),
      ],
    };
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

const f2 = (n) => n.toFixed(2);

/** The Markdown section docs/benchmarks.md gets for a runTraceCliBench result. */
export function traceCliSection(r) {
  const paired = r.projects.some((p) => p.old);
  const head = paired
    ? ['| project | wall (s) | CPU (s) | peak RSS (MB) | old wall (s) | old CPU (s) | old RSS (MB) | ratio wall / CPU / RSS |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |']
    : ['| project | wall (s) | CPU (s) | peak RSS (MB) |', '| --- | ---: | ---: | ---: |'];
  const rows = r.projects.map((p) => {
    const now = `| ${p.label}${p.rules ? ` (${p.rules.toLocaleString('en-US')} rules)` : ''} | ${f2(p.now.wall)} | ${f2(p.now.cpu)} | ${Math.round(p.now.rssMb)} |`;
    return p.old ? `${now} ${f2(p.old.wall)} | ${f2(p.old.cpu)} | ${Math.round(p.old.rssMb)} | ${f2(p.ratio.wall)} / ${f2(p.ratio.cpu)} / ${f2(p.ratio.rssMb)} |` : now;
  });
  return [
    '## CLI trace',
    '',
    `\`natlens trace --follow\` from a pod on node-00 to a service, one process per trace, median of ${r.projects[0]?.runs ?? 0} runs`,
    `(load average ${r.load.map((l) => l.toFixed(2)).join(', ')} at the start). Target: <= 0.3 s wall and <= 200 MB, whatever the other nodes hold.`,
    '',
    ...head,
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = runTraceCliBench({
    runs: Number(option('runs', 5)),
    fleetNodes: Number(option('fleet-nodes', 50)),
    fleetServices: Number(option('fleet-services', 2000)),
    old: option('old', null),
    keep: option('keep', null),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stderr.write(`${traceCliSection(result)}\n`);
}
