#!/usr/bin/env node
// node scripts/bench/startup.mjs [--runs N] [--old BIN] [--keep]
//
// What a command costs before it does its work: `natlens --help`, `import` of a 10-packet pcap, `import` of a small
// iptables-save dump (a fresh project each run) and a `trace` on the lab project (test/fixtures/lab), as a user runs
// them, one process each. This build runs with its code cache warm (made by an untimed run) and cold (an empty
// cache folder each run: a first run after an install or a rebuild). With --old BIN (another build's bin/natlens,
// e.g. a worktree of main) the builds run alternately, in turn first, and the medians of the per-pair ratios are
// given. Prints one JSON document; CPU is user + system of the whole process (its worker threads too).
//
// NODE_EXTRA_CA_CERTS (set on some build machines for a proxy's CA) makes every node process parse that bundle
// before any script runs: ~60 ms of CPU here, three times `node -e 0` without it. The runs leave it out unless
// --keep-extra-ca-certs; `baseline` is `node -e 0` in the same environment.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.mjs';
import { option } from './cli-args.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// /usr/bin/time gives CPU in hundredths of a second, coarse for runs of a tenth; wait4's rusage is in microseconds.
const RUSAGE = `
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print(time.perf_counter() - start, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
`;

/** One process: wall seconds, CPU seconds (user + system) and peak RSS in MB. */
const BASE_ENV = { ...process.env };
if (!process.argv.includes('--keep-extra-ca-certs')) delete BASE_ENV.NODE_EXTRA_CA_CERTS;

function measure(argv, env = {}) {
  const r = spawnSync('python3', ['-c', RUSAGE, ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], env: { ...BASE_ENV, ...env } });
  const last = (r.stderr ?? '').trim().split('\n').pop() ?? '';
  const [wall, cpu, kb, status] = last.split(' ').map(Number);
  if (r.status !== 0 || status !== 0) throw new Error(`${argv.join(' ')} exited ${status}: ${r.stderr}`);
  return { wall, cpu, rssMb: kb / 1024 };
}

