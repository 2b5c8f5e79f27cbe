/**
 * The kernel lab's captures (test/fixtures/lab/nodes) were written once as pcap and once as the tcpdump
 * text of the same packets. Whatever form a user imports, the flows must be the same: same connections,
 * same packet counts, same capture points. Also: text without dates lands on the pcap's date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { FlowStore } from '../model/flow-store';
import { tempProject } from '../../../test/support/temp-project';
import { stitchFlows } from './flows-stitch';
import { listFlows, type FlowView } from './flows';
import { transcriptDate } from './flows-twins';
import { concat, epb, idb, option, shb } from '../capture/pcap/capture-builder.fixture';

const NODES = path.resolve(__dirname, '../../../test/fixtures/lab/nodes');
const project = tempProject('twins');
afterAll(() => project.cleanup());

type Form = 'pcap' | 'text' | 'both';

/** A copy of the lab with the packet captures of one form only (everything else kept). */
function labAs(form: Form): string {
  const root = project.file(`lab-${form}`);
  for (const node of fs.readdirSync(NODES)) {
    fs.mkdirSync(path.join(root, node), { recursive: true });
    for (const f of fs.readdirSync(path.join(NODES, node))) {
      if (form === 'pcap' && f.endsWith('.tcpdump.txt')) continue;
      if (form === 'text' && f.endsWith('.pcap')) continue;
      fs.copyFileSync(path.join(NODES, node, f), path.join(root, node, f));
    }
  }
  return root;
}

interface FlowShape {
  tuples: string;
  packets: number;
  points: string[];
  retransmissions: number | null;
  perPoint: Record<string, number>;
}

function shape(f: FlowView): FlowShape {
  const perPoint: Record<string, number> = {};
  for (const o of f.observations) {
    if (o.kind !== 'packet') continue;
    const key = `${o.node} ${o.interface} ${o.packet.src}:${o.packet.sport}>${o.packet.dst}:${o.packet.dport}`;
    perPoint[key] = (perPoint[key] ?? 0) + 1;
  }
  return {
    tuples: `${f.proto} ${JSON.stringify(f.original)} ${JSON.stringify(f.reply)} ${f.nat.join(',')} ${f.service}`,
    packets: f.packets,
    points: [...new Set(f.observations.filter((o) => o.kind === 'packet').map((o) => `${o.node} ${o.interface}`))].sort(),
    retransmissions: f.tcp?.retransmissions ?? null,
    perPoint,
  };
}

function flowsOf(form: Form): { flows: FlowView[]; shapes: FlowShape[] } {
  const store = project.store(`${form}.db`);
  const report = importPaths(store, [labAs(form)]);
  expect(report.errors).toEqual([]);
  stitchFlows(store);
  const flows = listFlows(store);
  return { flows, shapes: flows.map(shape).sort((a, b) => a.tuples.localeCompare(b.tuples)) };
}

