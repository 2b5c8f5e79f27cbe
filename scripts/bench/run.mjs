#!/usr/bin/env node
// npm run bench [-- --services N --endpoints N --packets N --flow-packets N --runs N --keep --no-write --no-flows]
//
// Times `natlens import` on a kube-proxy-scale iptables-save dump and a large pcap against the
// tools users would otherwise reach for (iptables-restore --test in a fresh network namespace,
// tshark, tcpdump), then flow stitching (flows.mjs), prints the tables and writes them to docs/benchmarks.md.
// Targets: iptables-save import <= iptables-restore --test; pcap import <= 1/10 of tshark, < 300 MB RSS;
// stitching 1,000,000 packets of 10 interfaces in seconds with bounded memory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowsSection, runFlowsBench } from './flows.mjs';
import { runTraceBench, traceSection } from './trace.mjs';
import { writeKubeProxyDump } from './kube-proxy-dump.mjs';
import { writeSyntheticPcap } from './synthetic-pcap.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'natlens');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}
const SERVICES = option('services', 10_000);
const ENDPOINTS = option('endpoints', 5);
const PACKETS = option('packets', 1_000_000);
const RUNS = option('runs', 1);
const FLOW_PACKETS = option('flow-packets', 1_000_000);
const FLOWS = !process.argv.includes('--no-flows');
const KEEP = process.argv.includes('--keep');
const WRITE = !process.argv.includes('--no-write');

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Runs argv with stdin from `input` (a file or null) and stdout discarded; returns wall seconds,
 * peak RSS in MB (from /usr/bin/time -v when present) and the exit status.
 */
