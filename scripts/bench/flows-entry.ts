/**
 * The flow-stitching benchmark's worker, bundled by flows.mjs:
 *   generate DB PACKETS [CONNECTIONS]
 *                        — writes a project with 2 nodes x 5 interfaces (10 packet captures) and
 *                          conntrack entries: pod → ClusterIP connections DNATed to the other node's
 *                          pods and masqueraded, each seen pre-NAT on the client node and post-NAT on both.
 *                          CONNECTIONS (default PACKETS / 60, every connection whole): each connection's
 *                          first PACKETS / CONNECTIONS packets (6 points a segment: short ones are SYN scans).
 *   stitch DB            — stitches it and prints a JSON summary.
 */
import { newPacketRecord } from '../../src/core/capture/pcap/packet-record';
import type { ConntrackEntry, PacketRecord } from '../../src/core/records/records';
import { stitchFlows } from '../../src/core/project/flows-stitch';
import { Store, type PacketWriter } from '../../src/core/model/store';

const [, , mode, db, countText, connectionsText] = process.argv;

/** Segments of one connection (direction, flags, payload): handshake, a request, a response, teardown. */
const SEGMENTS: Array<[dir: 0 | 1, flags: number, len: number]> = [
  [0, 0x02, 0], [1, 0x12, 0], [0, 0x10, 0], [0, 0x18, 80], [1, 0x10, 0], [1, 0x18, 186], [0, 0x10, 0], [0, 0x11, 0], [1, 0x11, 0], [0, 0x10, 0],
];

