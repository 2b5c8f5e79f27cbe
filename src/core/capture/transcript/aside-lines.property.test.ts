/**
 * Property: an elision or a stray message put between any two lines of a capture never makes it rejected;
 * every record is still read, at its own line, and the line is named in a warning.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { randomFrom } from '../../../../test/fuzz/prng';
import type { PacketRecord, ParsedCapture } from '../../records/records';
import { recordCount } from '../../records/records';
import { parseCaptureUnit, parseTcpdumpUnit, splitTextCapture } from '../registry';

const BASES = [
  'test/fixtures/real/qifangsu-demo/iptables-nat-nvL.txt',
  'test/fixtures/real/qifangsu-demo/iptables-filter-nvL.txt',
  'test/fixtures/real/flannel-issues/545-ip-route.txt',
  'test/fixtures/real/rancher-issues/12766-ip-route.txt',
  'test/fixtures/real/kubernetes-issues/129617-conntrack-L-p-udp.txt',
  'test/fixtures/real/kubernetes-issues/66432-tcpdump-names.txt',
];

const INLINE: Array<[string, string]> = [
  ['save', '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SVC-A - [0:0]\n-A PREROUTING -j KUBE-SVC-A\n-A KUBE-SVC-A -p tcp -j DNAT --to-destination 10.0.0.5:80\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n'],
  ['ip-addr', '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000\n    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\n'],
  ['ifconfig', 'eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        inet 10.0.0.5  netmask 255.255.255.0  broadcast 10.0.0.255\n        ether 02:00:00:00:00:01  txqueuelen 1000  (Ethernet)\n\nlo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        inet 127.0.0.1  netmask 255.0.0.0\n'],
  ['kubectl', 'NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nkubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   1d\nweb          ClusterIP   10.96.0.9    <none>        80/TCP    1d\ndb           ClusterIP   10.96.0.7    <none>        5432/TCP  1d\n'],
  ['route-n', 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         10.0.0.1        0.0.0.0         UG    0      0        0 eth0\n10.0.0.0        0.0.0.0         255.255.255.0   U     0      0        0 eth0\n'],
];

const ASIDE = ['...', '…', '[...]', '<snip>', '(output truncated)', '# ...', 'sudo: unable to resolve host node-1: Name or service not known', 'Warning: something was deprecated', 'bash: nft: command not found'];

interface Read {
  records: number;
  lines: number[];
  warnings: number[];
  partial: boolean;
}

function readAll(file: string, text: string): Read {
  const split = splitTextCapture({ file, text, firstLine: 1 });
  expect(split.units).toHaveLength(1);
  const unit = split.units[0]!;
  let lines: number[];
  let records: number;
  if (unit.kind === 'tcpdump-text') {
    const packets: PacketRecord[] = [];
    records = parseTcpdumpUnit(unit, (p) => packets.push(p)).packets;
    lines = packets.map((p) => p.line ?? 0);
  } else {
    const parsed: ParsedCapture = parseCaptureUnit(unit);
    records = recordCount(parsed);
    lines = linesOf(parsed);
  }
  return { records, lines, warnings: split.warnings.map((w) => w.line), partial: unit.partial };
}

function linesOf(parsed: ParsedCapture): number[] {
  switch (parsed.kind) {
    case 'iptables-save':
    case 'iptables-list':
      return parsed.ruleset.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => r.line)));
    case 'nft-ruleset':
      return parsed.rulesets.flatMap((rs) => rs.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => r.line))));
    case 'ip-addr':
      return parsed.interfaces.map((i) => i.line);
    case 'ip-route':
    case 'route-table':
      return parsed.routes.map((r) => r.line);
    case 'conntrack':
      return parsed.entries.map((e) => e.line);
    case 'bridge':
      return parsed.ports.map((p) => p.line);
    case 'kubectl':
      return [...parsed.services, ...parsed.endpoints, ...parsed.pods].map((r) => r.line);
    case 'ip-rule':
      return parsed.rules.map((r) => r.line);
    case 'ip-neigh':
      return parsed.neighbours.map((n) => n.line);
    case 'bridge-fdb':
      return parsed.entries.map((e) => e.line);
    case 'kernel-trace':
      return parsed.events.map((e) => e.line);
    case 'sysctl':
      return parsed.settings.map((e) => e.line);
    case 'probe':
      return parsed.probes.map((p) => p.line);
  }
}

describe('aside lines anywhere in a capture', () => {
  const bases: Array<[string, string]> = [...BASES.map((f): [string, string] => [f, readFileSync(f, 'utf8')]), ...INLINE];
  it.each(bases)('%s: 40 random insertions, each read with the same records at shifted lines', (name, text) => {
    const original = readAll(name, text);
    const rows = text.replace(/\n$/, '').split('\n');
    const random = randomFrom(name.length * 7919 + rows.length);
    for (let k = 0; k < 40; k++) {
      // Anywhere in the output; a line before the prompt is not in the output but text before the command.
      const first = /[#$] \S/.test(rows[0]!) ? 1 : 0;
      const at = first + random.int(rows.length + 1 - first);
      const aside = random.pick(ASIDE);
      const mutated = [...rows.slice(0, at), aside, ...rows.slice(at)].join('\n');
      const got = readAll(name, mutated);
      const where = `${name} with ${JSON.stringify(aside)} at line ${at + 1}`;
      expect(got.records, where).toBe(original.records);
      expect(got.lines, where).toEqual(original.lines.map((l) => (l > at ? l + 1 : l)));
      expect(got.warnings, where).toContain(at + 1);
      if (aside.includes('.') || aside.includes('…') || aside.includes('snip') || aside.includes('truncated')) expect(got.partial, where).toBe(true);
    }
  });
});
