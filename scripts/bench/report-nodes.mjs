#!/usr/bin/env node
// node scripts/bench/report-nodes.mjs [--nodes 10,25,50] [--services N] [--packets N] [--runs N] [--old BIN] [--bin BIN] [--keep DIR] [--markdown]
//
// Peak memory of `natlens report --out r.html` and `natlens findings --json` against the number of nodes: for each
// node count, the fleet project of web-api.mjs (cluster-project.mjs addresses, routes, pods and kubectl; a kube-proxy
// dump of SERVICES services on every node; a pcap of PACKETS packets on the first node, flows stitched beforehand), so
// each node has the same size and only their number changes. Each command runs RUNS times under /usr/bin/time (wall,
// user+system CPU, peak RSS); with --old BIN (another build's bin/natlens) both builds run alternately on the same
// database, medians of their per-pair ratios are given, and each pair's outputs are compared (the report with its
// "generated at" time taken out). Projects are kept in --keep DIR between runs (fleet-N.db). Prints one JSON document;
// --markdown adds the docs/benchmarks.md section.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProject } from './web-api.mjs';
import { f0, f2, median } from './stats.mjs';
import { option } from './cli-args.mjs';
import './bench-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');


const COMMANDS = [
  { name: 'report --out r.html', args: (db, out) => ['report', '--db', db, '--out', out], file: 'r.html' },
  { name: 'findings --json', args: (db) => ['findings', '--db', db, '--json'], file: null },
];

