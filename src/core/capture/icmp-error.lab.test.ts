/**
 * The kernel's own ICMP port unreachable (kube-proxy's REJECT for a service without endpoints, test/fixtures/lab-faults/
 * no-endpoints): the pcap decoder reads the header it quotes, tcpdump's text names its destination and port.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../records/records';
import { readPacketCapture } from './pcap/read-packet-capture';
import { parseTcpdumpText } from './tcpdump-text/tcpdump-text';
import { readFileSync } from 'node:fs';

const NODEA = path.resolve(__dirname, '../../../test/fixtures/lab-faults/no-endpoints/nodes/nodea');

const unreachables = (packets: PacketRecord[]): PacketRecord[] => packets.filter((p) => p.ipProto === 1 && p.icmpType === 3);

describe('ICMP destination unreachable: the packet it answers', () => {
  it('reads the embedded IPv4 and TCP header of a captured port unreachable', () => {
    const packets: PacketRecord[] = [];
    readPacketCapture(path.join(NODEA, 'cbr0.pcap'), (p) => packets.push(p));
    const [icmp] = unreachables(packets);
    // The SYN it answers is the one captured just before it on cbr0.
    const syn = packets.filter((p) => p.frame < icmp!.frame && p.dst === '10.96.0.20' && p.tcpFlags === 0x02).at(-1)!;
    expect(icmp).toMatchObject({ src: '10.40.1.1', dst: '10.40.1.3', icmpCode: 3 });
    expect(icmp!.icmpError).toEqual({ proto: 6, src: syn.src, dst: '10.96.0.20', sport: syn.sport, dport: 80 });
    // Echo replies and the rest carry none.
    expect(packets.filter((p) => p.icmpError != null)).toHaveLength(unreachables(packets).length);
  });

  it('reads destination, protocol and port from tcpdump\'s words, with no source port', () => {
    const packets: PacketRecord[] = [];
    parseTcpdumpText({ file: 'cbr0.tcpdump.txt', text: readFileSync(path.join(NODEA, 'cbr0.tcpdump.txt'), 'utf8'), firstLine: 1 }, (p) => packets.push(p));
    expect(unreachables(packets)[0]!.icmpError).toEqual({ proto: 6, src: '10.40.1.3', dst: '10.96.0.20', sport: null, dport: 80 });
  });

  it('reads the other forms tcpdump prints (print-icmp.c)', () => {
    const line = (icmp: string) => `10:00:00.000001 IP 10.0.0.1 > 10.40.1.3: ICMP ${icmp}, length 36\n`;
    const text = [
      line('10.96.0.10 udp port domain unreachable'), line('host 10.0.0.9 unreachable'), line('10.0.0.9 protocol 132 port 5000 unreachable'),
      line('10.0.0.9 protocol 47 unreachable'), line('echo request, id 1, seq 1'),
    ].join('');
    const packets: PacketRecord[] = [];
    parseTcpdumpText({ file: 'x.txt', text, firstLine: 1 }, (p) => packets.push(p));
    expect(packets.map((p) => p.icmpError ?? null)).toEqual([
      { proto: 17, src: '10.40.1.3', dst: '10.96.0.10', sport: null, dport: 53 },
      { proto: null, src: '10.40.1.3', dst: '10.0.0.9', sport: null, dport: null },
      { proto: 132, src: '10.40.1.3', dst: '10.0.0.9', sport: null, dport: 5000 },
      { proto: 47, src: '10.40.1.3', dst: '10.0.0.9', sport: null, dport: null },
      null,
    ]);
  });
});