/** The cases: each a function of (bin, scratch dir) giving the argv of one run; `fresh` runs get an empty project. */
function cases(work) {
  const pcap = path.join(work, 'ten.pcap');
  const r = spawnSync('tcpdump', ['-c', '10', '-r', path.join(root, 'test/fixtures/pcap/kernel-sll.pcap'), '-w', pcap], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error('tcpdump could not cut the 10-packet pcap');
  const dump = path.join(root, 'test/fixtures/iptables/rich.kernel-save.txt');
  return [
    { name: 'node -e 0 (baseline)', argv: () => [process.execPath, '-e', '0'] },
    { name: '--help', argv: (bin) => [bin, '--help'] },
    { name: 'import 10-packet pcap', fresh: true, argv: (bin, db) => [bin, 'import', '--db', db, pcap] },
    { name: 'import small iptables-save', fresh: true, argv: (bin, db) => [bin, 'import', '--db', db, dump] },
    {
      name: 'trace on the lab',
      project: path.join(root, 'test/fixtures/lab/nodes'),
      argv: (bin, db) => [bin, 'trace', '--db', db, '--node', 'nodea', '--proto', 'tcp', '--src', '10.40.1.3', '--dst', '10.96.0.10:80', '--in', 'cbr0', '--json'],
    },
  ];
}

function removeDb(db) {
  for (const s of ['', '-wal', '-shm']) fs.rmSync(db + s, { force: true });
}

/** `runs` rounds over every case; each round runs every build once, alternating which goes first. */
export function runStartupBench({ runs = 7, old = null, keep = false } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-bench-startup-'));
  const bin = path.join(root, 'bin', 'natlens');
  const warmCache = path.join(work, 'cache-warm');
  const builds = [
    { label: 'warm', bin, env: { NATLENS_CODE_CACHE: warmCache } },
    { label: 'cold', bin, env: () => ({ NATLENS_CODE_CACHE: fs.mkdtempSync(path.join(work, 'cache-cold-')) }) },
    ...(old ? [{ label: 'old', bin: old, env: {} }] : []),
  ];
  const results = [];
  const load = os.loadavg()[0];
  try {
    for (const c of cases(work)) {
      const dbs = builds.map((b) => path.join(work, `${b.label}.db`));
      if (c.project) builds.forEach((b, k) => measure([b.bin, 'import', '--db', dbs[k], c.project], typeof b.env === 'function' ? b.env() : b.env));
      // Untimed: the warm cache made, the files in the page cache.
      builds.forEach((b, k) => {
        if (c.fresh) removeDb(dbs[k]);
        measure(c.argv(b.bin, dbs[k]), typeof b.env === 'function' ? b.env() : b.env);
      });
      const samples = builds.map(() => []);
      for (let i = 0; i < runs; i++) {
        const order = builds.map((_, k) => k);
        for (let s = 0; s < i % builds.length; s++) order.push(order.shift());
        for (const k of order) {
          const b = builds[k];
          if (c.fresh) removeDb(dbs[k]);
          samples[k].push(measure(c.argv(b.bin, dbs[k]), typeof b.env === 'function' ? b.env() : b.env));
        }
      }
      const row = { name: c.name };
      builds.forEach((b, k) => {
        row[b.label] = { wall: median(samples[k].map((x) => x.wall)), cpu: median(samples[k].map((x) => x.cpu)), rssMb: median(samples[k].map((x) => x.rssMb)) };
      });
      const ratio = (a, b, f) => median(samples[a].map((x, i) => x[f] / samples[b][i][f]));
      if (old) {
        const o = builds.length - 1;
        row.warmOverOld = { cpu: ratio(0, o, 'cpu'), wall: ratio(0, o, 'wall') };
        row.coldOverOld = { cpu: ratio(1, o, 'cpu'), wall: ratio(1, o, 'wall') };
      }
      results.push(row);
      process.stderr.write(`bench: startup ${c.name}: ${JSON.stringify(row)}\n`);
    }
  } finally {
    if (keep) process.stderr.write(`bench: kept ${work}\n`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  return { runs, old, load, loadAfter: os.loadavg()[0], extraCaCerts: 'NODE_EXTRA_CA_CERTS' in BASE_ENV ? 'as set' : 'left out', results };
}

const f3 = (n) => (n === null || n === undefined ? 'n/a' : n.toFixed(3));
const f2 = (n) => (n === null || n === undefined ? 'n/a' : n.toFixed(2));

/** The markdown section for docs/benchmarks.md (run.mjs appends it). */
export function startupSection({ runs, old, load, loadAfter, extraCaCerts, results }) {
  const lines = [
    '## Start-up',
    '',
    `Generated by \`node scripts/bench/startup.mjs\` (also in \`npm run bench\`): one process per command, ${runs} rounds, medians of`,
    'CPU (user + system, every thread) and wall. "warm": the code cache made by an earlier run; "cold": an empty cache',
    `folder (a first run after an install or rebuild). NODE_EXTRA_CA_CERTS ${extraCaCerts === 'as set' ? 'as set' : 'left out'}. Load ${f2(load)} → ${f2(loadAfter)}.`,
    '',
    `| command | warm CPU / wall (s) | cold CPU / wall (s) | peak RSS warm (MB) |${old ? ' other build CPU / wall (s) | warm / other CPU |' : ''}`,
    `| --- | ---: | ---: | ---: |${old ? ' ---: | ---: |' : ''}`,
  ];
  for (const r of results) {
    const extra = old ? ` ${f3(r.old.cpu)} / ${f3(r.old.wall)} | ${f2(r.warmOverOld.cpu)} |` : '';
    lines.push(`| ${r.name} | ${f3(r.warm.cpu)} / ${f3(r.warm.wall)} | ${f3(r.cold.cpu)} / ${f3(r.cold.wall)} | ${Math.round(r.warm.rssMb)} |${extra}`);
  }
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = runStartupBench({ runs: Number(option('runs', '7')), old: option('old', null), keep: process.argv.includes('--keep') });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
