/**
 * Evidence on the kernel lab (test/fixtures/lab): two nodes, eth0/cbr0/any captures as pcap and
 * tcpdump text, conntrack -L on each node, and scenario.json saying what was sent and what conntrack
 * showed. Every NATed TCP connection must come out as one flow holding every packet of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import { Store } from '../model/store';
import { FlowStore } from '../model/flow-store';
import { loadWorld } from './node-world';
import { stitchFlows } from './flows-stitch';
import { FlowSimulator } from '../flows/flow-simulator';
import { flowDetail, listFlows, type FlowView } from './flows';

const LAB = path.resolve(__dirname, '../../../test/fixtures/lab');

interface SentConnection {
  kind: string;
  src: string;
  sport?: number;
  dst: string;
  dport?: number;
  proto: string;
  answeredBy?: string;
  conntrack: Array<{ node: string; dnatTo?: string | null; snatTo?: string | null; line: string }>;
}

const scenario = JSON.parse(fs.readFileSync(path.join(LAB, 'scenario.json'), 'utf8')) as { sent: SentConnection[] };
const tcpSent = scenario.sent.filter((s) => s.proto === 'tcp');

/** conntrack's own text → the two tuples, independently of natlens's parser. */
function conntrackTuples(line: string): { original: Record<string, unknown>; reply: Record<string, unknown> } {
  const fields = [...line.matchAll(/(src|dst|sport|dport)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const);
  const half = (part: ReadonlyArray<readonly [string, string]>): Record<string, unknown> => {
    const t: Record<string, unknown> = { src: '', sport: null, dst: '', dport: null };
    for (const [k, v] of part) t[k] = k.endsWith('port') ? Number(v) : v;
    return t;
  };
  const split = fields.findIndex(([k], i) => k === 'src' && i > 0);
  return { original: half(fields.slice(0, split)), reply: half(fields.slice(split)) };
}

/** `ip addr`'s `N: name[@peer]:` lines as SLL2's `ifN` → name, read here without natlens's parser. */
function ifNames(node: string): Map<string, string> {
  const text = fs.readFileSync(path.join(LAB, 'nodes', node, 'ip-addr.txt'), 'utf8');
  return new Map([...text.matchAll(/^(\d+): ([^:@\s]+)/gm)].map((m) => [`if${m[1]}`, m[2]!]));
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-flows-'));
}

function importInto(dir: string, dbFile: string): Store {
  const store = Store.open(dbFile);
  const report = importPaths(store, [dir]);
  expect(report.errors).toEqual([]);
  return store;
}

function findFlow(flows: FlowView[], s: SentConnection): FlowView[] {
  return flows.filter((f) => f.original.src === s.src && f.original.sport === (s.sport ?? null) && f.original.dst === s.dst && f.original.dport === (s.dport ?? null));
}

const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});