describe('flows of the lab imported as pcap, as text, or both', () => {
  const pcap = flowsOf('pcap');
  const text = flowsOf('text');
  const both = flowsOf('both');

  it('gives the same flows, packet counts and interfaces whichever form was imported', () => {
    expect(pcap.shapes.length).toBeGreaterThanOrEqual(9);
    expect(text.shapes).toEqual(pcap.shapes);
    expect(both.shapes).toEqual(pcap.shapes);
  });

  it('counts each real packet once: no flow of the lab shows a retransmission, no interface is unknown', () => {
    for (const f of both.flows) {
      if (f.tcp) expect(f.tcp.retransmissions, `flow ${f.id}`).toBe(0);
      for (const o of f.observations) if (o.kind === 'packet') expect(o.interface, o.source).not.toBeNull();
    }
  });

  it('records which captures are twins: every text is wholly a copy of its pcap', () => {
    const store = project.store('both.db');
    const twins = new FlowStore(store).captureTwins();
    const byFile = new Map(twins.map((t) => [store.capture(t.captureId)!.sourceFile, t]));
    for (const [file, t] of byFile) {
      if (!file.endsWith('.tcpdump.txt')) continue;
      expect(t.duplicates, file).toBe(t.packets);
      expect(store.capture(t.twinOf!)!.sourceFile.endsWith('.pcap'), file).toBe(true);
    }
  });

  it('gives each tuple of a wholly copied capture a flow: its twin\'s same tuple\'s', () => {
    const store = project.store('both.db');
    const flowOf = store.db.prepare('SELECT flow_id FROM flow_tuples WHERE capture_id = ? AND tuple_id = ?').pluck();
    const key = (t: { src: string | null; sport: number | null; dst: string | null; dport: number | null; ipProto: number | null }): string =>
      `${t.ipProto}|${t.src}|${t.sport}|${t.dst}|${t.dport}`;
    let asked = 0;
    for (const t of new FlowStore(store).captureTwins()) {
      if (t.duplicates !== t.packets || t.twinOf === null) continue;
      const twin = new Map([...store.packets.tuplesOf(t.twinOf)].map(([id, tuple]) => [key(tuple), id]));
      for (const [id, tuple] of store.packets.tuplesOf(t.captureId)) {
        const twinId = twin.get(key(tuple));
        if (tuple.ipProto === null || twinId === undefined) continue;
        asked++;
        const flow = flowOf.get(t.captureId, id);
        expect(flow, `${store.capture(t.captureId)!.sourceFile} ${key(tuple)}`).toBeDefined();
        expect(flow).toBe(flowOf.get(t.twinOf, twinId));
      }
    }
    expect(asked).toBeGreaterThan(20);
  });
});

describe('tcpdump text without dates', () => {
  /** eth0's text as tcpdump prints it by default (time of day, no date), beside the pcap or alone. */
  function undatedLab(withPcap: boolean, name: string): string {
    const dir = project.file(name, 'nodea');
    fs.mkdirSync(dir, { recursive: true });
    const text = fs.readFileSync(path.join(NODES, 'nodea', 'eth0.tcpdump.txt'), 'utf8').replace(/^(\d+)\.(\d{6}) /gm, (_, sec: string, frac: string) => {
      const d = new Date(Number(sec) * 1000);
      return `${d.toISOString().slice(11, 19)}.${frac} `;
    });
    fs.writeFileSync(path.join(dir, 'eth0.tcpdump.txt'), text);
    if (withPcap) fs.copyFileSync(path.join(NODES, 'nodea', 'eth0.pcap'), path.join(dir, 'eth0.pcap'));
    return path.dirname(dir);
  }

  it('places them on the date of their twin pcap, marked inferred, and counts them once', () => {
    const store = project.store('undated-twin.db');
    expect(importPaths(store, [undatedLab(true, 'undated-twin')]).errors).toEqual([]);
    stitchFlows(store);
    const twins = new FlowStore(store).captureTwins();
    const textTwin = twins.find((t) => store.capture(t.captureId)!.kind === 'tcpdump-text')!;
    expect(textTwin).toMatchObject({ timeBasis: 'twin', duplicates: textTwin.packets });
    expect(textTwin.shiftSeconds! % 86400).toBe(0);
    const flows = listFlows(store);
    for (const f of flows) for (const o of f.observations) expect(o.time?.startsWith('1970')).not.toBe(true);
  });

  it('places them by the node\'s other dated captures when no twin has dates', () => {
    const root = undatedLab(false, 'undated-node');
    // iptables-save says when it ran (# Generated by ... on Mon Nov 23 22:43:50 2026).
    fs.copyFileSync(path.join(NODES, 'nodea', 'iptables-save.txt'), path.join(root, 'nodea', 'iptables-save.txt'));
    const mtime = new Date('2030-01-01T00:00:00Z');
    fs.utimesSync(path.join(root, 'nodea', 'eth0.tcpdump.txt'), mtime, mtime);
    const store = project.store('undated-node.db');
    expect(importPaths(store, [root]).errors).toEqual([]);
    stitchFlows(store);
    const packets = listFlows(store).flatMap((f) => f.observations.filter((o) => o.kind === 'packet'));
    expect(packets.length).toBeGreaterThan(0);
    for (const o of packets) {
      expect(o).toMatchObject({ timeInferred: true, timeBasis: 'node-captures' });
      expect(o.time!.slice(0, 16)).toBe('2026-11-23T22:43');
    }
  });

  it('places them by the file time when nothing else is dated, never in 1970', () => {
    const root = undatedLab(false, 'undated-alone');
    const file = path.join(root, 'nodea', 'eth0.tcpdump.txt');
    const mtime = new Date('2026-11-24T01:00:00Z');
    fs.utimesSync(file, mtime, mtime);
    const store = project.store('undated-alone.db');
    expect(importPaths(store, [root]).errors).toEqual([]);
    stitchFlows(store);
    const packets = listFlows(store).flatMap((f) => f.observations.filter((o) => o.kind === 'packet'));
    expect(packets.length).toBeGreaterThan(0);
    for (const o of packets) {
      expect(o).toMatchObject({ timeInferred: true, timeBasis: 'file-mtime' });
      // 22:43 of the day before the file was last written.
      expect(o.time!.slice(0, 16)).toBe('2026-11-23T22:43');
    }
  });
});

