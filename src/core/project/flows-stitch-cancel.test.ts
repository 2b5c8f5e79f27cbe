/** Cancelled stitching and reports store no flows; the next run stitches them whole. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import { FlowStore } from '../model/flow-store';
import { buildReport } from './report';
import { CancelledError } from '../common/cancellation';
import { stitchFlows, TRACE_CANCEL_EVERY } from './flows-stitch';
import { useTempProject } from '../../../test/support/temp-project';
import { newPacketRecord } from '../capture/pcap/packet-record';

const LAB = path.join('test', 'fixtures', 'lab', 'nodes');
const project = useTempProject('stitch-cancel');

describe('cancelling flow stitching', () => {
  it('stores no flows when cancelled while reading captures, and stitches them whole afterwards', () => {
    const store = project().store();
    expect(importPaths(store, [LAB]).errors).toEqual([]);
    const controller = new AbortController();
    expect(() => stitchFlows(store, { signal: controller.signal, progress: () => controller.abort() })).toThrow(CancelledError);
    const flows = new FlowStore(store);
    expect(flows.flowCount()).toBe(0);
    const summary = stitchFlows(store);
    expect(summary.recomputed).toBe(true);
    expect(summary.flows).toBeGreaterThan(0);
    expect(flows.flowCount()).toBe(summary.flows);
  });

  it('hears a cancel within one large capture, not only between captures', () => {
    const store = project().store();
    const packets = 150_000;
    store.transaction(() => {
      const id = store.insertCapture({
        nodeId: store.ensureNode('nodea'), sourceId: null, kind: 'pcap', namespace: null, sourceFile: 'eth0.pcap', firstLine: null, lastLine: null,
        command: null, partial: false, contentHash: 'eth0', takenAt: null,
      });
      const w = store.packetWriter(id);
      const p = newPacketRecord(0, 0, 0, 'eth0', 1, 60, 60, 0);
      Object.assign(p, { network: 'ipv4', ipProto: 17, src: '10.0.0.1', sport: 5000, dst: '10.0.0.2', dport: 53 });
      for (let i = 0; i < packets; i++) {
        p.frame = i + 1;
        p.tsSec = 1_795_000_000 + Math.floor(i / 1000);
        w.add(p);
      }
      w.flush();
      store.finishCapture(id, packets, null, null);
    });
    const controller = new AbortController();
    const seen: Array<[string, number]> = [];
    const progress = (pass: string, done: number): void => {
      seen.push([pass, done]);
      controller.abort();
    };
    expect(() => stitchFlows(store, { signal: controller.signal, progress })).toThrow(CancelledError);
    // The one capture was still being read when the cancel was heard.
    expect(seen).toEqual([['reading', 100_000]]);
    expect(new FlowStore(store).flowCount()).toBe(0);
  });

  it('hears a cancel within a long kernel trace, and stores no flow of it', () => {
    // Each line another connection's SYN in raw PREROUTING: TRACE_CANCEL_EVERY + 10 walks of one line.
    const lines = Array.from({ length: TRACE_CANCEL_EVERY + 10 }, (_, i) => (
      `[100.${String(i).padStart(6, '0')}] TRACE: raw:PREROUTING:policy:2 IN=eth0 OUT= SRC=10.1.${i >> 8}.${i & 255} DST=10.96.0.10 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=${i + 1} DF PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0`
    ));
    project().write('nodes/s/dmesg.txt', `${lines.join('\n')}\n`);
    const store = project().store();
    expect(importPaths(store, [project().file('nodes')]).errors).toEqual([]);
    let reads = 0;
    // The check before the capture passes; the one after TRACE_CANCEL_EVERY of its lines hears the cancel.
    const signal = { get aborted() { return ++reads > 1; } };
    expect(() => stitchFlows(store, { signal })).toThrow(CancelledError);
    expect(new FlowStore(store).flowCount()).toBe(0);
    expect(stitchFlows(store).flows).toBe(TRACE_CANCEL_EVERY + 10);
  });

  it('passes a report\'s signal to the stitching it starts: cancelled, it stores no flows', () => {
    const store = project().store();
    expect(importPaths(store, [LAB]).errors).toEqual([]);
    const controller = new AbortController();
    let reads = 0;
    // Aborted once the stitching the report starts has read its first capture.
    const signal = { get aborted() { return controller.signal.aborted || ++reads > 2; } };
    expect(() => buildReport(store, { signal })).toThrow(/^stitching the flows was cancelled$/);
    expect(new FlowStore(store).flowCount()).toBe(0);
    controller.abort();
    expect(() => buildReport(store, { signal: controller.signal })).toThrow(/^the report was cancelled$/);
  });
});
