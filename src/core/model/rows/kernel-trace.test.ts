/** kernel_trace rows: each event read back as parsed, its line from the deflated text blocks (migration 21) or its own row. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKernelTrace } from '../../capture/kernel-trace/kernel-trace';
import { useTempProject } from '../../../../test/support/temp-project';
import { databaseAtVersion } from '../schema-version.fixture';
import { SCHEMA_VERSION } from '../schema';
import { Store } from '../store';

const project = useTempProject('kernel-trace-rows');

/** `n` TRACE lines, four for each packet (rule, rule, rule, policy), of `connections` connections in turn, with varied fields. */
function traceText(n: number, connections = n): string {
  const hooks = ['raw:PREROUTING:policy:3', 'nat:PREROUTING:rule:1', 'nat:KUBE-SVC-X:rule:2', 'filter:INPUT:rule:1'];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = (i >> 2) % connections;
    const local = i % 4 === 3;
    lines.push(`[${(85447 + i / 1000).toFixed(6)}] TRACE: ${hooks[i % 4]} IN=ks0 OUT= MAC=6a:0c:ad:ab:11:fb:22:de:ae:19:f6:72:08:00 ` +
      `SRC=10.77.${(c >> 8) & 255}.${c & 255} DST=${local ? '10.77.0.2' : '10.96.0.10'} LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=${i} DF PROTO=TCP ` +
      `SPT=${1024 + c} DPT=${local ? 8080 : 80} SEQ=${3215859919 + i} ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 `);
  }
  return `${lines.join('\n')}\n`;
}

function store(into: Store, text: string): { captureId: number; events: ReturnType<typeof parseKernelTrace>['events'] } {
  const { events } = parseKernelTrace({ file: 'kern.log', text, firstLine: 1 });
  const captureId = into.insertCapture({
    nodeId: into.ensureNode('n'), sourceId: null, kind: 'kernel-trace', namespace: null, sourceFile: 'kern.log', firstLine: 1,
    lastLine: events.length, command: null, partial: false, contentHash: `h${events.length}`, takenAt: null,
  });
  into.transaction(() => into.insertRecords(captureId, { kind: 'kernel-trace', events, takenAt: null }));
  return { captureId, events };
}

describe('kernel_trace rows', () => {
  it('reads every event back as parsed, its line from a text block, over several blocks', () => {
    const s = project().store();
    const { captureId, events } = store(s, traceText(1300));
    const back = s.kernelTraceOf(captureId);
    expect(back.map(({ captureId: _, seq: __, ...e }) => e)).toEqual(events);
    expect([...s.eachKernelTraceOf(captureId)].map((e) => e.text)).toEqual(events.map((e) => e.text));
    // The lines live in the blocks, not in the rows.
    expect(s.db.prepare("SELECT count(*) FROM kernel_trace WHERE text <> ''").pluck().get()).toBe(0);
    expect(s.db.prepare('SELECT count(*) FROM kernel_trace_text WHERE capture_id = ?').pluck().get(captureId)).toBe(3);
  });

  it('gives rows picked by address pair their own lines, whichever block they are in', () => {
    const s = project().store();
    // 300 connections, each traced twice 1,200 lines apart: a pair's lines lie in two blocks.
    const { events } = store(s, traceText(2400, 300));
    const between = s.kernelTraceBetween('10.77.1.7', '10.96.0.10');
    const expected = events.filter((e) => e.packet.src === '10.77.1.7' && e.packet.dst === '10.96.0.10');
    expect(expected.map((e) => Math.floor((e.line - 1) / 512))).toEqual([2, 2, 2, 4, 4, 4]);
    expect(between.map((e) => [e.line, e.text])).toEqual(expected.map((e) => [e.line, e.text]));
    expect(s.kernelTraceBetween('10.77.0.1', '10.77.0.2').map((e) => e.text)).toEqual(
      events.filter((e) => e.packet.src === '10.77.0.1' && e.packet.dst === '10.77.0.2').map((e) => e.text),
    );
  });

  it('takes far fewer bytes than the log it holds', () => {
    const s = project().store();
    const text = traceText(20_000);
    const before = s.db.pragma('page_count', { simple: true }) as number;
    store(s, text);
    const pageSize = s.db.pragma('page_size', { simple: true }) as number;
    const added = ((s.db.pragma('page_count', { simple: true }) as number) - before) * pageSize;
    expect(added).toBeLessThan(Buffer.byteLength(text));
  });
});

describe('schema migration 21 (kernel trace lines in blocks)', () => {
  it('reads the lines of a version 20 project from its rows, and stores new ones in blocks beside them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-mig21-'));
    const file = path.join(dir, 'p.db');
    try {
      const db = databaseAtVersion(file, 20);
      db.prepare("INSERT INTO nodes (id, name, created_at) VALUES (1, 'n', 'now')").run();
      db.prepare(`INSERT INTO captures (id, node_id, kind, source_file, first_line, content_hash, imported_at, snapshot) VALUES (1, 1, 'kernel-trace', 'old.log', 1, 'h', 'now', 1)`).run();
      const old = traceText(2).split('\n');
      const hook = '{"kind":"rule","table":"nat","chain":"PREROUTING","position":1,"handle":null,"verdict":null,"ruleText":null}';
      for (const [seq, line] of old.slice(0, 2).entries()) {
        db.prepare(`INSERT INTO kernel_trace (capture_id, seq, line, format, hook, family, proto, src, dst, text) VALUES (1, ?, ?, 'kernel-log', ?, 'ipv4', 'tcp', '10.77.0.0', '10.96.0.10', ?)`)
          .run(seq, seq + 1, hook, line);
      }
      db.close();
      const s = Store.open(file);
      try {
        expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        const rows = s.kernelTraceOf(1);
        expect(rows.map((e) => e.text)).toEqual(old.slice(0, 2));
        expect(rows[0]!.hook).toEqual({ kind: 'rule', table: 'nat', chain: 'PREROUTING', position: 1, handle: null, verdict: null, ruleText: null });
        const { captureId, events } = store(s, traceText(600));
        expect(s.kernelTraceOf(captureId).map((e) => e.text)).toEqual(events.map((e) => e.text));
        expect(s.kernelTraceBetween('10.77.0.0', '10.96.0.10').map((e) => e.text)).toEqual([
          ...old.slice(0, 2),
          ...events.filter((e) => e.packet.src === '10.77.0.0' && e.packet.dst === '10.96.0.10').map((e) => e.text),
        ]);
      } finally {
        s.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
