#!/usr/bin/env node
// npm run bench [-- --large-pcap --services N --endpoints N --flat-rules N --packets N --flow-packets N --runs N --keep --no-write --no-flows --no-topology --no-web-api --no-report-nodes]
// NATLENS_BENCH_UI=1 also measures every tab of the UI in Chromium on a 200-node cluster and a 1M-packet capture (ui-tabs.mjs).
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
import { runTopologyBench, topologySection } from './topology.mjs';
import { runUiTabsBench, uiTabsSection } from './ui-tabs.mjs';
import { runTraceCliBench, traceCliSection } from './trace-cli.mjs';
import { runWebApiBench, webApiSection } from './web-api.mjs';
import { reportNodesSection, runReportNodesBench } from './report-nodes.mjs';
import { writeKubeProxyDump } from './kube-proxy-dump.mjs';
import { dbSizeSection, runDbSizeBench } from './db-size.mjs';
import { kindSizesSection, runKindSizes } from './db-size-kinds.mjs';
import { writeFlatDump } from './flat-dump.mjs';
import { writeSyntheticPcap } from './synthetic-pcap.mjs';
import { pcapSection, runPcapBench } from './pcap.mjs';
import { runStartupBench, startupSection } from './startup.mjs';
import { median } from './stats.mjs';
import { extraCaCerts } from './bench-env.mjs';

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
const TOPOLOGY = !process.argv.includes('--no-topology');
const WEB_API = !process.argv.includes('--no-web-api');
const REPORT_NODES = !process.argv.includes('--no-report-nodes');
const FLAT_RULES = option('flat-rules', 1_000_000);
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
const pairSpread = (xs) => (xs.length === 0 ? 'none' : `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`);
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
    const pcap = path.join(dir, 'big.pcap');
    const pcapBytes = writeSyntheticPcap(pcap, PACKETS);
    const dumps = [
      { name: 'kube-proxy', label: '', write: (f) => writeKubeProxyDump(f, SERVICES, ENDPOINTS) },
      { name: 'kube-proxy-twice', label: ', twice the size', write: (f) => writeKubeProxyDump(f, 2 * SERVICES, ENDPOINTS) },
      { name: 'kube-proxy-4x', label: ', four times the size', write: (f) => writeKubeProxyDump(f, 4 * SERVICES, ENDPOINTS) },
      { name: 'flat', label: ', flat: one chain', write: (f) => writeFlatDump(f, FLAT_RULES) },
    ].map((d) => {
      const file = path.join(dir, `${d.name}.iptables-save`);
      return { ...d, file, rules: d.write(file), bytes: fs.statSync(file).size };
    });
    // The inputs just written are still being flushed to disk: measuring now would charge whoever runs first.
    spawnSync('sync');
    const fresh = (db) => () => {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });
    };

    // --- iptables-save: natlens and iptables-restore alternate, so the machine's phases fall on both ------
    const ns = `natlens-bench-${process.pid}`;
    const restoreAvailable = which('ip') && which('iptables-restore');
    const netns = restoreAvailable ? spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' }) : null;
    if (!restoreAvailable) notes.push('iptables-restore --test skipped: ip or iptables-restore not installed');
    else if (netns.status !== 0) notes.push(`iptables-restore --test skipped: \`ip netns add\` failed (${(netns.stderr || '').trim()})`);
    const withRestore = netns !== null && netns.status === 0;
    const measured = {};
    try {
      for (const d of dumps) {
        const db = path.join(dir, `${d.name}.db`);
        let natlens = null;
        let restore = null;
        // natlens / restore of each alternating pair: their median holds when the machine's speed drifts.
        const pairs = [];
        const cpuPairs = [];
        let dbBytes = 0;
        for (let i = 0; i < RUNS; i++) {
          fresh(db)();
          const n = measure([process.execPath, bin, 'import', '--db', db, '--node', 'bench', '--json', d.file]);
          if (natlens === null || n.wall < natlens.wall) natlens = n;
          dbBytes = fs.statSync(db).size;
          if (!withRestore) continue;
          const r = measure(['ip', 'netns', 'exec', ns, 'iptables-restore', '--test'], { input: d.file });
          if (restore === null || r.wall < restore.wall) restore = r;
          pairs.push(n.wall / r.wall);
          if (n.cpu !== null && r.cpu) cpuPairs.push(n.cpu / r.cpu);
        }
        rows.push({ step: `natlens import (iptables-save${d.label})`, input: `${int(d.rules)} rules, ${fmt(mb(d.bytes), 1)} MB`, ...natlens,
          rate: `${int(d.rules / natlens.wall)} rules/s, ${fmt(mb(d.bytes) / natlens.wall, 1)} MB/s` });
        if (restore !== null) {
          rows.push({ step: `iptables-restore --test (fresh netns${d.label})`, input: 'same dump', ...restore, rate: `${int(d.rules / restore.wall)} rules/s` });
        }
        measured[d.name] = { natlens, restore, pairs, cpuPairs, dbBytes, bytes: d.bytes };
      }
    } finally {
      if (withRestore) spawnSync('ip', ['netns', 'del', ns]);
    }
    const dump = dumps[0].file;
    const { natlens: importRules, restore, pairs } = measured['kube-proxy'];
    const { natlens: importDouble, restore: restoreDouble } = measured['kube-proxy-twice'];
    const { natlens: importFlat, restore: restoreFlat } = measured.flat;
    // Paired ratios (wall, CPU) and project bytes per dump byte, per kube-proxy size: the targets are <= 0.5 and <= 1.
    const scaleRatios = ['kube-proxy', 'kube-proxy-twice', 'kube-proxy-4x'].flatMap((name) => {
      const m = measured[name];
      const label = `${int(m.natlens ? dumps.find((d) => d.name === name).rules : 0)} rules`;
      return [
        [`import / restore --test, ${label}, median of ${m.pairs.length} pairs (wall; pairs ${pairSpread(m.pairs)})`, median(m.pairs), '<= 0.5'],
        [`same (CPU; pairs ${pairSpread(m.cpuPairs)})`, median(m.cpuPairs), '<= 0.5'],
        [`project bytes per dump byte, ${label}`, m.dbBytes / m.bytes, '<= 1'],
      ];
    });

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
      [`same, median of ${pairs.length} alternating pairs (wall; pairs ${pairSpread(pairs)})`, median(pairs), '<= 1'],
      ['natlens iptables-save import / iptables-restore --test (CPU)', ratio(importRules, restore, 'cpu'), '<= 1'],
      ['same, twice the size (wall)', ratio(importDouble, restoreDouble, 'wall'), '<= 1'],
      ['same, flat dump (wall)', ratio(importFlat, restoreFlat, 'wall'), '<= 1'],
      ...scaleRatios,
      ['natlens pcap import / tshark (wall)', ratio(importPcap, tshark, 'wall'), '<= 0.1'],
      ['natlens pcap import / tshark (CPU)', ratio(importPcap, tshark, 'cpu'), '<= 0.1'],
      ['natlens pcap import peak RSS (MB)', importPcap.rssMb, '< 300'],
      ['natlens iptables-save import peak RSS (MB)', importRules.rssMb, '-'],
      ['same, flat dump (MB)', importFlat.rssMb, '-'],
    ];
    let table = render(rows, ratios, notes);
    const largePcap = process.argv.includes('--large-pcap') || process.env.NATLENS_BENCH_PCAP_LARGE === '1';
    process.stderr.write(`bench: pcap import vs tcpdump and tshark at 5k and 1M connections${largePcap ? ', 1M and 4M packets' : ''} (scripts/bench/pcap.mjs)\n`);
    table = `${table.trimEnd()}\n\n${pcapSection(runPcapBench({ runs: Math.max(RUNS, 3), large: largePcap }))}`;
    process.stderr.write('bench: project size of a 50-node project against its captures (scripts/bench/db-size.mjs)\n');
    table = `${table.trimEnd()}\n\n${dbSizeSection(runDbSizeBench({ nodes: 50, services: 2000 }))}`;
    process.stderr.write('bench: project size per kind of capture (scripts/bench/db-size-kinds.mjs)\n');
    table = `${table.trimEnd()}\n\n${kindSizesSection(runKindSizes())}`;
    process.stderr.write('bench: tracing 10,000 random packets through the dump and one 4x its size (scripts/bench/trace.mjs)\n');
    const bigDump = path.join(dir, 'kube-proxy-4x.txt');
    writeKubeProxyDump(bigDump, SERVICES * 4, ENDPOINTS);
    const traced = [await runTraceBench(dump, 10_000), await runTraceBench(bigDump, 10_000)];
    fs.rmSync(bigDump, { force: true });
    table = `${table.trimEnd()}\n\n${traceSection(traced)}`;
    process.stderr.write('bench: natlens trace from the command line on one 170k-rule node and on a 50-node project (scripts/bench/trace-cli.mjs)\n');
    table = `${table.trimEnd()}\n\n${traceCliSection(runTraceCliBench({ runs: Math.max(RUNS, 3) }))}`;
    process.stderr.write('bench: start-up of --help, a small import and a lab trace, code cache warm and cold (scripts/bench/startup.mjs)\n');
    table = `${table.trimEnd()}\n\n${startupSection(runStartupBench({ runs: Math.max(RUNS, 5) }))}`;
    if (WEB_API) {
      process.stderr.write('bench: natlens serve on a 50-node project, the heaviest routes with a light request meanwhile (scripts/bench/web-api.mjs)\n');
      table = `${table.trimEnd()}\n\n${webApiSection(await runWebApiBench({ runs: Math.max(RUNS, 3) }))}`;
    }
    if (REPORT_NODES) {
      process.stderr.write('bench: report and findings peak memory at 10, 25 and 50 nodes (scripts/bench/report-nodes.mjs)\n');
      table = `${table.trimEnd()}\n\n${reportNodesSection(runReportNodesBench({ runs: Math.max(RUNS, 3) }))}`;
    }
    if (FLOWS) {
      process.stderr.write(`bench: stitching ${int(FLOW_PACKETS)} packets (scripts/bench/flows.mjs)\n`);
      table = `${table.trimEnd()}\n\n${flowsSection(await runFlowsBench({ packets: FLOW_PACKETS, keep: KEEP }))}`;
    }
    if (TOPOLOGY && fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
      process.stderr.write('bench: topology of a generated 200-node cluster in Chromium (scripts/bench/topology.mjs)\n');
      table = `${table.trimEnd()}\n\n${topologySection(await runTopologyBench())}`;
    } else if (TOPOLOGY) process.stderr.write('bench: topology not measured: out/renderer is missing (run npm run build)\n');
    // Every tab in Chromium on a 200-node cluster and a 1M-packet capture: long (tens of minutes on a loaded machine), so asked for.
    if (process.env.NATLENS_BENCH_UI === '1' && fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
      process.stderr.write('bench: the UI at scale in Chromium (scripts/bench/ui-tabs.mjs)\n');
      table = `${table.trimEnd()}\n\n${uiTabsSection(await runUiTabsBench({ runs: Math.max(RUNS, 1) }))}`;
    } else process.stderr.write('bench: the UI tabs not measured: set NATLENS_BENCH_UI=1 (and run npm run build)\n');
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
  '## Where the time goes (profiled 2026-11-24)',
  '',
  '- iptables-save, 170k rules, ~2.2-2.9 s wall and ~3.6-4.2 s CPU on two threads, as the shared machine\'s',
  '  load goes. A file that is one plain dump (ASCII, LF or CRLF line breaks, rules appended in order,',
  '  nothing around it) is streamed:',
  '  a reader thread, started while the project opens, reads 1 MiB pieces, parses each line, writes each',
  '  rule\'s matches and target as JSON (by hand for the common records: what JSON.stringify writes, in',
  '  half the time) and posts tapes of ~1,000 rows; the importing thread writes the rows and gathers',
  '  kube-proxy\'s services from them, then stores services and endpoints and commits. Anything else',
  '  (old Mac CR line breaks, non-ASCII, `-I`, a chain declared twice, text around it, an error) is',
  '  rolled back and read as text, which reports precisely what is wrong. Nothing holds the whole dump:',
  '  peak RSS ~170 MB, growing with chains and services, not bytes.',
  '- The critical path (timed inside the process): start-up ~0.25 s (Node ~0.11 s, the command line\'s',
  '  bundle ~0.09 s, then the reader thread\'s own start, ~0.06 s, overlapping the project\'s opening); the',
  '  reader thread, ~1.3-1.5 s alone and ~1.6-1.9 s beside the writing thread (two cores, two busy',
  '  threads and their GC helpers); then ~0.3 s on the importing thread alone: kube-proxy\'s services',
  '  (gathering ~0.08 s, then records and rows of 10,000 services and 50,000 endpoints), the commit',
  '  ~0.02 s; and ~0.08 s of process teardown. The commit was ~0.08 s (the fsync of ~90 MB) until the',
  '  disk was asked to write the rows back while the services are gathered (`Store.startWriteback`).',
  '- natlens uses ~1.5x the CPU of `iptables-restore --test` and wins by using both cores. On a loaded',
  '  machine, with less than two cores free, that lead shrinks: paired ratios then spread from ~0.8 to',
  '  ~1.1 within one set of runs (restore itself varied 2.2-3.0 s in one set).',
  '- What brought it under `iptables-restore --test` (paired alternating runs, medians): the reader no',
  '  longer shares equal Match/Target records between rules (a pool that only pays off when a whole',
  '  ruleset is held: ~11%, and 30 MB less memory); imports of 4 MiB and more go through a rollback',
  '  journal when the project is not open elsewhere, so pages reach the file once instead of via the WAL',
  '  and its checkpoint (~4.5%; 1M packets ~13%); the reader thread starts while the project opens',
  '  (~2%); hand-written rule JSON (~0.04 s off the reader). On 2026-11-24, each measured in sets of ten',
  '  pairs: service rows batched with their ids and no (namespace, name) indexes on services and',
  '  endpoints, which no query used (~2%); endpoint rows written as they are found instead of 50,000',
  '  records held until the insert (~3%); service chains holding their endpoint chains\' gists instead of',
  '  names looked up at the end (~1.5%); the commit\'s fsync overlapped as above (~0.06 s); a 12 MB young',
  '  generation for the reader thread, whose garbage dies at once (~2-3% in four sets, 20 MB less).',
  '  Medians of sets of ten pairs against restore: 0.90, 0.96, 1.00 (2026-11-23); 0.92 midway; 1.00, 0.83 and 0.86',
  '  after the changes of 2026-11-24 (every pair of the last set below 1, the first set on a loaded machine).',
  '- kube-proxy\'s services still cost ~0.4 s of wall time (measured by leaving them out): the tail',
  '  above, and a heavier GC on the importing thread while the index holds what it keeps of 60,000',
  '  chains. Gathering them on the reader thread instead costs that thread ~0.25 s, and the reader is',
  '  the critical path: 6-9% slower overall (measured twice).',
  '- Tried and measured, not kept: 15% fewer bytes per rule (no `"negated":false`, no jump target JSON, no',
  '  comment column: database 92 MB to 78 MB, wall time unchanged); avoiding SQLite\'s statement journal',
  '  (foreign keys off with INSERT OR ROLLBACK does avoid ~29,000 temp-file writes, ~950 MB, per import;',
  '  temp_store=MEMORY moves them to memory: neither changes the time); a deeper tape queue between the',
  '  threads; each chain one row holding its rules as a JSON array (SQLite cost follows bytes, not rows);',
  '  JSON strings, one string per tape with offsets, or a SharedArrayBuffer byte tape between the threads',
  '  instead of structured clone (~77 MB cross per import; none serialises faster); larger young',
  '  generations, or any set by process flags; rebuilding rule text from the parsed rule instead of',
  '  storing it (iptables-save writes many rules in forms the renderer does not repeat); starting the',
  '  reader thread from bin/natlens, before the command line\'s bundle loads, on the file it will be asked',
  '  for (its start-up then competes with the bundle\'s on two cores: it was reading no sooner); a V8 code',
  '  cache for the bundle (compiling ~10 ms faster, running ~10 ms slower); warming the parser up on a',
  '  sample before reading (no change: the cold reader\'s extra time is not JIT warm-up); process.exit',
  '  right after the report (teardown is the kernel freeing the memory); an allocation-free path for',
  '  `:NAME - [0:0]` chain lines. V8 GC flags help ~4% but only as process flags (set at run time they',
  '  crash).',
  '- Where the next gains are: kube-proxy\'s index keyed by chain number with its facts in parallel',
  '  arrays (no per-chain objects or string-keyed maps, so little for the GC to copy); and an argument',
  '  parser that writes a rule\'s JSON as it reads, without Match objects (building and serialising',
  '  those is about a third of the reader thread\'s profile; posting the tapes is another sixth).',
  '- pcap, 1M packets, ~1.2 s CPU: the reader decodes in ~0.5 s; packets are stored 4096 to a',
  '  `packet_blocks` row as narrow columns, ~13-24 bytes a packet (one INSERT per block), the distinct 5-tuples',
  '  2048 to a `packet_tuple_blocks` row as 26-byte records with their packet counts and frame ranges, and the',
  '  pages are written once, through the rollback journal. tshark is ~20 s here, so 1/10 means ~2 s.',
  '- New projects use 64 KiB pages (was 16 KiB): the imports above are ~0.1 s faster; reading a',
  '  ruleset back takes as long.',
];

