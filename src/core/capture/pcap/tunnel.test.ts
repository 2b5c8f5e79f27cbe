import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../records/records';
import { parseTcpdumpText } from '../tcpdump-text/tcpdump-text';
import { LINKTYPE, decodeFrame } from './link-layer';
import { newPacketRecord, recordMaker } from './packet-record';
import { readPacketCapture } from './read-packet-capture';

const OVERLAY = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../test/fixtures/pcap-overlay');
const KINDS = ['vxlan-8472', 'vxlan-4789', 'geneve', 'ipip'] as const;

// ---- frames built byte by byte ------------------------------------------------------------------------------

function ipv4(src: number[], dst: number[], proto: number, payload: number[], totalLen = 20 + payload.length): number[] {
  return [0x45, 0, totalLen >> 8, totalLen & 0xff, 0, 1, 0x40, 0, 64, proto, 0, 0, ...src, ...dst, ...payload];
}
function udp(sport: number, dport: number, payload: number[]): number[] {
  const len = 8 + payload.length;
  return [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, len >> 8, len & 0xff, 0, 0, ...payload];
}
function tcpSyn(sport: number, dport: number): number[] {
  return [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0];
}
function ethernet(type: number, payload: number[]): number[] {
  return [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, type >> 8, type & 0xff, ...payload];
}
function vxlan(vni: number, inner: number[], flags = 0x08): number[] {
  return [flags, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0, ...inner];
}
function geneve(vni: number, protocol: number, inner: number[], version = 0, options: number[] = []): number[] {
  return [(version << 6) | (options.length / 4), 0, protocol >> 8, protocol & 0xff, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0, ...options, ...inner];
}

const NODE_A = [192, 168, 77, 1];
const NODE_B = [192, 168, 77, 2];
const POD_A = [10, 244, 1, 5];
const POD_B = [10, 244, 2, 7];
const innerSyn = (): number[] => ipv4(POD_A, POD_B, 6, tcpSyn(40000, 80));
const underlay = (proto: number, payload: number[]): number[] => ethernet(0x0800, ipv4(NODE_A, NODE_B, proto, payload));

function decode(frame: number[], capLen = frame.length, addressText = true): PacketRecord {
  const p = newPacketRecord(7, 0, 0, null, LINKTYPE.ETHERNET, capLen, frame.length, 0);
  decodeFrame(p, LINKTYPE.ETHERNET, Uint8Array.from(frame), 0, capLen, frame.length, true, addressText);
  return p;
}

const fiveTuple = (p: PacketRecord): unknown[] => [p.src, p.sport, p.dst, p.dport, p.ipProto];

