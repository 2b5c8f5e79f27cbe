#!/usr/bin/env node
// node scripts/bench/trace.mjs DUMP [PACKETS]: bundles trace-bench.ts and runs it (one JSON line on stdout).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function runTraceBench(dump, packets = 10_000) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-trace-bench-'));
  try {
    const outfile = path.join(dir, 'trace-bench.cjs');
    await build({ entryPoints: [path.join(here, 'trace-bench.ts')], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
    const r = spawnSync(process.execPath, [outfile, dump, String(packets)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`trace bench failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (n) => n.toFixed(3);

/** The Markdown section docs/benchmarks.md gets for a runTraceBench result. */
export function traceSection(r) {
  return [
    '## Trace latency',
    '',
    `\`natlens trace\` semantics (tracePacket) on the same dump: ${r.rules.toLocaleString('en-US')} rules, ${r.services.toLocaleString('en-US')} service`,
    `frontends. ${r.packets.toLocaleString('en-US')} random first packets (90% to a service frontend, 10% misses that walk all of`,
    'KUBE-SERVICES), one process, after one warm-up trace that compiles the chains it enters.',
    '',
    '| measure | ms |',
    '| --- | ---: |',
    `| parse the dump | ${ms(r.parseMs)} |`,
    `| first trace (compiles the chains it enters) | ${ms(r.firstTraceMs)} |`,
    `| per trace, median | ${ms(r.medianMs)} |`,
    `| per trace, p99 | ${ms(r.p99Ms)} |`,
    `| per trace, max | ${ms(r.maxMs)} |`,
    '',
    `${r.outcomes.toLocaleString('en-US')} outcomes in all (one per kube-proxy endpoint branch).`,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dump, packets] = process.argv.slice(2);
  if (!dump) {
    process.stderr.write('usage: node scripts/bench/trace.mjs DUMP [PACKETS]\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await runTraceBench(dump, Number(packets ?? 10_000)))}\n`);
}
