#!/usr/bin/env node
// node scripts/bench/pcap.mjs [--runs N] [--large] [--keep] [--no-tshark] [--old OTHER/bin/natlens]      (NATLENS_BENCH_PCAP_LARGE=1 is --large)
//
// pcap import against the raw read floor (`tcpdump -r F -w /dev/null`: libpcap reads and writes every
// record, decodes nothing) and against tshark (`tshark -r F -T fields -e frame.number`: dissects every
// frame, prints one field), on generated captures of 1M packets over 5,000 and 1,000,000 distinct
// connections; --large adds 4M packets with the same two connection counts (tshark alone then takes
// minutes). Each run imports into a fresh project; natlens, tcpdump and tshark alternate within each of
// RUNS rounds and the ratios are medians of those paired runs. With --old, another build's import runs
// in each round too (a before/after comparison). run.mjs appends `pcapSection()`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticPcap } from './synthetic-pcap.mjs';
import { median as medianOf } from './stats.mjs';
import './bench-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'natlens');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

export const PCAP_CASES = [
  { packets: 1_000_000, connections: 5_000 },
  { packets: 1_000_000, connections: 1_000_000 },
];
export const LARGE_PCAP_CASES = [
  { packets: 4_000_000, connections: 5_000 },
  { packets: 4_000_000, connections: 1_000_000 },
];

function available(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function measure(argv) {
  const full = TIME ? [TIME, '-v', ...argv] : argv;
  const start = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const stderr = r.stderr ?? '';
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}\n${stderr.split('\n').slice(0, 8).join('\n')}`);
  return { wall, cpu: user && sys ? Number(user[1]) + Number(sys[1]) : null, rssMb: rss ? Number(rss[1]) / 1024 : null };
}

/** The median of the finite figures of `xs` (runs that gave none are left out). */
const median = (xs) => medianOf(xs.filter((x) => x !== null && Number.isFinite(x)));
const best = (rs, key) => rs.reduce((a, r) => (a === null || (r[key] ?? Infinity) < (a[key] ?? Infinity) ? r : a), null);

/** Measures each case; returns one result per case with every run kept. */
export function runPcapBench({ runs = 3, large = false, keep = false, old = null, tshark = true, cases = [...PCAP_CASES, ...(large ? LARGE_PCAP_CASES : [])] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-pcap-bench-'));
  const withTshark = tshark && available('tshark');
  const results = [];
  try {
    for (const c of cases) {
      const pcap = path.join(dir, `${c.packets}-${c.connections}.pcap`);
      const bytes = writeSyntheticPcap(pcap, c.packets, { connections: c.connections });
      spawnSync('sync');
      const db = path.join(dir, 'import.db');
      const r = { ...c, bytes, natlens: [], old: [], tcpdump: [], tshark: [], dbBytes: null, oldDbBytes: null, load: os.loadavg()[0] };
      for (let i = 0; i < runs; i++) {
        for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(db + suffix, { force: true });
        r.tcpdump.push(measure(['tcpdump', '-r', pcap, '-w', '/dev/null']));
        // --no-stitch: the import itself (it stitches the project's flows afterwards by default, measured by flows.mjs).
        r.natlens.push(measure([process.execPath, bin, 'import', '--db', db, '--node', 'bench', '--no-stitch', '--json', pcap]));
        r.dbBytes = fs.statSync(db).size;
        if (old) {
          for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(db + suffix, { force: true });
          r.old.push(measure([process.execPath, old, 'import', '--db', db, '--node', 'bench', '--no-stitch', '--json', pcap]));
          r.oldDbBytes = fs.statSync(db).size;
        }
        // tshark is 10-100x slower than both: once per case unless asked for more.
        if (withTshark && i === 0) r.tshark.push(measure(['tshark', '-r', pcap, '-T', 'fields', '-e', 'frame.number']));
      }
      r.loadAfter = os.loadavg()[0];
      results.push(r);
      fs.rmSync(pcap, { force: true });
      process.stderr.write(`bench: pcap ${c.packets} packets / ${c.connections} connections: ${JSON.stringify(r)}\n`);
    }
  } finally {
    if (keep) process.stderr.write(`bench: kept ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  return { runs, results, old };
}