describe('overlay tunnels in pcap frames', () => {
  it('makes a VXLAN datagram (port 4789 and Linux 8472) the TCP packet it carries, the outer kept as the tunnel', () => {
    for (const port of [4789, 8472]) {
      const p = decode(underlay(17, udp(51000, port, vxlan(4096, ethernet(0x0800, innerSyn())))));
      expect(fiveTuple(p)).toEqual(['10.244.1.5', 40000, '10.244.2.7', 80, 6]);
      expect(p.tcpFlags).toBe(0x02);
      expect(p.tunnel).toEqual({ kind: 'vxlan', vni: 4096, src: '192.168.77.1', dst: '192.168.77.2', sport: 51000, dport: port });
      expect(p.tunnelProblem).toBeNull();
    }
  });

  it('gives the outer addresses as text when the IPv4 addresses are decoded as numbers only (the store read)', () => {
    const p = decode(underlay(17, udp(51000, 8472, vxlan(1, ethernet(0x0800, innerSyn())))), undefined, false);
    expect([p.src, p.srcV4, p.dstV4]).toEqual([null, 0x0af40105, 0x0af40207]);
    expect(p.tunnel).toMatchObject({ src: '192.168.77.1', dst: '192.168.77.2' });
  });

  it('reads VXLAN over an IPv6 underlay, the outer addresses as IPv6 text', () => {
    const datagram = udp(51000, 4789, vxlan(5, ethernet(0x0800, innerSyn())));
    const v6 = [0x60, 0, 0, 0, datagram.length >> 8, datagram.length & 0xff, 17, 64, 0xfd, ...Array(14).fill(0), 1, 0xfd, ...Array(14).fill(0), 2, ...datagram];
    const p = decode(ethernet(0x86dd, v6));
    expect(fiveTuple(p)).toEqual(['10.244.1.5', 40000, '10.244.2.7', 80, 6]);
    expect(p.network).toBe('ipv4');
    expect(p.tunnel).toEqual({ kind: 'vxlan', vni: 5, src: 'fd00::1', dst: 'fd00::2', sport: 51000, dport: 4789 });
  });

  it('reads Geneve carrying Ethernet (TEB) or IP directly, past its options', () => {
    const teb = decode(underlay(17, udp(1, 6081, geneve(7, 0x6558, ethernet(0x0800, innerSyn()), 0, [0, 0x81, 0, 1, 0, 0, 0, 0]))));
    expect(fiveTuple(teb)).toEqual(['10.244.1.5', 40000, '10.244.2.7', 80, 6]);
    expect(teb.tunnel).toMatchObject({ kind: 'geneve', vni: 7, dport: 6081 });
    const ip = decode(underlay(17, udp(1, 6081, geneve(0x123456, 0x0800, innerSyn()))));
    expect(ip.tunnel).toMatchObject({ kind: 'geneve', vni: 0x123456 });
    expect(ip.dst).toBe('10.244.2.7');
  });

  it('reads IPIP (protocol 4) and IPv6 in IPv4 (41) as the inner packet with the nodes as the tunnel', () => {
    const ipip = decode(underlay(4, innerSyn()));
    expect(fiveTuple(ipip)).toEqual(['10.244.1.5', 40000, '10.244.2.7', 80, 6]);
    expect(ipip.tunnel).toEqual({ kind: 'ipip', vni: null, src: '192.168.77.1', dst: '192.168.77.2', sport: null, dport: null });
    const v6 = [0x60, 0, 0, 0, 0, 20, 6, 64, ...Array(15).fill(0), 1, ...Array(15).fill(0), 2, ...tcpSyn(1, 2)];
    const sit = decode(underlay(41, v6));
    expect(sit.network).toBe('ipv6');
    expect([sit.src, sit.dst, sit.sport, sit.dport]).toEqual(['::1', '::2', 1, 2]);
    expect(sit.tunnel).toMatchObject({ kind: 'sit', src: '192.168.77.1' });
  });

  it('keeps the outer packet, saying why, when the inner IPv4 packet claims more bytes than the tunnel carried', () => {
    const inner = ipv4(POD_A, POD_B, 6, tcpSyn(1, 2), 1400);
    const p = decode(underlay(17, udp(51000, 4789, vxlan(1, ethernet(0x0800, inner)))));
    expect(fiveTuple(p)).toEqual(['192.168.77.1', 51000, '192.168.77.2', 4789, 17]);
    expect(p.tunnel).toBeNull();
    expect(p.tunnelProblem).toBe('the VXLAN vni 1 inner IPv4 packet claims 1400 bytes, the tunnel carried 40: kept as the outer packet');
  });

  it('keeps the outer packet when the inner frame is cut before its addresses, and the UDP packet without the I flag', () => {
    const frame = underlay(17, udp(51000, 8472, vxlan(1, ethernet(0x0800, innerSyn()))));
    // Cut 10 bytes into the inner IPv4 header (snap length): the outer is what there is.
    const cut = decode(frame, 14 + 20 + 8 + 8 + 14 + 10);
    expect(fiveTuple(cut)).toEqual(['192.168.77.1', 51000, '192.168.77.2', 8472, 17]);
    expect(cut.tunnelProblem).toMatch(/inner IP packet is cut before its addresses/);
    const noFlag = decode(underlay(17, udp(51000, 4789, vxlan(1, ethernet(0x0800, innerSyn()), 0))));
    expect(noFlag.dport).toBe(4789);
    expect(noFlag.tunnelProblem).toBe('UDP to port 4789 without the VXLAN I flag (flags 0x00): kept as the UDP packet');
    const teb = decode(underlay(17, udp(1, 6081, geneve(7, 0x6558, ethernet(0x0800, innerSyn()), 1))));
    expect(teb.tunnelProblem).toBe('Geneve version 1 is not decoded: kept as the UDP packet');
    const ipipCut = decode(underlay(4, innerSyn()), 14 + 20 + 8);
    expect(ipipCut.tunnel).toBeNull();
    expect(ipipCut.ipProto).toBe(4);
  });

  it('decodes one level only: VXLAN inside VXLAN is the middle UDP datagram in the outer tunnel', () => {
    const middle = ipv4([10, 0, 0, 1], [10, 0, 0, 2], 17, udp(2222, 4789, vxlan(9, ethernet(0x0800, innerSyn()))));
    const p = decode(underlay(17, udp(51000, 4789, vxlan(1, ethernet(0x0800, middle)))));
    expect(fiveTuple(p)).toEqual(['10.0.0.1', 2222, '10.0.0.2', 4789, 17]);
    expect(p.tunnel).toMatchObject({ kind: 'vxlan', vni: 1, src: '192.168.77.1' });
    expect(p.tunnelProblem).toBeNull();
  });

  it('never throws on a tunnelled frame cut at any length, and a cut frame is the inner packet or the outer one', () => {
    const frame = underlay(17, udp(51000, 4789, vxlan(1, ethernet(0x0800, innerSyn()))));
    for (let len = 0; len <= frame.length; len++) {
      const p = decode(frame, len);
      if (p.tunnel) expect(p.dst).toBe('10.244.2.7');
      else if (p.dst !== null) expect(p.dst).toBe('192.168.77.2');
      // A cut inside the tunnel's payload (past the VXLAN header) is what gets a warning, not a cut before it.
      expect(p.tunnelProblem !== null).toBe(!p.tunnel && len >= 14 + 20 + 8 + 8 && len < 14 + 20 + 8 + 8 + 14 + 20);
    }
  });

  it('leaves nothing of a tunnelled frame on the next frame of a reused record', () => {
    const make = recordMaker(true);
    const a = make(1, 0, 0, null, 1, 0, 0, 0);
    const tunnelled = Uint8Array.from(underlay(17, udp(51000, 4789, vxlan(1, ethernet(0x0800, ipv4(POD_A, POD_B, 1, [8, 0, 0, 0, 0x12, 0x34, 0, 1]))))));
    decodeFrame(a, 1, tunnelled, 0, tunnelled.length, tunnelled.length, true);
    expect([a.tunnel?.kind, a.icmpId]).toEqual(['vxlan', 0x1234]);
    const b = make(2, 0, 0, null, 1, 0, 0, 0);
    const plain = Uint8Array.from(underlay(6, tcpSyn(1, 2)));
    decodeFrame(b, 1, plain, 0, plain.length, plain.length, true);
    expect([b.tunnel, b.tunnelProblem, b.icmpId]).toEqual([null, null, null]);
  });
});

