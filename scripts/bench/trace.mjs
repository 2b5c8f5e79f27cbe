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

/** The Markdown section docs/benchmarks.md gets for runTraceBench results, one per dump (smallest first). */
export function traceSection(results) {
  const rs = Array.isArray(results) ? results : [results];
  const row = (label, pick) => `| ${label} | ${rs.map((r) => ms(pick(r))).join(' | ')} |`;
  const first = rs[0];
  const last = rs[rs.length - 1];
  return [
    '## Trace latency',
    '',
    '`natlens trace` semantics (tracePacket) in one process on kube-proxy dumps; per dump, random first packets (90% to a service',
    'frontend, 10% misses that KUBE-SERVICES does not hold), after one warm-up trace that compiles the chains it enters. Long',
    'dispatch chains (KUBE-SERVICES, KUBE-NODEPORTS) are indexed by destination, protocol and port from their second walk.',
    '',
    `| measure (ms) | ${rs.map((r) => `${r.rules.toLocaleString('en-US')} rules, ${r.services.toLocaleString('en-US')} services`).join(' | ')} |`,
    `| --- | ${rs.map(() => '---:').join(' | ')} |`,
    row('parse the dump', (r) => r.parseMs),
    row('first trace (compiles the chains it enters)', (r) => r.firstTraceMs),
    row('per trace, median', (r) => r.medianMs),
    row('per trace, p99', (r) => r.p99Ms),
    row('per trace, max', (r) => r.maxMs),
    '',
    rs.length > 1 ? `p50 at ${last.rules.toLocaleString('en-US')} rules / p50 at ${first.rules.toLocaleString('en-US')}: ${(last.medianMs / first.medianMs).toFixed(2)} (target: flat, ~1).` : '',
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