const fmt = (n, d = 2) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(d));
const int = (n) => Math.round(n).toLocaleString('en-US');

/** The markdown section for docs/benchmarks.md. */
export function pcapSection({ runs, results, old = null }) {
  const lines = [
    '## pcap import against the read floor',
    '',
    `Generated by \`node scripts/bench/pcap.mjs\` (also in \`npm run bench\`; the 4M-packet cases with \`--large\` or`,
    '`NATLENS_BENCH_PCAP_LARGE=1`). Synthetic Ethernet/IPv4 captures: 5,000 connections are TCP pod → service',
    'conversations; 1,000,000 are SYN scans, DNS lookups, kubelet health checks and requests, each its own 5-tuple.',
    `\`natlens import --no-stitch\` (the import; stitching is measured apart). The read floor is \`tcpdump -r F -w /dev/null\`; tshark is \`tshark -r F -T fields -e frame.number\`. ${runs} round${runs === 1 ? '' : 's'}`,
    'per case, tcpdump then natlens (a fresh project each time), tshark once; best run shown, ratios are medians of the',
    'paired rounds. Wall time waits for a core when the machine is loaded: read the CPU ratio first.',
    '',
    '| packets | connections | input (MB) | natlens wall / CPU (s) | RSS (MB) | tcpdump wall / CPU (s) | tshark wall / CPU (s) | natlens / tcpdump wall | natlens / tcpdump CPU | natlens / tshark CPU | DB bytes per input byte | load |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const n = best(r.natlens, 'wall');
    const t = best(r.tcpdump, 'wall');
    const s = best(r.tshark, 'wall');
    const wallRatio = median(r.natlens.map((x, i) => x.wall / r.tcpdump[i].wall));
    const cpuRatio = median(r.natlens.map((x, i) => (x.cpu !== null && r.tcpdump[i].cpu ? x.cpu / r.tcpdump[i].cpu : null)));
    const tsharkRatio = s && s.cpu ? median(r.natlens.map((x) => x.cpu)) / s.cpu : null;
    lines.push(
      `| ${int(r.packets)} | ${int(r.connections)} | ${fmt(r.bytes / 1048576, 1)} | ${fmt(n.wall)} / ${fmt(n.cpu)} | ${fmt(n.rssMb, 0)} | ` +
        `${fmt(t.wall)} / ${fmt(t.cpu)} | ${s ? `${fmt(s.wall)} / ${fmt(s.cpu)}` : 'n/a'} | ${fmt(wallRatio, 1)} | ${fmt(cpuRatio, 1)} | ` +
        `${fmt(tsharkRatio, 3)} | ${fmt(r.dbBytes / r.bytes)} | ${fmt(r.load, 1)} → ${fmt(r.loadAfter, 1)} |`,
    );
  }
  lines.push('', 'Target (issue 15): natlens / tcpdump ≤ 5 in every case.', '');
  if (old) {
    lines.push(
      `The same imports by another build (\`${old}\`), in the same rounds:`,
      '',
      '| packets | connections | old wall / CPU (s) | old RSS (MB) | new / old wall | new / old CPU | old DB bytes per input byte |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of results) {
      const o = best(r.old, 'wall');
      const wall = median(r.natlens.map((x, i) => x.wall / r.old[i].wall));
      const cpu = median(r.natlens.map((x, i) => (x.cpu !== null && r.old[i].cpu ? x.cpu / r.old[i].cpu : null)));
      lines.push(`| ${int(r.packets)} | ${int(r.connections)} | ${fmt(o.wall)} / ${fmt(o.cpu)} | ${fmt(o.rssMb, 0)} | ${fmt(wall)} | ${fmt(cpu)} | ${fmt(r.oldDbBytes / r.bytes)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 3;
  const large = process.argv.includes('--large') || process.env.NATLENS_BENCH_PCAP_LARGE === '1';
  const o = process.argv.indexOf('--old');
  const old = o > 0 ? path.resolve(process.argv[o + 1]) : null;
  const tshark = !process.argv.includes('--no-tshark');
  process.stdout.write(`${pcapSection(runPcapBench({ runs, large, old, tshark, keep: process.argv.includes('--keep') }))}\n`);
}