/** One run under /usr/bin/time: wall and CPU seconds, peak RSS (MB), and what it wrote (stdout or the file). */
function run(bin, argv, outFile) {
  const timing = path.join(os.tmpdir(), `natlens-report-nodes-${process.pid}.time`);
  const r = spawnSync('/usr/bin/time', ['-o', timing, '-f', '%e %U %S %M', bin, ...argv], { maxBuffer: 1024 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 2000)}`);
  const [wall, user, sys, rssKb] = fs.readFileSync(timing, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  fs.rmSync(timing, { force: true });
  const output = outFile === null ? r.stdout : fs.readFileSync(outFile);
  return { wall, cpu: user + sys, rssMb: rssKb / 1024, output };
}

/** The output with the report's generation time taken out (two runs of one build differ there only). */
const comparable = (bytes) => bytes.toString('latin1').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'TIME');

export function runReportNodesBench({ nodes = [10, 25, 50], services = 500, packets = 200_000, runs = 3, old = null, keep = null, bin = path.join(root, 'bin', 'natlens') } = {}) {
  const bins = old ? [bin, old] : [bin];
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-report-nodes-'));
  fs.mkdirSync(dir, { recursive: true });
  const load = os.loadavg();
  const results = [];
  try {
    for (const n of nodes) {
      const db = path.join(dir, `fleet-${n}.db`);
      const rulesFile = `${db}.rules`;
      let rules;
      if (fs.existsSync(db) && fs.existsSync(rulesFile)) rules = Number(fs.readFileSync(rulesFile, 'utf8'));
      else {
        fs.rmSync(db, { force: true });
        const work = fs.mkdtempSync(path.join(dir, `build-${n}-`));
        // Built by the oldest build given, so that both read a project it wrote.
        rules = buildProject(bins[bins.length - 1], db, work, { nodes: n, services, packets });
        fs.rmSync(work, { recursive: true, force: true });
        fs.writeFileSync(rulesFile, String(rules));
      }
      for (const command of COMMANDS) {
        const samples = bins.map(() => []);
        let same = 0;
        for (let i = 0; i < runs; i++) {
          const order = i % 2 === 0 ? bins.map((_, k) => k) : bins.map((_, k) => k).reverse();
          const outputs = [];
          for (const k of order) {
            const out = command.file === null ? null : path.join(dir, `${k}-${command.file}`);
            const s = run(bins[k], command.args(db, out), out);
            outputs[k] = comparable(s.output);
            samples[k].push({ wall: s.wall, cpu: s.cpu, rssMb: s.rssMb, bytes: s.output.length });
            if (out !== null) fs.rmSync(out, { force: true });
          }
          if (bins.length > 1 && outputs[0] === outputs[1]) same++;
        }
        const summary = (xs) => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)), rssMb: median(xs.map((x) => x.rssMb)), rssAll: xs.map((x) => Math.round(x.rssMb)), bytes: median(xs.map((x) => x.bytes)) });
        const out = { nodes: n, rules, command: command.name, now: summary(samples[0]) };
        if (bins.length > 1) {
          out.old = summary(samples[1]);
          const pair = (get) => median(samples[0].map((s, i) => get(s) / get(samples[1][i])));
          out.ratio = { wall: pair((s) => s.wall), cpu: pair((s) => s.cpu), rssMb: pair((s) => s.rssMb) };
          out.sameOutput = `${same}/${runs}`;
        }
        process.stderr.write(`report-nodes: ${JSON.stringify(out)}\n`);
        results.push(out);
      }
    }
    return { load, loadAfter: os.loadavg(), services, packets, runs, results };
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The Markdown table docs/benchmarks.md gets for a runReportNodesBench result, with peak RSS over the fewest nodes'. */
export function reportNodesSection(r, title = '## Reports and findings against the number of nodes') {
  const paired = r.results.some((x) => x.old);
  const fewest = new Map();
  for (const x of r.results) if (!fewest.has(x.command)) fewest.set(x.command, x);
  const head = paired
    ? ['| command | nodes (rules) | wall / CPU (s) | peak RSS (MB) | RSS ÷ fewest nodes\' | old wall / CPU (s) | old peak RSS (MB) | old RSS ÷ fewest | ratio wall / CPU / RSS | same output |', '| --- | --- | --- | --- | ---: | --- | --- | ---: | --- | --- |']
    : ['| command | nodes (rules) | wall / CPU (s) | peak RSS (MB) | RSS ÷ fewest nodes\' |', '| --- | --- | --- | --- | ---: |'];
  const rows = r.results.map((x) => {
    const base = fewest.get(x.command);
    const cells = [x.command, `${x.nodes} (${x.rules.toLocaleString('en-US')})`, `${f2(x.now.wall)} / ${f2(x.now.cpu)}`, x.now.rssAll.join(', '), f2(x.now.rssMb / base.now.rssMb)];
    if (paired) cells.push(`${f2(x.old.wall)} / ${f2(x.old.cpu)}`, x.old.rssAll.join(', '), f2(x.old.rssMb / base.old.rssMb), `${f2(x.ratio.wall)} / ${f2(x.ratio.cpu)} / ${f2(x.ratio.rssMb)}`, x.sameOutput);
    return `| ${cells.join(' | ')} |`;
  });
  return [
    title,
    '',
    `The fleet project of \`scripts/bench/web-api.mjs\` at each node count (${r.services} kube-proxy services per node; ${r.packets.toLocaleString('en-US')} packets on the first node, flows stitched beforehand); \`/usr/bin/time\`, ${r.runs} run${r.runs === 1 ? '' : 's'} of each build, alternating; medians, and medians of per-pair ratios.`,
    `Load average ${r.load.map((l) => l.toFixed(2)).join(', ')} at the start, ${r.loadAfter.map((l) => l.toFixed(2)).join(', ')} at the end.`,
    '',
    ...head,
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = runReportNodesBench({
    nodes: option('nodes', '10,25,50').split(',').map(Number), services: Number(option('services', 500)), packets: Number(option('packets', 200_000)),
    runs: Number(option('runs', 3)), old: option('old', null), keep: option('keep', null), bin: option('bin', path.join(root, 'bin', 'natlens')),
  });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  if (process.argv.includes('--markdown')) process.stdout.write(`\n${reportNodesSection(r)}\n`);
}