function render(rows, ratios, notes) {
  const cpu = os.cpus();
  const lines = [
    '# natlens benchmarks',
    '',
    `Generated by \`npm run bench\` (scripts/bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}:`,
    `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, ${os.type()} ${os.release()}.`,
    `Inputs: a kube-proxy-shaped iptables-save dump (${int(SERVICES)} services × ${ENDPOINTS} endpoints), the same`,
    `at twice the size, a flat dump (${int(FLAT_RULES)} rules in INPUT: the file grows, chains and services do not)`,
    `and a ${int(PACKETS)}-packet Ethernet/IPv4/TCP pcap, all generated into a temporary folder. Wall time`,
    'includes process start-up; CPU (user + system) and peak RSS come from `/usr/bin/time -v`. Each natlens',
    `import writes a fresh database. Best of ${RUNS} run${RUNS === 1 ? '' : 's'} per step (\`--runs N\`), measured after the`,
    'inputs were flushed to disk (`sync`); natlens and iptables-restore runs alternate on each dump, and',
    'the median of the natlens/restore ratios of those pairs is given too: single runs vary by ±15% here.',
    `NODE_EXTRA_CA_CERTS ${extraCaCerts} for natlens (scripts/bench/bench-env.mjs); load ${fmt(os.loadavg()[0])} when written.`,
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