describe('overlay captures from the kernel (test/fixtures/pcap-overlay) against tcpdump -nn', () => {
  it.each(KINDS)('%s: every packet is the one tcpdump printed innermost, with the same tunnel and echo id', (kind) => {
    const pcap: PacketRecord[] = [];
    readPacketCapture(path.join(OVERLAY, `overlay-${kind}.pcap`), (p) => pcap.push(p));
    const textFile = path.join(OVERLAY, `overlay-${kind}.tcpdump.txt`);
    const text: PacketRecord[] = [];
    parseTcpdumpText({ file: textFile, text: readFileSync(textFile, 'utf8'), firstLine: 1 }, (p) => text.push(p));
    expect(pcap.length).toBe(text.length);
    // An ARP reply's text names no target address (`ARP, Reply 10.244.2.7 is-at ...`): its dst is left out.
    const view = (p: PacketRecord): unknown[] => [
      p.network, p.src, p.sport, p.network === 'arp' ? null : p.dst, p.dport, p.ipProto, p.icmpType, p.icmpId ?? null, p.tunnel ?? null,
    ];
    expect(pcap.map(view)).toEqual(text.map(view));
    const tunnelled = pcap.filter((p) => p.tunnel);
    expect(tunnelled.length).toBeGreaterThan(20);
    expect(pcap.some((p) => p.tunnelProblem)).toBe(false);
    // The traffic the lab sent: a TCP connection to 10.244.2.7:80 and two pings with two ids, all inside the tunnel.
    const syn = tunnelled.find((p) => p.tcpFlags === 0x02)!;
    expect([syn.src, syn.dst, syn.dport]).toEqual(['10.244.1.5', '10.244.2.7', 80]);
    expect(syn.tunnel).toMatchObject({ src: '192.168.77.1', dst: '192.168.77.2' });
    const echoIds = new Set(tunnelled.filter((p) => p.icmpType === 8).map((p) => p.icmpId));
    expect(echoIds.size).toBe(2);
  });
});
