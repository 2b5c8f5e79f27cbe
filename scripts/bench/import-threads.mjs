#!/usr/bin/env node
// node scripts/bench/import-threads.mjs --old BIN [--pairs 7] [--dump FILE] [--dir DIR] [--restore NETNS]
//   [--old-flags 'NODE FLAGS'] [--new-flags 'NODE FLAGS']
//
// Imports one iptables-save dump (by default the 170k-rule kube-proxy dump, 10,000 services of 5 endpoints)
// with another build's CLI (BIN, e.g. /tmp/base/bin/natlens) and this one's, alternating, into fresh projects,
// and prints per run: wall, the process's CPU (user + system), peak RSS, the CPU of its threads (read from
// /proc/PID/task/TID/schedstat every 2 ms: the import worker, the dump reader, the main thread, the rest), and
// the project's bytes; then the medians and the new/old ratios of paired runs, with the load average before
// and after. The two worker threads are the process's two busiest but its main thread: the dump reader (~1.2 s
// at 170k rules), then the import worker (~0.5 s); V8's helper threads take ~0.15 s each, and the libuv thread
// that syncs the file a few tens of ms (all counted in "rest"). Linux only.
// --restore NETNS makes each pair a triple: `ip netns exec NETNS iptables-restore --test < DUMP` too (the kernel's own
// tool, which the issue measures the import against; the namespace must exist, e.g. `ip netns add nlbench`), and
// prints the new/restore and old/restore ratios of each triple.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from './cli-args.mjs';
import { writeKubeProxyDump } from './kube-proxy-dump.mjs';
import { f2, median } from './stats.mjs';
import './bench-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const oldBin = option('old', null);
if (oldBin === null) {
  process.stderr.write('usage: import-threads.mjs --old BIN [--pairs N] [--dump FILE] [--dir DIR]\n');
  process.exit(2);
}
const pairs = Number(option('pairs', 7));
const restoreNs = option('restore', null);
const dir = option('dir', null) ?? fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-import-threads-'));
let dump = option('dump', null);
if (dump === null) {
  dump = path.join(dir, 'kube-proxy-170k.save');
  if (!fs.existsSync(dump)) writeKubeProxyDump(dump, 10_000, 5);
}
const builds = { old: oldBin, new: path.join(root, 'bin', 'natlens') };
// --old-flags/--new-flags: node or V8 flags for that build's process, e.g. '--single-threaded-gc' (the same BIN as both
// builds then compares a flag against none).
const flags = {
  old: (option('old-flags', '') ?? '').split(' ').filter(Boolean),
  new: (option('new-flags', '') ?? '').split(' ').filter(Boolean),
};

const readText = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** Nanoseconds each thread of `pid` has run, as last seen, with its start time (clock ticks since boot). */
function sampleThreads(pid, seen) {
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  for (const tid of tids) {
    const run = readText(`/proc/${pid}/task/${tid}/schedstat`);
    if (run === null) continue;
    seen.set(Number(tid), Number(run.split(' ')[0]));
  }
  return true;
}

async function importOnce(bin, nodeFlags, db) {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, bin, 'import', '--db', db, '--json', dump], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const seen = new Map();
  let node = null;
  let done = false;
  exited.then(() => (done = true));
  while (!done) {
    node ??= Number(readText(`/proc/${child.pid}/task/${child.pid}/children`)?.trim().split(' ')[0]) || null;
    if (node !== null) sampleThreads(node, seen);
    await new Promise((r) => setTimeout(r, 2));
  }
  const code = await exited;
  const wallNs = Number(process.hrtime.bigint() - started);
  if (code !== 0) throw new Error(`${bin} import exited ${code}: ${stderr}`);
  const [, user, sys, rssKb] = stderr.trim().split('\n').pop().split(' ').map(Number);
  const ms = (ns) => ns / 1e6;
  const [reader, worker] = [...seen].filter(([tid]) => tid !== node).map(([, ns]) => ms(ns)).sort((a, b) => b - a);
  const total = [...seen.values()].reduce((a, b) => a + b, 0);
  const main = seen.get(node) ?? 0;
  return {
    wall: wallNs / 1e9, cpu: user + sys, rssMb: rssKb / 1024, main: ms(main), worker, reader,
    rest: ms(total - main) - worker - reader, bytes: fs.statSync(db).size,
  };
}

/** `iptables-restore --test` of the dump in namespace `restoreNs`: wall, CPU (user + system) and peak RSS. */
async function restoreOnce() {
  const started = process.hrtime.bigint();
  const child = spawn('/bin/sh', ['-c', `/usr/bin/time -f '%e %U %S %M' ip netns exec ${restoreNs} iptables-restore --test < '${dump}'`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  const wallNs = Number(process.hrtime.bigint() - started);
  if (code !== 0) throw new Error(`iptables-restore --test exited ${code}: ${stderr}`);
  const [, user, sys, rssKb] = stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall: wallNs / 1e9, cpu: user + sys, rssMb: rssKb / 1024 };
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();
const runs = { old: [], new: [], restore: [] };
process.stdout.write(`dump ${dump}; ${pairs} pairs, alternating (old first in odd pairs); load ${loadBefore}\n`);
process.stdout.write('build  wall s  CPU s  RSS MB  main ms  worker ms  reader ms  rest ms  project bytes\n');
for (let p = 0; p < pairs; p++) {
  const order = p % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
  if (restoreNs !== null) order.splice(p % 3, 0, 'restore');
  for (const build of order) {
    if (build === 'restore') {
      const r = await restoreOnce();
      runs.restore.push(r);
      process.stdout.write(`restore  ${f2(r.wall)}  ${f2(r.cpu)}  ${r.rssMb.toFixed(0)}\n`);
      continue;
    }
    const r = await importOnce(builds[build], flags[build], path.join(dir, `${build}.db`));
    runs[build].push(r);
    process.stdout.write(`${build.padEnd(5)}  ${f2(r.wall)}  ${f2(r.cpu)}  ${r.rssMb.toFixed(0)}  ${r.main.toFixed(0)}  ${r.worker.toFixed(0)}  ${r.reader.toFixed(0)}  ${r.rest.toFixed(0)}  ${r.bytes}\n`);
  }
}
const keys = ['wall', 'cpu', 'rssMb', 'main', 'worker', 'reader', 'rest', 'bytes'];
for (const build of ['old', 'new']) {
  process.stdout.write(`median ${build}: ${keys.map((k) => `${k} ${f2(median(runs[build].map((r) => r[k])))}`).join(', ')}\n`);
}
process.stdout.write(`median new/old of paired runs: ${keys.map((k) => `${k} ${f2(median(runs.new.map((r, i) => r[k] / runs.old[i][k])))}`).join(', ')}\n`);
if (restoreNs !== null) {
  for (const build of ['new', 'old']) {
    const ratio = (k) => f2(median(runs[build].map((r, i) => r[k] / runs.restore[i][k])));
    const spread = (k) => { const v = runs[build].map((r, i) => r[k] / runs.restore[i][k]); return `${f2(Math.min(...v))}-${f2(Math.max(...v))}`; };
    process.stdout.write(`median ${build}/restore of triples: cpu ${ratio('cpu')} (${spread('cpu')}), wall ${ratio('wall')} (${spread('wall')}), rssMb ${ratio('rssMb')}\n`);
  }
  process.stdout.write(`median restore: ${['wall', 'cpu', 'rssMb'].map((k) => `${k} ${f2(median(runs.restore.map((r) => r[k])))}`).join(', ')}\n`);
}
process.stdout.write(`load before ${loadBefore}, after ${load()}\n`);