describe('tcpdump text without dates in a transcript', () => {
  it('is placed by the date the transcript printed, zone included', () => {
    expect(transcriptDate([{ line: 2, text: 'Mon Nov 23 22:43:44 UTC 2026\n' }], 4, 22 * 3600 + 43 * 60 + 45)).toBe(1795392000);
    // 14:43 Pacific is 22:43 UTC: a capture printing 14:43:45 local lands at 22:43:45 UTC.
    expect(transcriptDate([{ line: 2, text: 'Mon Nov 23 14:43:44 PST 2026' }], 4, 14 * 3600 + 43 * 60 + 45)! + 14 * 3600 + 43 * 60 + 45)
      .toBe(Date.UTC(2026, 10, 23, 22, 43, 45) / 1000);
    expect(transcriptDate([{ line: 2, text: 'Mon Nov 23 22:43:44 2026' }], 4, 0)).toBeNull();
    expect(transcriptDate([{ line: 2, text: 'date: invalid option' }], 4, 0)).toBeNull();
  });

  it('reads the date from the session around the tcpdump and marks the packets inferred', () => {
    const file = project.write('transcript/nodea.txt', [
      'root@nodea:~# date',
      'Mon Nov 23 22:43:44 UTC 2026',
      'root@nodea:~# tcpdump -ni eth0 -c 2',
      'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode',
      'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes',
      '22:43:45.668009 IP 192.168.56.11.40001 > 10.40.2.2.8080: Flags [S], seq 3489919080, win 64240, length 0',
      '22:43:45.668089 IP 10.40.2.2.8080 > 192.168.56.11.40001: Flags [S.], seq 203947968, ack 3489919081, win 65160, length 0',
      '2 packets captured',
      'root@nodea:~# ',
      '',
    ].join('\n'));
    const store = project.store('transcript.db');
    expect(importPaths(store, [file]).errors).toEqual([]);
    stitchFlows(store);
    const packets = listFlows(store).flatMap((f) => f.observations.filter((o) => o.kind === 'packet'));
    expect(packets.map((o) => [o.time, o.timeInferred, o.timeBasis, o.interface, o.interfaceFrom])).toEqual([
      ['2026-11-23T22:43:45.668009000Z', true, 'transcript-date', 'eth0', 'command'],
      ['2026-11-23T22:43:45.668089000Z', true, 'transcript-date', 'eth0', 'command'],
    ]);
  });
});

