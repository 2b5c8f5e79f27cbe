#!/usr/bin/env node
// node scripts/bench/db-size-kinds.mjs [--scale 1]
//
// A project's size against the capture it holds, per kind of capture: one large capture of each kind a node can hand
// over (generated in each tool's own layout: a kube-proxy iptables-save dump and its `iptables -S` form, a BGP-fed
// `ip route` table and its `route -n` form, `ip addr` of a node with thousands of pod veths, `ip neigh`, a busy node's
// `conntrack -L`, a long `tcpdump -n -e` text, `kubectl get pods -o wide` of a large cluster, the kernel's TRACE lines)
// imported alone into a fresh project (`--no-stitch`). Prints the capture's bytes, the project's bytes, the bytes the
// capture added (the project less an empty one: every project starts at the same few MB of empty tables, one 64 KiB
// page each) and both ratios. --scale multiplies every size.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKubeProxyDump } from './kube-proxy-dump.mjs';
import { option } from './cli-args.mjs';
import './bench-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'natlens');

const ip4 = (net, i) => `${net}.${(i >> 8) & 255}.${i & 255}`;
const mac = (i) => `0a:58:0a:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

function lines(n, line) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(line(i));
  return `${out.join('\n')}\n`;
}

/** `iptables -S` of the dump's tables, one `iptables -t TABLE -S` after another, as a transcript holds them. */
function iptablesS(dumpText) {
  const out = [];
  for (const l of dumpText.split('\n')) {
    if (l.startsWith('*')) out.push(`root@node-a:~# iptables -t ${l.slice(1)} -S`);
    else if (l.startsWith(':')) {
      const [name, policy] = l.slice(1).split(' ');
      out.push(policy === '-' ? `-N ${name}` : `-P ${name} ${policy}`);
    } else if (l.startsWith('-A')) out.push(l);
  }
  return `${out.join('\n')}\n`;
}

export const KIND_CASES = [
  { kind: 'iptables-save', write: (f, s) => writeKubeProxyDump(f, 10_000 * s, 5) },
  { kind: 'iptables-save (iptables -S)', write: (f, s) => {
    writeKubeProxyDump(`${f}.save`, 10_000 * s, 5);
    fs.writeFileSync(f, iptablesS(fs.readFileSync(`${f}.save`, 'utf8')));
    fs.rmSync(`${f}.save`);
  } },
  { kind: 'ip-route', write: (f, s) => fs.writeFileSync(f, `default via 10.9.0.1 dev eth0 proto static metric 100\n` + lines(150_000 * s, (i) =>
    `${1 + ((i >> 16) & 127)}.${(i >> 8) & 255}.${i & 255}.0/24 via 10.9.0.${2 + (i % 3)} dev eth0 proto bgp metric 20`)) },
  { kind: 'route-table', write: (f, s) => fs.writeFileSync(f, 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n' + lines(150_000 * s, (i) =>
    `${`${1 + ((i >> 16) & 127)}.${(i >> 8) & 255}.${i & 255}.0`.padEnd(16)}${`10.9.0.${2 + (i % 3)}`.padEnd(16)}255.255.255.0   UG    20     0        0 eth0`)) },
  { kind: 'ip-addr', write: (f, s) => fs.writeFileSync(f, lines(5_000 * s, (i) => [
    `${i + 1}: veth${i.toString(16).padStart(8, '0')}@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default `,
    `    link/ether ${mac(i)} brd ff:ff:ff:ff:ff:ff link-netns cni-${i.toString(16).padStart(8, '0')}-1c2d-4e5f-8a9b-0c1d2e3f4a5b`,
    `    inet6 fe80::858:aff:fe${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}01/64 scope link `,
    '       valid_lft forever preferred_lft forever',
  ].join('\n'))) },
  { kind: 'ip-neigh', write: (f, s) => fs.writeFileSync(f, lines(50_000 * s, (i) => `${ip4('10.244', i)} dev cni0 lladdr ${mac(i)} REACHABLE`)) },
  { kind: 'conntrack', write: (f, s) => fs.writeFileSync(f, lines(150_000 * s, (i) => (i % 10 === 9
    ? `icmp     1 29 src=${ip4('10.244', i)} dst=${ip4('10.245', i % 997)} type=8 code=0 id=${i & 0xffff} src=${ip4('10.245', i % 997)} dst=${ip4('10.244', i)} type=0 code=0 id=${i & 0xffff} mark=0 use=1`
    : `tcp      6 431999 ESTABLISHED src=${ip4('10.244', i)} dst=10.96.0.10 sport=${1024 + (i % 60000)} dport=80 src=${ip4('10.245', i % 997)} dst=${ip4('10.244', i)} sport=8080 dport=${1024 + (i % 60000)} [ASSURED] mark=0 use=1`))) },
  { kind: 'tcpdump-text', write: (f, s) => fs.writeFileSync(f, lines(150_000 * s, (i) =>
    `${1796608561 + Math.floor(i / 1_000_000)}.${String(i % 1_000_000).padStart(6, '0')} 4a:0b:23:16:02:1c > b6:1d:23:11:83:e5, ethertype IPv4 (0x0800), length 74: ` +
    `${ip4('10.40', i)}.${1024 + (i % 60000)} > 10.40.1.2.8080: Flags [S], seq ${i}, win 64240, length 0`)) },
  { kind: 'kubectl', write: (f, s) => fs.writeFileSync(f, 'NAMESPACE     NAME                                READY   STATUS    RESTARTS   AGE   IP             NODE       NOMINATED NODE   READINESS GATES\n' + lines(20_000 * s, (i) =>
    `${`team-${i % 50}`.padEnd(14)}${`web-${i.toString(36).padStart(6, '0')}-7d4b9c-x${(i % 7).toString(36)}z`.padEnd(36)}1/1     Running   0          2d    ${ip4('10.244', i).padEnd(15)}${`node-${i % 200}`.padEnd(11)}<none>           <none>`)) },
  { kind: 'kernel-trace', write: (f, s) => fs.writeFileSync(f, lines(100_000 * s, (i) =>
    `[${(85447 + i / 1000).toFixed(6)}] TRACE: ${['raw:PREROUTING:policy:3', 'nat:PREROUTING:rule:1', 'nat:KUBE-SVC:rule:2', 'filter:INPUT:rule:1'][i % 4]} IN=ks0 OUT= ` +
    `MAC=6a:0c:ad:ab:11:fb:22:de:ae:19:f6:72:08:00 SRC=${ip4('10.77', (i >> 2) & 0xffff)} DST=${i % 4 === 3 ? '10.77.0.2' : '10.96.0.10'} LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=${i & 0xffff} DF PROTO=TCP ` +
    `SPT=${1024 + ((i >> 2) % 60000)} DPT=${i % 4 === 3 ? 8080 : 80} SEQ=${3215859919 + i} ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 OPT (020405B40402080A3FB3EDC1000000000103030A) `)) },
];

