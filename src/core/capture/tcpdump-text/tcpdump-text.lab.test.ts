import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../records/records';
import { parseTcpdumpText, type TcpdumpTextSummary } from './tcpdump-text';
import { comparePackets, readFieldsTable, type FieldsRow } from './tshark-table';

/** Real captures from scripts/lab/two-node.sh: tcpdump printed the text and wrote the pcap of the same packets. */
const LAB = path.resolve(process.cwd(), 'test', 'fixtures', 'lab');

const FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'vlan.id', 'ip.version', 'ip.src', 'ip.dst', 'ip.id', 'ip.ttl',
  'ip.flags.mf', 'ip.frag_offset', 'ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'tcp.srcport', 'tcp.dstport', 'tcp.flags',
  'tcp.seq_raw', 'tcp.ack_raw', 'udp.srcport', 'udp.dstport', 'icmp.type', 'icmp.code', 'icmpv6.type',
  'icmpv6.code', 'arp.opcode', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'eth.src', 'eth.dst', 'sll.pkttype',
  'frame.protocols',
];

function tsharkAvailable(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const haveTshark = tsharkAvailable();
if (!haveTshark) console.warn('tshark not found: skipping the lab comparisons of tcpdump text against the pcaps');

function tsharkRows(pcap: string): FieldsRow[] {
  const args = ['-r', pcap, '-T', 'fields', '-E', 'header=y', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
    '-o', 'tcp.relative_sequence_numbers:FALSE', ...FIELDS.flatMap((f) => ['-e', f])];
  return readFieldsTable(execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

function parse(file: string): { packets: PacketRecord[]; summary: TcpdumpTextSummary; lines: string[] } {
  const text = readFileSync(file, 'utf8');
  const packets: PacketRecord[] = [];
  const summary = parseTcpdumpText({ file, text, firstLine: 1 }, (p) => packets.push(p));
  return { packets, summary, lines: text.split('\n') };
}

const CAPTURES = ['nodea', 'nodeb'].flatMap((node) => ['eth0', 'cbr0', 'any'].map((iface) => ({ node, iface })));

describe.skipIf(!haveTshark)('lab tcpdump text agrees with tshark reading the pcap of the same packets', () => {
  it.each(CAPTURES)('$node $iface', ({ node, iface }) => {
    const base = path.join(LAB, 'nodes', node, iface);
    const { packets, summary, lines } = parse(`${base}.tcpdump.txt`);
    const rows = tsharkRows(`${base}.pcap`);
    const any = iface === 'any';
    expect(summary.clock).toBe('epoch');
    expect(summary.skippedLines).toBe(0);
    const problems = comparePackets(packets, rows, (n) => lines[n - 1] ?? '', {
      time: { clock: 'epoch', digits: 6 },
      verbose: any,
      link: !any,
      absoluteSeq: any,
    });
    packets.forEach((p, i) => {
      const row = rows[i]!;
      if (any) {
        const out = row['sll.pkttype'] === '4';
        if (p.direction !== (out ? 'out' : 'in')) problems.push(`frame ${p.frame}: direction ${p.direction}, sll.pkttype ${row['sll.pkttype']}`);
        if (p.iface === null) problems.push(`frame ${p.frame}: no interface`);
      } else {
        if (p.srcMac !== row['eth.src'] || p.dstMac !== row['eth.dst']) problems.push(`frame ${p.frame}: MACs ${p.srcMac} > ${p.dstMac}, tshark ${row['eth.src']} > ${row['eth.dst']}`);
      }
    });
    expect(problems).toEqual([]);
    expect(packets.length).toBeGreaterThan(10);
  });

  it('-i any names the interfaces of the node', () => {
    const { summary } = parse(path.join(LAB, 'nodes', 'nodea', 'any.tcpdump.txt'));
    expect([...summary.interfaces].sort()).toEqual(['cbr0', 'eth0', 'veth-a1', 'veth-a2']);
  });
});

describe('lab tcpdump text without tshark', () => {
  it('reads the DNAT of a ClusterIP connection on both sides of nodea', () => {
    const scenario = JSON.parse(readFileSync(path.join(LAB, 'scenario.json'), 'utf8')) as {
      sent: { kind: string; sport?: number; conntrack: { node: string; dnatTo?: string }[] }[];
    };
    const first = scenario.sent.find((s) => s.kind === 'cluster-ip')!;
    const dnat = first.conntrack.find((c) => c.node === 'nodea')!.dnatTo!;
    const { packets } = parse(path.join(LAB, 'nodes', 'nodea', 'any.tcpdump.txt'));
    const syns = packets.filter((p) => p.tcpFlags === 0x02 && p.sport === first.sport);
    // The SYN enters from pod a2 for the ClusterIP, and leaves towards the endpoint the kernel chose.
    expect(syns.find((p) => p.iface === 'veth-a2')).toMatchObject({ direction: 'in', src: '10.40.1.3', dst: '10.96.0.10', dport: 80 });
    const [podIp, podPort] = dnat.split(':');
    expect(syns.some((p) => p.direction === 'out' && p.dst === podIp && p.dport === Number(podPort))).toBe(true);
  });

  it('reads the tcpdump block of a node transcript with its real line numbers', () => {
    const file = path.join(LAB, 'transcripts', 'nodea.txt');
    const all = readFileSync(file, 'utf8').split('\n');
    const start = all.findIndex((l) => l.startsWith('root@nodea:~# tcpdump'));
    const end = all.findIndex((l, i) => i > start && l.startsWith('root@nodea:~#'));
    const block = all.slice(start + 1, end);
    const packets: PacketRecord[] = [];
    const summary = parseTcpdumpText({ file, text: block.join('\n'), firstLine: start + 2 }, (p) => packets.push(p));
    // `reading from file eth0.pcap, link-type EN10MB ...` is tcpdump's banner, not a packet.
    expect(summary.skippedLines).toBe(1);
    expect(all[summary.firstSkippedLine! - 1]).toMatch(/^reading from file eth0\.pcap/);
    expect(packets.length).toBe(block.length - 1);
    for (const p of packets) expect(p.tcpFlags === null ? p.ipProto : p.tcpFlags & 0x02).toBeTruthy();
    expect(all[packets[0]!.line! - 1]).toContain(`${packets[0]!.src}`);
    expect(summary.clock).toBe('time-of-day');
  });
});