describe('the lab as one pcapng per node with interface names', () => {
  /** eth0.pcap and cbr0.pcap of a node (µs pcap, little-endian) as one pcapng whose IDBs name them. */
  function pcapngOf(node: string): Uint8Array {
    const ifaces = ['eth0', 'cbr0'];
    const packets: Array<{ ts: bigint; ifId: number; data: Uint8Array }> = [];
    ifaces.forEach((iface, ifId) => {
      const bytes = fs.readFileSync(path.join(NODES, node, `${iface}.pcap`));
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(view.getUint32(0, true)).toBe(0xa1b2c3d4);
      for (let at = 24; at + 16 <= bytes.length;) {
        const capLen = view.getUint32(at + 8, true);
        const ts = BigInt(view.getUint32(at, true)) * 1_000_000n + BigInt(view.getUint32(at + 4, true));
        packets.push({ ts, ifId, data: bytes.subarray(at + 16, at + 16 + capLen) });
        at += 16 + capLen;
      }
    });
    packets.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.ifId - b.ifId));
    const name = (n: string): Uint8Array => new TextEncoder().encode(n);
    return concat([shb(), ...ifaces.map((i) => idb(1, [option(2, name(i))])), ...packets.map((p) => epb(p.ifId, p.ts, p.data))]);
  }

  function importAs(kind: 'pcapng' | 'pcap'): FlowShape[] {
    const root = project.file(`lab-${kind}-named`);
    for (const node of ['nodea', 'nodeb']) {
      fs.mkdirSync(path.join(root, node), { recursive: true });
      for (const f of ['ip-addr.txt', 'ip-route.txt', 'iptables-save.txt', 'conntrack.txt']) fs.copyFileSync(path.join(NODES, node, f), path.join(root, node, f));
      if (kind === 'pcapng') fs.writeFileSync(path.join(root, node, 'capture.pcapng'), pcapngOf(node));
      else for (const i of ['eth0', 'cbr0']) fs.copyFileSync(path.join(NODES, node, `${i}.pcap`), path.join(root, node, `${i}.pcap`));
    }
    const store = project.store(`${kind}-named.db`);
    expect(importPaths(store, [root]).errors).toEqual([]);
    stitchFlows(store);
    const flows = listFlows(store);
    const from = new Set(flows.flatMap((f) => f.observations.filter((o) => o.kind === 'packet').map((o) => o.interfaceFrom)));
    expect(from).toEqual(new Set([kind === 'pcapng' ? 'packet' : 'file-name']));
    return flows.map(shape).sort((a, b) => a.tuples.localeCompare(b.tuples));
  }

  it('gives the same flows as interface-named pcap files', () => {
    const named = importAs('pcapng');
    expect(named.length).toBeGreaterThanOrEqual(9);
    expect(named).toEqual(importAs('pcap'));
  });
});

describe('the lab with its terminal transcripts', () => {
  it('reads a transcript\'s `tcpdump -r eth0.pcap` as a twin of the pcap, dated by it, and adds no packet', () => {
    const store = project.store('transcripts.db');
    const lab = path.resolve(NODES, '..');
    expect(importPaths(store, [NODES, path.join(lab, 'transcripts')]).errors).toEqual([]);
    stitchFlows(store);
    const transcripts = new FlowStore(store).captureTwins().filter((t) => store.capture(t.captureId)!.sourceFile.includes('transcripts'));
    expect(transcripts).toHaveLength(2);
    for (const t of transcripts) {
      expect(t).toMatchObject({ duplicates: t.packets, timeBasis: 'twin', shiftSeconds: Date.UTC(2026, 10, 23) / 1000 });
      expect(t.packets).toBeGreaterThan(0);
    }
    expect(listFlows(store).map(shape).sort((a, b) => a.tuples.localeCompare(b.tuples))).toEqual(flowsOf('both').shapes);
  });
});
