import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { readPacketCapture } from '../capture/pcap/read-packet-capture';
import { useTempProject } from '../../../test/support/temp-project';
import { stitchFlows } from './flows-stitch';
import { listFlows } from './flows';

const OVERLAY = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../test/fixtures/pcap-overlay');
const project = useTempProject('flows-overlay');

const TUNNELS = {
  'vxlan-8472': { kind: 'vxlan', vni: 1, dport: 8472 },
  'vxlan-4789': { kind: 'vxlan', vni: 4096, dport: 4789 },
  geneve: { kind: 'geneve', vni: 7, dport: 6081 },
  ipip: { kind: 'ipip', vni: null, dport: null },
} as const;

describe('flows of overlay captures taken on a node underlay (test/fixtures/pcap-overlay)', () => {
  it.each(Object.keys(TUNNELS) as Array<keyof typeof TUNNELS>)(
    '%s: the pod connections are the flows, each packet in the tunnel between the nodes, two pings two flows',
    (kind) => {
      // The pcap and tcpdump's text of it, as an engineer attaches both: the text is the pcap's twin, counted once.
      mkdirSync(project().file('nodea'), { recursive: true });
      copyFileSync(path.join(OVERLAY, `overlay-${kind}.pcap`), project().file(`nodea/ul0.pcap`));
      copyFileSync(path.join(OVERLAY, `overlay-${kind}.tcpdump.txt`), project().file(`nodea/ul0.tcpdump.txt`));
      const store = project().store();
      const report = importPaths(store, [project().file('nodea')]);
      expect(report.errors).toEqual([]);
      expect(report.warnings).toEqual([]);
      const want = TUNNELS[kind];
      // The outer packets, counted per tunnel between the two nodes: in the pcap and in its text alike.
      for (const c of report.nodes[0]!.captures) {
        // (The IPIP capture's IPv6 neighbour discovery went as IPv6 in IPv4: `sit` tunnels beside the `ipip` ones.)
        expect(new Set(c.tunnels!.filter((t) => t.kind === want.kind).map((t) => `${t.src} > ${t.dst} ${t.vni} ${t.dport}`))).toEqual(new Set([
          `192.168.77.1 > 192.168.77.2 ${want.vni} ${want.dport}`, `192.168.77.2 > 192.168.77.1 ${want.vni} ${want.dport}`,
        ]));
        expect(c.tunnels!.reduce((n, t) => n + t.packets, 0)).toBe(c.records - countPlain(path.join(OVERLAY, `overlay-${kind}.pcap`)));
      }
      stitchFlows(store);
      const flows = listFlows(store).filter((f) => f.proto === 'tcp' || f.proto === 'icmp');
      const out = { ...want, src: '192.168.77.1', dst: '192.168.77.2' };
      const back = { ...want, src: '192.168.77.2', dst: '192.168.77.1' };
      expect(flows.map((f) => [f.proto, f.original.src, f.original.dst, f.original.dport])).toEqual([
        ['tcp', '10.244.1.5', '10.244.2.7', 80], ['icmp', '10.244.1.5', '10.244.2.7', null], ['icmp', '10.244.1.5', '10.244.2.7', null],
      ]);
      // TCP: handshake, data both ways, FIN both ways; each ping: two requests and two replies.
      expect(flows.map((f) => f.observations.length)).toEqual([10, 4, 4]);
      for (const f of flows) {
        for (const o of f.observations) {
          expect(o.tunnel).toEqual(o.direction === 'original' ? out : back);
          expect(o.twins).toEqual([`${project().file('nodea/ul0.tcpdump.txt')}:1`]);
        }
      }
      expect(flows[0]!.tcp).toMatchObject({ synCount: 1, synAckCount: 1 });
    },
  );

  it('keeps a pod packet seen inside the tunnel and the same packet seen on the tunnel device as two sightings, not twins', () => {
    // The tunnel device's view: what tcpdump printed inside the tunnel, at the same instants, without the outer line.
    const device = deviceLines('overlay-vxlan-4789');
    mkdirSync(project().file('noded'), { recursive: true });
    copyFileSync(path.join(OVERLAY, 'overlay-vxlan-4789.pcap'), project().file('noded/capture.pcap'));
    project().write('noded/device.tcpdump.txt', `${device.join('\n')}\n`);
    const store = project().store();
    expect(importPaths(store, [project().file('noded')]).errors).toEqual([]);
    stitchFlows(store);
    const tcp = listFlows(store).filter((f) => f.proto === 'tcp');
    expect(tcp).toHaveLength(1);
    expect(tcp[0]!.observations.length).toBe(20);
    expect(tcp[0]!.observations.filter((o) => o.tunnel).map((o) => o.source.replace(/^.*\//, '').replace(/#\d+$/, ''))).toEqual(Array(10).fill('capture.pcap'));
    expect(tcp[0]!.observations.every((o) => o.twins.length === 0)).toBe(true);
  });

  it('gives each hop of a flow its tunnel: the underlay\'s sightings in VXLAN, the tunnel device\'s as they are', () => {
    mkdirSync(project().file('noded'), { recursive: true });
    copyFileSync(path.join(OVERLAY, 'overlay-vxlan-4789.pcap'), project().file('noded/capture.pcap'));
    project().write('noded/device.tcpdump.txt', `${deviceLines('overlay-vxlan-4789').join('\n')}\n`);
    const store = project().store();
    expect(importPaths(store, [project().file('noded')]).errors).toEqual([]);
    stitchFlows(store);
    const tcp = listFlows(store).filter((f) => f.proto === 'tcp');
    const hops = tcp[0]!.timeline.hops.map((h) => [h.direction, h.tunnel ? `${h.tunnel.kind} ${h.tunnel.vni} ${h.tunnel.src} > ${h.tunnel.dst} ${h.tunnel.dport}` : null, h.packets]);
    expect(hops).toHaveLength(4);
    expect(hops).toEqual(expect.arrayContaining([
      ['original', 'vxlan 4096 192.168.77.1 > 192.168.77.2 4789', 6], ['reply', 'vxlan 4096 192.168.77.2 > 192.168.77.1 4789', 4],
      ['original', null, 6], ['reply', null, 4],
    ]));
  });

  it('keeps a packet seen in a tunnel and as it is in one capture (-i any) as two capture points, not a retransmission', () => {
    // tcpdump -i any on a node: the underlay's outer packet, then the tunnel device's inner one at the same instant.
    const lines = readFileSync(path.join(OVERLAY, 'overlay-vxlan-4789.tcpdump.txt'), 'utf8').split('\n');
    const both: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const outer = /^(\d+\.\d+) IP .*: VXLAN, /.exec(lines[i]!);
      if (outer) both.push(lines[i]!, lines[i + 1]!, `${outer[1]} ${lines[++i]}`);
      else both.push(lines[i]!);
    }
    project().write('nodee/any.tcpdump.txt', both.join('\n'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodee')]).errors).toEqual([]);
    stitchFlows(store);
    const tcp = listFlows(store).filter((f) => f.proto === 'tcp');
    expect(tcp).toHaveLength(1);
    expect(tcp[0]!.packets).toBe(20);
    expect(tcp[0]!.tcp?.retransmissions).toBe(0);
    expect(tcp[0]!.timeline.hops.map((h) => [h.direction, h.tunnel?.kind ?? null, h.packets])).toEqual(expect.arrayContaining([
      ['original', 'vxlan', 6], ['original', null, 6], ['reply', 'vxlan', 4], ['reply', null, 4],
    ]));
    // Summarised, each of the four is a capture point of its own: its first and last packet, with its count.
    const [summarised] = listFlows(store, { summariseAbove: 0 }).filter((f) => f.proto === 'tcp');
    expect(summarised!.observations.map((o) => `${o.direction} ${o.tunnel?.kind ?? 'plain'} ${o.point?.position} ${o.point?.packets}`).sort()).toEqual([
      'original plain first 6', 'original plain last 6', 'original vxlan first 6', 'original vxlan last 6',
      'reply plain first 4', 'reply plain last 4', 'reply vxlan first 4', 'reply vxlan last 4',
    ]);
  });

  it('warns naming the packet (file#frame) whose inner frame is longer than the tunnel carried, and keeps it as the outer packet', () => {
    const source = path.join(OVERLAY, 'overlay-vxlan-4789.pcap');
    const bytes = readFileSync(source);
    let broken = 0;
    readPacketCapture(source, (p) => {
      if (broken === 0 && p.tunnel && p.network === 'ipv4') broken = p.frame;
      // Inner IPv4 total length: Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14, then 2 bytes in.
      if (p.frame === broken) bytes.writeUInt16BE(0xffff, p.offset! + 16 + 64 + 2);
    });
    const file = project().file('ul0.pcap');
    writeFileSync(file, bytes);
    const store = project().store();
    const report = importPaths(store, [file]);
    expect(report.warnings).toEqual([{ source: `${file}#${broken}`, message: expect.stringMatching(/^the VXLAN vni 4096 inner IPv4 packet claims 65535 bytes, the tunnel carried \d+: kept as the outer packet$/) }]);
    const capture = report.nodes[0]!.captures[0]!;
    expect(store.packets.tunnels(capture.id!).reduce((n, t) => n + t.packets, 0)).toBe(capture.records - 1 - countPlain(source));
    const row = store.packets.packetsOf(capture.id!, broken, 1)[0]!;
    expect([row.src, row.dst, row.dport]).toEqual(['192.168.77.1', '192.168.77.2', 4789]);
  });

  it('warns naming the line of a VXLAN packet whose inner line tcpdump never printed', () => {
    const file = project().write('nodec/ul0.tcpdump.txt', [
      '1796674947.722205 IP 192.168.77.1.37890 > 192.168.77.2.4789: VXLAN, flags [I] (0x08), vni 4096',
      '1796674947.722300 IP 192.168.77.1.37890 > 192.168.77.2.4789: VXLAN, flags [I] (0x08), vni 4096',
      'IP 10.244.1.5.57950 > 10.244.2.7.80: Flags [S], seq 3743432757, win 64860, length 0',
      '',
    ].join('\n'));
    const report = importPaths(project().store(), [file]);
    expect(report.warnings).toEqual([{ source: `${file}:1`, message: 'tcpdump-text: no inner packet line follows this vxlan packet: kept as the outer packet' }]);
  });
});

describe('echo ids in packet flows', () => {
  it('splits the packets of two pings between two hosts by echo id, each with the conntrack entry of its id', () => {
    project().write('nodea/conntrack.txt', [
      'icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=200 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=200 mark=0 use=1',
      'icmp     1 28 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=100 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=100 mark=0 use=1',
      '',
    ].join('\n'));
    project().write('nodea/eth0.tcpdump.txt', [
      '1796674947.100000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 100, seq 1, length 64',
      '1796674947.100100 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 200, seq 1, length 64',
      '1796674947.100200 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 100, seq 1, length 64',
      '1796674947.100300 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 200, seq 1, length 64',
      '1796674948.100000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 200, seq 2, length 64',
      '',
    ].join('\n'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodea')]).errors).toEqual([]);
    stitchFlows(store);
    const flows = listFlows(store);
    const ids = (f: (typeof flows)[number]): string[] => f.observations.map((o) => `${o.kind} ${o.source.replace(/^.*\//, '')}`);
    expect(flows.map((f) => [f.evidence, f.packets])).toEqual([['conntrack', 2], ['conntrack', 3]]);
    expect(flows.map(ids)).toEqual([
      ['packet eth0.tcpdump.txt:1', 'packet eth0.tcpdump.txt:3', 'conntrack conntrack.txt:2'],
      ['packet eth0.tcpdump.txt:2', 'packet eth0.tcpdump.txt:4', 'packet eth0.tcpdump.txt:5', 'conntrack conntrack.txt:1'],
    ]);
  });
});

/** Packets of a capture seen as they are (not in a tunnel). */
function countPlain(file: string): number {
  let n = 0;
  readPacketCapture(file, (p) => {
    if (!p.tunnel) n++;
  });
  return n;
}

/** The tunnel device's view of an overlay capture: what tcpdump printed inside the tunnel, at the same instants, without the outer line. */
function deviceLines(name: string): string[] {
  const lines = readFileSync(path.join(OVERLAY, `${name}.tcpdump.txt`), 'utf8').split('\n');
  const device: string[] = [];
  lines.forEach((line, i) => {
    const outer = /^(\d+\.\d+) IP .*: VXLAN, /.exec(line);
    if (outer) device.push(`${outer[1]} ${lines[i + 1]}`);
  });
  return device;
}