function generate(file: string, packets: number, wanted: number | null): void {
  const store = Store.open(file);
  const whole = SEGMENTS.length * 6;
  const connections = wanted ?? Math.ceil(packets / whole);
  const perConnection = wanted === null ? whole : Math.min(whole, Math.max(1, Math.floor(packets / connections)));
  store.transaction(() => {
    const nodes = { a: store.ensureNode('nodea'), b: store.ensureNode('nodeb') };
    const writers = new Map<string, { w: PacketWriter; frame: number }>();
    const capture = (node: 'a' | 'b', iface: string): { w: PacketWriter; frame: number } => {
      const key = `${node}|${iface}`;
      let c = writers.get(key);
      if (!c) {
        const id = store.insertCapture({
          nodeId: nodes[node], sourceId: null, kind: 'pcap', namespace: null, sourceFile: `node${node}-${iface}.pcap`, firstLine: null,
          lastLine: null, command: null, partial: false, contentHash: key, takenAt: null,
        });
        c = { w: store.packetWriter(id), frame: 0 };
        writers.set(key, c);
      }
      return c;
    };
    const conntrackA: ConntrackEntry[] = [];
    const conntrackB: ConntrackEntry[] = [];
    const tuple = (src: string, sport: number, dst: string, dport: number) => ({ src, sport, dst, dport, icmp: null, packets: null, bytes: null });
    const entry = (o: ReturnType<typeof tuple>, r: ReturnType<typeof tuple>, line: number): ConntrackEntry => ({
      family: 'ipv4', proto: 'tcp', protoNumber: 6, timeout: 100, state: 'TIME_WAIT', original: o, reply: r, unreplied: false,
      assured: true, mark: 0, zone: null, use: 1, flags: [], line,
    });
    const p: PacketRecord = newPacketRecord(0, 0, 0, null, 1, 66, 66, 0);
    // One capture's packets at a time (the whole sequence is walked once per capture, writing only that capture's):
    // a store holds one packet writer open at a time.
    const order = ['a|veth-a1', 'a|veth-a2', 'a|veth-a3', 'a|cbr0', 'a|eth0', 'b|eth0', 'b|cbr0', 'b|veth-b1', 'b|veth-b2', 'b|veth-b3'];
    let written = 0;
    for (const only of order) {
      written = 0;
      const conntrackWanted = only === order[0];
      let t = 1_795_000_000;
      for (let i = 0; i < connections && written < packets; i++) {
        const pod = 1 + (i % 3);
        // Every connection its own tuples before and after NAT, up to 192,000 connections.
        const client = `10.40.1.${1 + pod + 3 * Math.floor(i / 40000)}`;
        const sport = 20000 + (i % 40000);
        const masqueraded = 1024 + (i % 64000);
        const service = `10.96.0.${10 + (i % 50)}`;
        const endpoint = `10.40.2.${2 + (i % 3)}`;
        const isn = (i * 2654435761) >>> 0;
        const risn = (i * 40503 + 7) >>> 0;
        const pre = [client, sport, service, 80] as const;
        const post = ['192.168.56.11', masqueraded, endpoint, 8080] as const;
        if (conntrackWanted) conntrackA.push(entry(tuple(client, sport, service, 80), tuple(endpoint, 8080, '192.168.56.11', masqueraded), conntrackA.length + 1));
        if (conntrackWanted) conntrackB.push(entry(tuple('192.168.56.11', masqueraded, endpoint, 8080), tuple(endpoint, 8080, '192.168.56.11', masqueraded), conntrackB.length + 1));
        const points: Array<[node: 'a' | 'b', iface: string, t: readonly [string, number, string, number], delay: number]> = [
          ['a', `veth-a${pod}`, pre, 0], ['a', 'cbr0', pre, 3e3], ['a', 'eth0', post, 40e3], ['b', 'eth0', post, 60e3], ['b', 'cbr0', post, 90e3],
          ['b', `veth-b${1 + (i % 3)}`, post, 95e3],
        ];
        t += 0.0005;
        let mine = 0;
        SEGMENTS.forEach(([dir, flags, len], s) => {
          for (const [node, iface, tt, delay] of dir === 0 ? points : [...points].reverse()) {
            if (written >= packets || mine++ >= perConnection) return;
            written++;
            if (`${node}|${iface}` !== only) continue;
            const c = capture(node, iface);
            const when = t + s * 0.0002 + (dir === 0 ? delay : 100e3 - delay) / 1e9;
            p.frame = ++c.frame;
            p.tsSec = Math.floor(when);
            p.tsNsec = Math.floor((when - p.tsSec) * 1e9);
            p.iface = iface;
            p.network = 'ipv4';
            p.ipProto = 6;
            [p.src, p.sport, p.dst, p.dport] = dir === 0 ? [tt[0], tt[1], tt[2], tt[3]] : [tt[2], tt[3], tt[0], tt[1]];
            p.tcpFlags = flags;
            p.seq = dir === 0 ? (isn + (s > 2 ? 1 : 0)) >>> 0 : (risn + (s > 1 ? 1 : 0)) >>> 0;
            p.ack = flags & 0x10 ? (dir === 0 ? risn + 1 : isn + 1) >>> 0 : null;
            p.payloadLen = len;
            c.w.add(p);
          }
        });
      }
      writers.get(only)?.w.flush();
    }
    const ct = (node: number, entries: ConntrackEntry[]): void => {
      const id = store.insertCapture({
        nodeId: node, sourceId: null, kind: 'conntrack', namespace: null, sourceFile: 'conntrack.txt', firstLine: 1, lastLine: entries.length,
        command: 'conntrack -L', partial: false, contentHash: `ct${node}`, takenAt: null,
      });
      store.insertConntrack(id, entries);
      store.finishCapture(id, entries.length, null, null);
    };
    ct(nodes.a, conntrackA);
    ct(nodes.b, conntrackB);
    process.stdout.write(`${JSON.stringify({ packets: written, connections: conntrackA.length, captures: writers.size })}\n`);
  });
  store.close();
}

if (mode === 'generate' && db && countText) generate(db, Number(countText), connectionsText === undefined ? null : Number(connectionsText));
else if (mode === 'stitch' && db) {
  const store = Store.open(db);
  const trace = process.env.FLOWS_BENCH_HEAP === '1';
  // With `node --expose-gc`, a full collection before each figure: the heap that is live, not garbage not yet collected.
  const collect = (globalThis as { gc?: () => void }).gc;
  const summary = stitchFlows(store, {
    force: true,
    progress: trace ? (pass, done) => {
      collect?.();
      const m = process.memoryUsage();
      process.stderr.write(`${pass} ${done} heap ${(m.heapUsed / 1048576).toFixed(0)} MB rss ${(m.rss / 1048576).toFixed(0)} MB\n`);
    } : undefined,
  });
  store.close();
  process.stdout.write(`${JSON.stringify({ ...summary, rssMb: process.memoryUsage().rss / 1048576 })}\n`);
} else {
  process.stderr.write('usage: flows-entry generate DB PACKETS [CONNECTIONS] | stitch DB\n');
  process.exitCode = 2;
}