describe('flows on the kernel lab captures', () => {
  let store: Store;
  let flows: FlowView[];
  beforeAll(() => {
    const dir = tmpDir();
    cleanup.push(dir);
    store = importInto(path.join(LAB, 'nodes'), path.join(dir, 'lab.db'));
    stitchFlows(store);
    flows = listFlows(store);
  });
  afterAll(() => store.close());

  it('makes every TCP connection of the scenario exactly one flow whose tuples are conntrack\'s', () => {
    expect(tcpSent.length).toBe(8);
    for (const sent of tcpSent) {
      const found = findFlow(flows, sent);
      expect(found, `${sent.src}:${sent.sport}`).toHaveLength(1);
      const flow = found[0]!;
      expect(flow.nat).toEqual(['dnat', 'snat']);
      expect(flow.evidence).toBe('conntrack');
      expect(flow.service).toBe('default/hello:http');
      const listed = flow.timeline.conntrack.map((c) => ({ node: c.node, original: c.original, reply: c.reply }));
      const expected = sent.conntrack.map((c) => ({ node: c.node, ...conntrackTuples(c.line) }));
      expect(listed.sort((a, b) => a.node.localeCompare(b.node))).toEqual(expected.sort((a, b) => a.node.localeCompare(b.node)));
      // The client's end is the first node's original; the server's end is the last node's reply.
      const first = expected.find((c) => (c.original as { src: string }).src === sent.src)!;
      expect(flow.original).toEqual(first.original);
      expect(expected.map((c) => c.reply)).toContainEqual(flow.reply);
    }
  });

  it('places every captured packet of a connection on its flow, on every interface and node', () => {
    for (const sent of tcpSent) {
      const flow = findFlow(flows, sent)[0]!;
      // Independently: every packet whose tuple is one of conntrack's tuples (either way round) belongs to it.
      const tuples = new Set<string>();
      for (const c of sent.conntrack) {
        const { original, reply } = conntrackTuples(c.line);
        for (const t of [original, reply]) {
          tuples.add(`${t.src}|${t.sport}|${t.dst}|${t.dport}`);
          tuples.add(`${t.dst}|${t.dport}|${t.src}|${t.sport}`);
        }
      }
      // Each real packet once: the pcap and its tcpdump text, and `-i any` beside `-i cbr0`, show the same packet
      // at the same point and instant; the point named from the packet, `ip addr`'s ifindex, or the file name.
      // Two tcpdumps of one point stamp a packet up to a few µs apart: sightings from different captures that
      // close together are one packet; two sightings in one capture are two.
      const sightings = new Map<string, Array<{ micros: number; capture: number }>>();
      for (const key of tuples) {
        const [src, sport, dst, dport] = key.split('|');
        for (const p of store.packetsWithTuple({ ipProto: 6, src: src!, sport: Number(sport), dst: dst!, dport: Number(dport) })) {
          const capture = store.capture(p.captureId)!;
          const node = path.basename(path.dirname(capture.sourceFile));
          const iface = p.iface === null ? path.basename(capture.sourceFile).split('.')[0]! : (ifNames(node).get(p.iface) ?? p.iface);
          const at = [node, iface, key, p.tcpFlags, p.payloadLen].join(' ');
          const list = sightings.get(at) ?? [];
          list.push({ micros: p.tsSec * 1e6 + Math.floor(p.tsNsec / 1000), capture: p.captureId });
          sightings.set(at, list);
        }
      }
      let expectedPackets = 0;
      for (const list of sightings.values()) {
        const clusters: Array<{ micros: number; captures: Set<number> }> = [];
        for (const s of list.sort((a, b) => a.micros - b.micros)) {
          const join = clusters.find((c) => !c.captures.has(s.capture) && Math.abs(c.micros - s.micros) <= 5);
          if (join) join.captures.add(s.capture);
          else clusters.push({ micros: s.micros, captures: new Set([s.capture]) });
        }
        expectedPackets += clusters.length;
      }
      const packets = flow.observations.filter((o) => o.kind === 'packet');
      expect(flow.packets).toBe(expectedPackets);
      expect(packets).toHaveLength(expectedPackets);
      const points = new Set(packets.map((o) => `${o.node} ${o.interface}`));
      const clientNode = sent.kind === 'cluster-ip' ? 'nodea' : 'nodeb';
      const serverNode = sent.answeredBy!.startsWith('a') ? 'nodea' : 'nodeb';
      const expectedPoints = [`${serverNode} cbr0`, ...(sent.kind === 'cluster-ip' ? ['nodea cbr0'] : ['nodeb eth0'])];
      if (clientNode !== serverNode) expectedPoints.push(`${clientNode} eth0`, `${serverNode} eth0`);
      for (const point of expectedPoints) expect(points, `${sent.sport}`).toContain(point);
      // Ordered by time (the two nodes' clocks agree here: the offset found is tiny).
      const times = packets.map((o) => o.alignedTime!);
      expect([...times].sort()).toEqual(times);
    }
  });

  it('names the rule behind each rewrite: the KUBE-SEP DNAT to the endpoint that answered and the MASQUERADE address', () => {
    for (const sent of tcpSent) {
      const flow = findFlow(flows, sent)[0]!;
      for (const c of sent.conntrack.filter((x) => x.dnatTo && x.snatTo)) {
        const onNode = flow.timeline.rewrites.filter((r) => r.node === c.node);
        const dnat = onNode.find((r) => r.kind === 'dnat')!;
        expect(dnat).toMatchObject({ to: c.dnatTo, evidence: 'conntrack+rules', service: 'default/hello:http' });
        expect(dnat.chain).toMatch(/^KUBE-SEP-/);
        expect(dnat.rule).toContain(`--to-destination ${c.dnatTo}`);
        const masq = onNode.find((r) => r.kind === 'masquerade')!;
        expect(masq).toMatchObject({ to: c.snatTo, chain: 'KUBE-POSTROUTING' });
      }
    }
  });

  it('tells pre-NAT from post-NAT sightings: the pod side of the client node before, the wire after', () => {
    const flow = findFlow(flows, tcpSent[0]!)[0]!;
    const stageAt = (node: string, iface: string, direction: string): string[] =>
      [...new Set(flow.observations.filter((o) => o.node === node && o.interface === iface && o.direction === direction).map((o) => o.stage!))];
    expect(stageAt('nodea', 'cbr0', 'original')).toEqual(['pre-NAT']);
    expect(stageAt('nodea', 'eth0', 'original')).toEqual(['post-NAT']);
    expect(stageAt('nodea', 'eth0', 'reply')).toEqual(['reply before de-NAT']);
    expect(stageAt('nodea', 'cbr0', 'reply')).toEqual(['reply after de-NAT']);
    expect(flow.tcp).toMatchObject({ oneSided: false, retransmissions: 0 });
    expect(flow.tcp!.handshakeMs).toBeGreaterThan(0);
  });

  it('finds the same interfaces from the packet (any) and the file name (eth0.pcap), and counts a pcap and its text once', () => {
    const flow = findFlow(flows, tcpSent[0]!)[0]!;
    const packets = flow.observations.filter((o) => o.kind === 'packet');
    expect(new Set(packets.map((o) => o.interfaceFrom))).toEqual(new Set(['packet', 'file-name']));
    const fromEth0 = packets.filter((o) => /nodea\/eth0\.pcap#\d+$/.test(o.source));
    expect(fromEth0.length).toBeGreaterThan(0);
    // The text printed beside the pcap is its twin: named, never counted.
    expect(packets.some((o) => /\.tcpdump\.txt:\d+$/.test(o.source))).toBe(false);
    for (const o of fromEth0) expect(o.twins).toEqual([expect.stringMatching(/nodea\/eth0\.tcpdump\.txt:1$/)]);
    expect(flow.tcp!.retransmissions).toBe(0);
  });

  it('stores the flows once and pages a flow\'s packets in order without recomputing', () => {
    const again = stitchFlows(store);
    expect(again.recomputed).toBe(false);
    const flow = findFlow(flows, tcpSent[0]!)[0]!;
    const page = flowDetail(store, flow.id, { offset: 10, limit: 5 })!;
    expect(page.observations.filter((o) => o.kind === 'packet')).toEqual(flow.observations.slice(10, 15));
    const first = flow.observations[0]!;
    expect(new FlowStore(store).flowOfPacket(first.captureId, first.frame!)).toBe(flow.id);
  });
});

describe('inference without conntrack', () => {
  it('predicts with the simulator where a ClusterIP packet arriving on cbr0 is rewritten to', () => {
    const dir = tmpDir();
    cleanup.push(dir);
    const store = importInto(path.join(LAB, 'nodes'), path.join(dir, 'lab.db'));
    try {
      const sim = new FlowSimulator(loadWorld(store));
      const predicted = sim.predict({ node: 'nodea', iface: 'cbr0', tuple: { proto: 6, src: '10.40.1.3', sport: 40123, dst: '10.96.0.10', dport: 80 } });
      const tuples = predicted.map((p) => `${p.tuple.src}:${p.tuple.sport} > ${p.tuple.dst}:${p.tuple.dport}`);
      expect(tuples).toContain('192.168.56.11:40123 > 10.40.2.2:8080');
      expect(tuples).toContain('10.40.1.1:40123 > 10.40.1.2:8080');
      expect(predicted[0]!.reason).toContain('default/hello:http');
    } finally {
      store.close();
    }
  });

  it('still makes each connection one flow from packets alone, marked inferred rather than observed', () => {
    const dir = tmpDir();
    cleanup.push(dir);
    const copy = path.join(dir, 'nodes');
    fs.cpSync(path.join(LAB, 'nodes'), copy, { recursive: true });
    for (const node of ['nodea', 'nodeb']) fs.rmSync(path.join(copy, node, 'conntrack.txt'));
    const store = importInto(copy, path.join(dir, 'lab.db'));
    try {
      stitchFlows(store);
      const flows = listFlows(store);
      for (const sent of tcpSent) {
        const found = findFlow(flows, sent);
        expect(found, `${sent.src}:${sent.sport}`).toHaveLength(1);
        expect(found[0]!.evidence).toBe('inferred');
        expect(found[0]!.nat).toEqual(['dnat', 'snat']);
        expect(found[0]!.timeline.notes.some((n) => n.startsWith('inferred, not observed'))).toBe(true);
        expect(found[0]!.timeline.rewrites.every((r) => r.evidence === 'rules')).toBe(true);
      }
    } finally {
      store.close();
    }
  });
});

/** Adds `seconds` to every packet time of a classic pcap (little-endian, as the lab writes) and of tcpdump -tt text. */
function shiftCaptures(dir: string, seconds: number): void {
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.endsWith('.pcap')) {
      const buf = fs.readFileSync(file);
      expect(buf.readUInt32LE(0)).toBe(0xa1b2c3d4);
      for (let at = 24; at + 16 <= buf.length; ) {
        buf.writeUInt32LE(buf.readUInt32LE(at) + seconds, at);
        at += 16 + buf.readUInt32LE(at + 8);
      }
      fs.writeFileSync(file, buf);
    } else if (name.includes('tcpdump')) {
      const text = fs.readFileSync(file, 'utf8').replace(/^(\d+)\./gm, (_, s: string) => `${Number(s) + seconds}.`);
      fs.writeFileSync(file, text);
    }
  }
}