function measure(argv, { input = null } = {}) {
  const full = TIME ? [TIME, '-v', ...argv] : argv;
  const stdin = input ? fs.openSync(input, 'r') : 'ignore';
  const start = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { stdio: [stdin, 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (typeof stdin === 'number') fs.closeSync(stdin);
  const stderr = r.stderr ?? '';
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  const status = r.status ?? -1;
  if (status !== 0) process.stderr.write(`bench: ${argv.join(' ')} exited ${status}\n${stderr.split('\n').slice(0, 8).join('\n')}\n`);
  return { wall, cpu: user && sys ? Number(user[1]) + Number(sys[1]) : null, rssMb: rss ? Number(rss[1]) / 1024 : null, status };
}

/** Best (lowest wall) of RUNS runs: the machine may be shared, and noise only ever adds time. */
function best(argv, options = {}, before = () => undefined) {
  let result = null;
  for (let i = 0; i < RUNS; i++) {
    before();
    const r = measure(argv, options);
    if (result === null || r.wall < result.wall) result = r;
  }
  return result;
}

const mb = (bytes) => bytes / 1048576;
const fmt = (n, digits = 2) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
const int = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  if (!fs.existsSync(path.join(root, 'out', 'cli', 'natlens.cjs'))) {
    spawnSync(process.execPath, [path.join(root, 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-bench-'));
  const rows = [];
  const notes = [];
  try {
    process.stderr.write(`bench: generating ${int(SERVICES)} services x ${ENDPOINTS} endpoints and ${int(PACKETS)} packets in ${dir}\n`);
    const dump = path.join(dir, 'kube-proxy.iptables-save');
    const rules = writeKubeProxyDump(dump, SERVICES, ENDPOINTS);
    const dumpBytes = fs.statSync(dump).size;
    const pcap = path.join(dir, 'big.pcap');
    const pcapBytes = writeSyntheticPcap(pcap, PACKETS);

    // --- iptables-save ---------------------------------------------------------------------
    const dbRules = path.join(dir, 'rules.db');
    const fresh = (db) => () => {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });
    };
    const importRules = best([process.execPath, bin, 'import', '--db', dbRules, '--node', 'bench', '--json', dump], {}, fresh(dbRules));
    rows.push({ step: 'natlens import (iptables-save)', input: `${int(rules)} rules, ${fmt(mb(dumpBytes), 1)} MB`, ...importRules,
      rate: `${int(rules / importRules.wall)} rules/s, ${fmt(mb(dumpBytes) / importRules.wall, 1)} MB/s` });

    let restore = null;
    if (which('ip') && which('iptables-restore')) {
      const ns = `natlens-bench-${process.pid}`;
      const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
      if (add.status === 0) {
        try {
          restore = best(['ip', 'netns', 'exec', ns, 'iptables-restore', '--test'], { input: dump });
          rows.push({ step: 'iptables-restore --test (fresh netns)', input: 'same dump', ...restore,
            rate: `${int(rules / restore.wall)} rules/s` });
        } finally {
          spawnSync('ip', ['netns', 'del', ns]);
        }
      } else {
        notes.push(`iptables-restore --test skipped: \`ip netns add\` failed (${(add.stderr || '').trim()})`);
      }
    } else notes.push('iptables-restore --test skipped: ip or iptables-restore not installed');

    // --- pcap --------------------------------------------------------------------------------
    const dbPackets = path.join(dir, 'packets.db');
    const importPcap = best([process.execPath, bin, 'import', '--db', dbPackets, '--node', 'bench', '--json', pcap], {}, fresh(dbPackets));
    rows.push({ step: 'natlens import (pcap)', input: `${int(PACKETS)} packets, ${fmt(mb(pcapBytes), 1)} MB`, ...importPcap,
      rate: `${int(PACKETS / importPcap.wall)} packets/s, ${fmt(mb(pcapBytes) / importPcap.wall, 1)} MB/s` });

    let tshark = null;
    if (which('tshark')) {
      tshark = best(['tshark', '-r', pcap, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport']);
      rows.push({ step: 'tshark -T fields (4 fields)', input: 'same pcap', ...tshark, rate: `${int(PACKETS / tshark.wall)} packets/s` });
    } else notes.push('tshark not installed');
    if (which('tcpdump')) {
      const tcpdump = best(['tcpdump', '-r', pcap, '-w', '/dev/null']);
      rows.push({ step: 'tcpdump -r -w /dev/null', input: 'same pcap', ...tcpdump, rate: `${int(PACKETS / tcpdump.wall)} packets/s` });
    } else notes.push('tcpdump not installed');

    const ratio = (a, b, key) => (b && a[key] !== null && b[key] ? a[key] / b[key] : null);
    const ratios = [
      ['natlens iptables-save import / iptables-restore --test (wall)', ratio(importRules, restore, 'wall'), '<= 1'],
      ['natlens iptables-save import / iptables-restore --test (CPU)', ratio(importRules, restore, 'cpu'), '<= 1'],
      ['natlens pcap import / tshark (wall)', ratio(importPcap, tshark, 'wall'), '<= 0.1'],
      ['natlens pcap import / tshark (CPU)', ratio(importPcap, tshark, 'cpu'), '<= 0.1'],
      ['natlens pcap import peak RSS (MB)', importPcap.rssMb, '< 300'],
      ['natlens iptables-save import peak RSS (MB)', importRules.rssMb, '-'],
    ];
    let table = render(rows, ratios, notes);
    process.stderr.write('bench: tracing 10,000 random packets through the same kube-proxy dump (scripts/bench/trace.mjs)\n');
    table = `${table.trimEnd()}\n\n${traceSection(await runTraceBench(dump, 10_000))}`;
    if (FLOWS) {
      process.stderr.write(`bench: stitching ${int(FLOW_PACKETS)} packets (scripts/bench/flows.mjs)\n`);
      table = `${table.trimEnd()}\n\n${flowsSection(await runFlowsBench({ packets: FLOW_PACKETS, keep: KEEP }))}`;
    }
    process.stdout.write(`${table}\n`);
    if (WRITE) {
      fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
      fs.writeFileSync(path.join(root, 'docs', 'benchmarks.md'), table);
      process.stderr.write('bench: wrote docs/benchmarks.md\n');
    }
    const failed = rows.filter((r) => r.status !== 0);
    process.exitCode = failed.length > 0 ? 1 : 0;
  } finally {
    if (KEEP) process.stderr.write(`bench: kept ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the time went when the harness was written (CPU profiles of the import, 2-core shared VM). */
const ANALYSIS = [
  '## Where the time goes (profiled 2026-11-23)',
  '',
  '- iptables-save, 170k rules, ~4.5-5 s CPU (was ~5-6 s): `parseIptablesSave` ~1.4-1.9 s (most of it',
  '  allocating and garbage-collecting the ~80 MB ruleset: 480 bytes a rule, was 720, with equal',
  '  jump/protocol/comment records shared), storing rules ~1.5 s (each row keeps the rule text and its',
  '  parsed matches and target as JSON, so the simulator reads them back without reparsing; shared',
  '  records are serialised once), kube-proxy service extraction and its rows ~0.5 s, commit ~0.1 s,',
  '  splitting ~0.02 s (was ~0.5 s: a one-capture file is recognised with whole-text scans), hashing',
  '  ~0.03 s (was 2 x 0.2 s: one pass over the bytes). `iptables-restore --test` takes ~2.1-3.0 s here.',
  '  Storing the rule text alone and reparsing it on read measured 3.35 s wall (ratio 1.43); it was',
  '  undone because the model must hold parsed rules. What remains is the per-rule cost of building 170k',
  '  rule records and writing 170k rows with their JSON: the target (ratio <= 1) is not met yet.',
  '  Tried 2026-11-24 and undone: streaming the dump into the store (each chain one row holding its rules',
  '  as one JSON array, kube-proxy services gathered from a few fields per rule, nothing held whole)',
  '  measured 4.3 s / 450 MB against 4.2 s / 375 MB for the per-rule table on the same dump, same',
  '  machine, alternating runs: SQLite time follows the bytes written (~80 MB either way), not the row',
  '  count, and the young-generation garbage of 170k rules costs the same whether or not the ruleset is',
  '  kept. Parsing alone into a no-op sink is ~1.1-1.5 s of the 2.2 s iptables-restore takes, so the',
  '  remaining way to the target is to overlap parsing with writing (a reader thread handing rows to the',
  '  writing one) and to write fewer bytes per rule.',
  '- pcap, 1M packets, ~1.6 s CPU (was ~3.5 s with one SQLite row per packet): the reader decodes in',
  '  ~0.5 s; packets are stored 4096 to a `packet_blocks` row as 64-byte fixed-width records (one INSERT',
  '  per block, ~0.3 s for the 64 MB), each distinct 5-tuple is one `packet_tuples` row with its packet',
  '  count and frame range (~0.2 s to find it per packet), and the commit writes the pages twice (WAL,',
  '  then the checkpoint: most of the ~0.5 s system time). tshark is ~20 s here, so 1/10 means ~2 s.',
];

function render(rows, ratios, notes) {
  const cpu = os.cpus();
  const lines = [
    '# natlens benchmarks',
    '',
    `Generated by \`npm run bench\` (scripts/bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}:`,
    `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, ${os.type()} ${os.release()}.`,
    `Inputs: a kube-proxy-shaped iptables-save dump (${int(SERVICES)} services × ${ENDPOINTS} endpoints) and a`,
    `${int(PACKETS)}-packet Ethernet/IPv4/TCP pcap, both generated into a temporary folder. Wall time`,
    'includes process start-up; CPU (user + system) and peak RSS come from `/usr/bin/time -v`. Each natlens',
    `import writes a fresh database. Best of ${RUNS} run${RUNS === 1 ? '' : 's'} per step (\`--runs N\`).`,
    '',
    '| step | input | wall (s) | CPU (s) | peak RSS (MB) | throughput (wall) | exit |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: |',
    ...rows.map((r) => `| ${r.step} | ${r.input} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${fmt(r.rssMb, 0)} | ${r.rate} | ${r.status} |`),
    '',
    '| ratio | value | target |',
    '| --- | ---: | ---: |',
    ...ratios.map(([name, value, target]) => `| ${name} | ${fmt(value)} | ${target} |`),
    '',
  ];
  if (notes.length) lines.push(...notes.map((n) => `- ${n}`), '');
  lines.push(...ANALYSIS, '');
  return lines.join('\n');
}

await main();
