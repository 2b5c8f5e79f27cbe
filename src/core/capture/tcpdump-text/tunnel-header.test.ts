import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../records/records';
import { parseTcpdumpText } from './tcpdump-text';

function read(lines: string[]): PacketRecord[] {
  const packets: PacketRecord[] = [];
  parseTcpdumpText({ file: 'overlay.txt', text: lines.join('\n'), firstLine: 1 }, (p) => packets.push(p));
  return packets;
}

const inner = (p: PacketRecord): unknown[] => [p.network, p.src, p.sport, p.dst, p.dport, p.ipProto, p.icmpId ?? null];

// Lines as tcpdump 4.99.3 printed them for the kernel overlay captures (test/fixtures/pcap-overlay) and their -v / -e / -t forms.
describe('tcpdump text: overlay tunnels', () => {
  it('reads the packet printed on the line after VXLAN and OTV (UDP 8472) headers as the packet, in the tunnel', () => {
    const packets = read([
      '1796674947.722205 IP 192.168.77.1.37890 > 192.168.77.2.4789: VXLAN, flags [I] (0x08), vni 4096',
      'IP 10.244.1.5.57950 > 10.244.2.7.80: Flags [S], seq 3743432757, win 64860, length 0',
      '1796674947.746843 IP 192.168.77.1.60209 > 192.168.77.2.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
      'IP 10.244.1.5 > 10.244.2.7: ICMP echo request, id 10999, seq 1, length 64',
      '1796674947.746900 IP 192.168.77.2.60209 > 192.168.77.1.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
      'ARP, Request who-has 10.244.2.7 tell 10.244.1.5, length 28',
    ]);
    expect(packets.map(inner)).toEqual([
      ['ipv4', '10.244.1.5', 57950, '10.244.2.7', 80, 6, null],
      ['ipv4', '10.244.1.5', null, '10.244.2.7', null, 1, 10999],
      ['arp', '10.244.1.5', null, '10.244.2.7', null, null, null],
    ]);
    expect(packets.map((p) => p.tunnel)).toEqual([
      { kind: 'vxlan', vni: 4096, src: '192.168.77.1', dst: '192.168.77.2', sport: 37890, dport: 4789 },
      { kind: 'vxlan', vni: 1, src: '192.168.77.1', dst: '192.168.77.2', sport: 60209, dport: 8472 },
      { kind: 'vxlan', vni: 1, src: '192.168.77.2', dst: '192.168.77.1', sport: 60209, dport: 8472 },
    ]);
    expect(packets.map((p) => p.line)).toEqual([1, 3, 5]);
  });

  it('reads Geneve and IPIP inner packets on the same line, and IPv6 in IPv4 as sit', () => {
    const packets = read([
      '1647858663.250708 IP 192.168.100.254.62974 > 192.168.100.3.6081: Geneve, Flags [none], vni 0x0, options [40 bytes]: IP 192.168.100.2.2905 > 192.168.100.1.8080: Flags [none], win 512, length 0',
      '1796674972.402193 IP 192.168.77.1 > 192.168.77.2: IP 10.244.1.5.32812 > 10.244.2.7.80: Flags [S], seq 2274489437, win 64860, length 0',
      '1796674972.032748 IP 192.168.77.1 > 192.168.77.2: IP6 :: > ff02::16: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28',
    ]);
    expect(packets.map(inner)).toEqual([
      ['ipv4', '192.168.100.2', 2905, '192.168.100.1', 8080, 6, null],
      ['ipv4', '10.244.1.5', 32812, '10.244.2.7', 80, 6, null],
      ['ipv6', '::', null, 'ff02::16', null, 58, null],
    ]);
    expect(packets.map((p) => [p.tunnel?.kind, p.tunnel?.vni, p.tunnel?.src, p.tunnel?.dport])).toEqual([
      ['geneve', 0, '192.168.100.254', 6081], ['ipip', null, '192.168.77.1', null], ['sit', null, '192.168.77.1', null],
    ]);
  });

  it('reads the -v forms: the inner header and its addresses on the lines after the outer one', () => {
    const packets = read([
      '20:22:52.402213 IP (tos 0x0, ttl 64, id 23322, offset 0, flags [none], proto UDP (17), length 110)',
      '    192.168.77.2.48521 > 192.168.77.1.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
      'IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 60)',
      '    10.244.2.7.80 > 10.244.1.5.32812: Flags [S.], cksum 0x1922 (incorrect -> 0xd156), seq 1, ack 2, win 64308, length 0',
      '20:22:52.402300 IP (tos 0x0, ttl 64, id 23322, offset 0, flags [DF], proto UDP (17), length 110)',
      '    192.168.77.2.48521 > 192.168.77.1.6081: Geneve, Flags [none], vni 0x7',
      '\tIP (tos 0x0, ttl 64, id 35700, offset 0, flags [DF], proto TCP (6), length 60)',
      '    10.244.1.5.32812 > 10.244.2.7.80: Flags [S], seq 2274489437, win 64860, length 0',
      '20:22:52.402400 IP (tos 0x0, ttl 64, id 64010, offset 0, flags [DF], proto IPIP (4), length 80)',
      '    192.168.77.1 > 192.168.77.2: IP (tos 0x0, ttl 64, id 35700, offset 0, flags [DF], proto TCP (6), length 60)',
      '    10.244.1.5.32812 > 10.244.2.7.80: Flags [S], seq 2274489437, win 64860, length 0',
    ]);
    expect(packets.map(inner)).toEqual([
      ['ipv4', '10.244.2.7', 80, '10.244.1.5', 32812, 6, null],
      ['ipv4', '10.244.1.5', 32812, '10.244.2.7', 80, 6, null],
      ['ipv4', '10.244.1.5', 32812, '10.244.2.7', 80, 6, null],
    ]);
    expect(packets.map((p) => p.tunnel?.kind)).toEqual(['vxlan', 'geneve', 'ipip']);
    expect(packets[0]!.ttl).toBe(64);
  });

  it('reads the -e forms: the inner Ethernet header before a VXLAN inner packet, no network word before an IPIP one', () => {
    const packets = read([
      '20:22:52.402193 2a:ca:b2:e2:d5:e4 > ba:b4:66:47:43:e6, ethertype IPv4 (0x0800), length 124: 192.168.77.1.44071 > 192.168.77.2.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
      'd2:13:d1:41:a3:d4 > 12:04:4e:c3:b4:88, ethertype IPv4 (0x0800), length 74: 10.244.1.5.32812 > 10.244.2.7.80: Flags [S], seq 2274489437, win 64860, length 0',
      '20:22:52.434543 2a:ca:b2:e2:d5:e4 > ba:b4:66:47:43:e6, ethertype IPv4 (0x0800), length 118: 192.168.77.1 > 192.168.77.2: 10.244.1.5 > 10.244.2.7: ICMP echo request, id 12238, seq 1, length 64',
    ]);
    expect(packets.map(inner)).toEqual([
      ['ipv4', '10.244.1.5', 32812, '10.244.2.7', 80, 6, null],
      ['ipv4', '10.244.1.5', null, '10.244.2.7', null, 1, 12238],
    ]);
    expect(packets.map((p) => [p.tunnel?.kind, p.srcMac, p.origLen])).toEqual([['vxlan', '2a:ca:b2:e2:d5:e4', 124], ['ipip', '2a:ca:b2:e2:d5:e4', 118]]);
  });

  it('keeps the outer packet with a reason when no inner line follows or the I flag is unset', () => {
    const packets = read([
      '1.000000 IP 192.168.77.1.37890 > 192.168.77.2.4789: VXLAN, flags [I] (0x08), vni 1',
      '2.000000 IP 192.168.77.1.37890 > 192.168.77.2.4789: VXLAN, flags [none] (0x00), ERROR: I flag not set',
      '3.000000 IP 192.168.77.1.1 > 192.168.77.2.53: UDP, length 10',
    ]);
    expect(packets.map(inner)).toEqual([
      ['ipv4', '192.168.77.1', 37890, '192.168.77.2', 4789, 17, null],
      ['ipv4', '192.168.77.1', 37890, '192.168.77.2', 4789, 17, null],
      ['ipv4', '192.168.77.1', 1, '192.168.77.2', 53, 17, null],
    ]);
    expect(packets.map((p) => [p.tunnel ?? null, p.tunnelProblem ?? null])).toEqual([
      [null, 'no inner packet line follows this vxlan packet: kept as the outer packet'],
      [null, 'UDP to port 4789 without the VXLAN I flag: kept as the UDP packet'],
      [null, null],
    ]);
  });

  it('reads echo ids of ICMP and ICMPv6 echoes (two pings between two hosts are two conntrack entries)', () => {
    const packets = read([
      '1.0 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 10999, seq 1, length 64',
      '1.1 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 11000, seq 1, length 64',
      '1.2 IP6 fd00::1 > fd00::2: ICMP6, echo request, id 27, seq 1, length 64',
      '1.3 IP 10.0.0.2 > 10.0.0.1: ICMP 10.0.0.9 udp port 53 unreachable, length 36',
    ]);
    expect(packets.map((p) => p.icmpId ?? null)).toEqual([10999, 11000, 27, null]);
  });
});