describe('clock alignment across nodes', () => {
  it('finds a +3600 s skew of one node within a few ms and keeps every flow and observation in the same order', () => {
    const dir = tmpDir();
    cleanup.push(dir);
    const copy = path.join(dir, 'nodes');
    fs.cpSync(path.join(LAB, 'nodes'), copy, { recursive: true });
    shiftCaptures(path.join(copy, 'nodeb'), 3600);
    const plain = importInto(path.join(LAB, 'nodes'), path.join(dir, 'plain.db'));
    const skewed = importInto(copy, path.join(dir, 'skewed.db'));
    try {
      const a = stitchFlows(plain);
      const b = stitchFlows(skewed);
      const offset = (s: typeof a, node: string): number => s.clock.find((c) => c.node === node)!.offsetSeconds;
      const before = offset(a, 'nodeb') - offset(a, 'nodea');
      const after = offset(b, 'nodeb') - offset(b, 'nodea');
      expect(Math.abs(before)).toBeLessThan(0.005);
      expect(Math.abs(after - before + 3600)).toBeLessThan(0.005);
      const shape = (flows: FlowView[]): string[] =>
        flows.map((f) => `${f.id} ${f.proto} ${JSON.stringify(f.original)} | ${f.observations.map((o) => `${o.node}/${o.interface}/${path.basename(o.source)}`).join(',')}`);
      const plainFlows = listFlows(plain);
      const skewedFlows = listFlows(skewed);
      expect(shape(skewedFlows)).toEqual(shape(plainFlows));
      // The raw times stay as captured; the shift shows in the offset, never silently.
      const obs = skewedFlows.flatMap((f) => f.observations).find((o) => o.node === 'nodeb' && o.kind === 'packet')!;
      expect(obs.clockAligned).toBe(true);
      expect(Math.abs(obs.clockOffset - (offset(b, 'nodeb')))).toBeLessThan(1e-9);
      expect(Date.parse(obs.time!) - Date.parse(obs.alignedTime!)).toBeGreaterThan(3599_000);
    } finally {
      plain.close();
      skewed.close();
    }
  });
});