function projectBytes(db) {
  return ['', '-wal'].reduce((sum, s) => sum + (fs.existsSync(db + s) ? fs.statSync(db + s).size : 0), 0);
}

function importInto(db, file) {
  const r = spawnSync(process.execPath, [bin, 'import', '--db', db, '--node', 'node-a', '--no-stitch', '--json', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`import of ${file} failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const captures = [...report.nodes.flatMap((n) => n.captures), ...(report.cluster ?? [])];
  return { kinds: [...new Set(captures.map((c) => c.kind))].join(', '), records: captures.reduce((s, c) => s + c.records, 0), warnings: report.warnings.length };
}

export function runKindSizes({ scale = 1 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-dbsize-kinds-'));
  try {
    const emptyDb = path.join(dir, 'empty.db');
    const tiny = path.join(dir, 'tiny.txt');
    fs.writeFileSync(tiny, 'default via 10.0.0.1 dev eth0\n');
    importInto(emptyDb, tiny);
    const empty = projectBytes(emptyDb);
    const results = [];
    for (const c of KIND_CASES) {
      const file = path.join(dir, 'capture.txt');
      const db = path.join(dir, 'project.db');
      c.write(file, scale);
      const input = fs.statSync(file).size;
      const read = importInto(db, file);
      const bytes = projectBytes(db);
      results.push({ case: c.kind, ...read, input, bytes, added: bytes - empty, ratio: bytes / input, addedRatio: (bytes - empty) / input });
      for (const f of [file, db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
    }
    return { empty, results };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function kindSizesSection({ empty, results }) {
  const mb = (b) => (b / 1048576).toFixed(1);
  return [
    `Project size per kind of capture (scripts/bench/db-size-kinds.mjs): each capture imported alone into a fresh project; an`,
    `empty project is ${mb(empty)} MB (one 64 KiB page per table and index), "added" is the project less that.`,
    '',
    '| capture | kind stored | records | capture (MB) | project (MB) | added (MB) | project / capture | added / capture |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${r.case} | ${r.kinds} | ${r.records.toLocaleString('en-US')} | ${mb(r.input)} | ${mb(r.bytes)} | ${mb(r.added)} | ${r.ratio.toFixed(2)} | ${r.addedRatio.toFixed(2)} |`),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${kindSizesSection(runKindSizes({ scale: Number(option('scale', 1)) }))}\n`);
}
