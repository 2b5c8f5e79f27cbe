/**
 * The pipeline's own rules (transactions, duplicates, node names, rejected files) with stand-in
 * readers over a toy format, so they are tested apart from any real parser:
 * - a file starting `PKT` is a packet capture, one packet per further line, `BAD` throws;
 * - `$ host kind` lines start transcript units; other text files are one `ip-route` unit;
 * - a route line `BAD` throws a CaptureError at its line.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { CaptureUnit, SplitResult, TextBlock } from '../capture/capture-unit';
import { CaptureError } from '../capture/capture-error';
import type { CaptureKind, PacketRecord, ParsedCapture, RouteRecord } from '../records/records';
import { linesOf, type TextInput } from '../capture/text-input';
import { newPacketRecord } from '../capture/pcap/packet-record';
import type { Store } from '../model/store';
import { listNodes } from '../project/nodes';
import type { CaptureReaders } from './capture-readers';
import { importPathsWith } from './import-pipeline';
import { useTempProject } from '../../../test/support/temp-project';

function route(dst: string, line: number): RouteRecord {
  return { type: 'unicast', dst, family: 'ipv4', via: null, dev: 'eth0', src: null, metric: null, table: 'main', scope: null, proto: null, flags: [], line };
}

const toy: CaptureReaders = {
  isPacketCapture: (head) => Buffer.from(head.subarray(0, 3)).toString() === 'PKT',
  readPacketCapture(file, sink, _onProgress, onBytes) {
    onBytes?.(fs.readFileSync(file));
    const lines = fs.readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l !== '');
    lines.forEach((l, i) => {
      if (l === 'BAD') throw new CaptureError({ file, record: i + 1, offset: 4 + i * 4 }, 'record cut short');
      const p: PacketRecord = newPacketRecord(i + 1, 1700000000, 0, null, 1, 60, 60, 4 + i * 4);
      p.src = l;
      sink(p);
    });
    return { packets: lines.length, firstPacketAt: lines.length ? '2023-11-14T22:13:20.000Z' : null, linkTypes: [1], interfaces: [] };
  },
  splitTextCapture(input: TextInput): SplitResult {
    const lines = [...linesOf(input)];
    const unit = (kind: CaptureKind, node: string | null, command: string | null, from: number, to: number): CaptureUnit => ({
      kind, node, namespace: null, file: input.file, firstLine: from, lastLine: to, command, partial: false, table: null,
      input: { file: input.file, firstLine: from, text: lines.filter((l) => l.line >= from && l.line <= to).map((l) => l.text).join('\n') },
    });
    if (!lines.some((l) => l.text.startsWith('$ '))) {
      return { units: lines.length ? [unit('ip-route', null, null, 1, lines.length)] : [], kept: [], warnings: [] };
    }
    const units: CaptureUnit[] = [];
    const kept: TextBlock[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^\$ (\S+) (\S+)$/.exec(lines[i].text);
      if (!m) {
        kept.push({ node: null, file: input.file, firstLine: lines[i].line, lastLine: lines[i].line, command: null, reason: 'not a capture' });
        continue;
      }
      let j = i + 1;
      while (j < lines.length && !lines[j].text.startsWith('$ ')) j++;
      units.push(unit(m[2] as CaptureKind, m[1], lines[i].text, lines[i + 1]?.line ?? lines[i].line, lines[j - 1].line));
      i = j - 1;
    }
    return { units, kept, warnings: [] };
  },
  parseCaptureUnit(unit: CaptureUnit): ParsedCapture {
    const routes = [...linesOf(unit.input)].map(({ line, text }) => {
      if (text === 'BAD') throw new CaptureError({ file: unit.file, line }, 'unreadable route');
      return route(text, line);
    });
    return { kind: 'ip-route', routes, takenAt: null };
  },
  parseTcpdumpUnit: () => ({ packets: 0, firstPacketAt: null, linkTypes: [], interfaces: [] }),
};

let dir: string;
let store: Store;
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};
const run = (paths: string[], node?: string) => importPathsWith(toy, store, paths, { node: node ?? null });

const project = useTempProject('import');
beforeEach(() => {
  dir = project().dir;
  store = project().store();
});

describe('importPathsWith', () => {
  it('names a lone capture file\'s node after the file name without its extension', () => {
    const report = run([file('web-1.routes.txt', '10.0.0.0/24\ndefault\n')]);
    expect(report.errors).toEqual([]);
    expect(report.nodes).toEqual([
      { name: 'web-1.routes', captures: [{ id: 1, kind: 'ip-route', source: path.join(dir, 'web-1.routes.txt:1'), takenAt: null, records: 2, netns: null, lines: [1, 2] }] },
    ]);
  });

  it('names nodes after sub-folders, and after the folder for files directly in it', () => {
    file('cluster/node-a/routes', '10.0.0.0/24\n');
    file('cluster/node-b/deeper/routes', '10.0.1.0/24\n');
    file('cluster/routes', '10.0.2.0/24\n');
    expect(run([path.join(dir, 'cluster')]).nodes.map((n) => n.name)).toEqual(['node-a', 'node-b', 'cluster']);
  });

  it('warns once when files naming no host go to a node named after a grouping folder given on the command line', () => {
    file('transcripts/one.md', '10.0.0.0/24\n');
    file('transcripts/two.md', '10.0.1.0/24\n');
    file('transcripts/three.md', '$ web-3 ip-route\n10.0.2.0/24\n');
    const report = run([path.join(dir, 'transcripts')]);
    expect(report.nodes.map((n) => n.name)).toEqual(['transcripts', 'web-3']);
    const guessed = report.warnings.filter((w) => /named after this folder/.test(w.message));
    expect(guessed).toEqual([{ source: path.join(dir, 'transcripts'), message: expect.stringMatching(/^2 files name no host and went to node transcripts, named after this folder.*--node NAME/) }]);
  });

  it('does not warn about one such file, nor about a folder named like a host', () => {
    file('captures/one.md', '10.0.0.0/24\n');
    file('node-1/one.md', '10.0.1.0/24\n');
    file('node-1/two.md', '10.0.2.0/24\n');
    file('lab/node-2/pcaps/one.md', '10.0.3.0/24\n');
    file('lab/node-2/pcaps/two.md', '10.0.4.0/24\n');
    const report = run([path.join(dir, 'captures'), path.join(dir, 'node-1'), path.join(dir, 'lab')]);
    expect(report.nodes.map((n) => n.name)).toEqual(['captures', 'node-1', 'node-2']);
    expect(report.warnings.filter((w) => /named after this folder/.test(w.message))).toEqual([]);
  });

  it('warns the same way about a sub-folder with a grouping name that holds files, and so is a node (nodea/pcaps/ imported as nodea)', () => {
    file('nodea/pcaps/one.md', '10.0.0.0/24\n');
    file('nodea/pcaps/two.md', '10.0.1.0/24\n');
    const report = run([path.join(dir, 'nodea')]);
    expect(report.nodes.map((n) => n.name)).toEqual(['pcaps']);
    const guessed = report.warnings.filter((w) => /named after this folder/.test(w.message));
    expect(guessed).toEqual([{ source: path.join(dir, 'nodea', 'pcaps'), message: expect.stringMatching(/^2 files name no host and went to node pcaps, named after this folder.*--node NAME/) }]);
  });

  it('warns when a node folder seems to hold nodes one level deeper, unless --node names the node', () => {
    file('faults/healthy/nodes/nodea/routes', '10.0.0.0/24\n');
    file('faults/healthy/nodes/nodeb/routes', '10.0.1.0/24\n');
    const deeper = (w: { message: string }): boolean => /hold files of the same name/.test(w.message);
    const guessed = run([path.join(dir, 'faults')]);
    expect(guessed.nodes.map((n) => n.name)).toEqual(['healthy']);
    expect(guessed.warnings.filter(deeper)).toEqual([{ source: path.join(dir, 'faults', 'healthy'), message: expect.stringContaining(`import ${path.join(dir, 'faults', 'healthy')} itself`) }]);
    expect(run([path.join(dir, 'faults')], 'one').warnings.filter(deeper)).toEqual([]);
  });

  it('lets the prompt name the node over the folder, and --node override both', () => {
    file('lab/t.md', '$ nodea ip-route\n10.0.0.0/24\n');
    expect(run([path.join(dir, 'lab')]).nodes.map((n) => n.name)).toEqual(['nodea']);
    file('lab2/t.md', '$ nodea ip-route\n10.9.0.0/24\n');
    expect(run([path.join(dir, 'lab2')], 'forced').nodes.map((n) => n.name)).toEqual(['forced']);
  });

  it('stores the same content once and warns that it was already imported', () => {
    const f = file('a.txt', '10.0.0.0/24\n');
    run([f]);
    const again = run([f]);
    expect(again.errors).toEqual([]);
    expect(again.nodes[0].captures).toEqual([]);
    expect(again.warnings).toEqual([{ source: `${f}:1`, message: expect.stringMatching(/already imported/), lines: [1, 1] }]);
    expect(store.count('captures')).toBe(1);
    expect(store.count('routes')).toBe(1);
  });

  it('reads a file with a byte-order mark as the same content without one', () => {
    run([file('plain.txt', '10.0.0.0/24\n')], 'n');
    const again = run([file('bom.txt', '\ufeff10.0.0.0/24\n')], 'n');
    expect(again.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/already imported/) })]);
    expect(store.routesOf(1).map((r) => r.dst)).toEqual(['10.0.0.0/24']);
  });

  it('rejects a single-capture file with a parse error entirely and still imports the others', () => {
    const bad = file('bad.txt', '10.0.0.0/24\nBAD\n');
    const good = file('good.txt', '10.0.1.0/24\n');
    const report = run([bad, good]);
    expect(report.errors).toEqual([{ source: `${bad}:2`, message: 'unreadable route', lines: [1, 2] }]);
    expect(report.nodes.map((n) => n.name)).toEqual(['good']);
    expect(store.listNodes().map((n) => n.name)).toEqual(['good']);
    expect(store.count('routes')).toBe(1);
  });

  it('keeps a transcript unit that fails to parse as text, with a warning, and imports the rest', () => {
    const t = file('t.md', 'intro\n$ nodea ip-route\n10.0.0.0/24\n$ nodeb ip-route\nBAD\n');
    const report = run([t]);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([{ source: `${t}:5`, message: 'ip-route: unreadable route; kept as text', lines: [5, 5] }]);
    expect(report.nodes.find((n) => n.name === 'nodea')?.captures.length).toBe(1);
    expect(store.count('captures')).toBe(1);
    const blocks = store.db.prepare('SELECT first_line, text FROM text_blocks ORDER BY first_line').all();
    expect(blocks).toEqual([{ first_line: 1, text: 'intro' }, { first_line: 5, text: 'BAD' }]);
  });

  it('streams a packet capture and rejects one that fails midway without a trace', () => {
    const ok = file('ok.pcap', 'PKT\n10.0.0.1\n10.0.0.2\n');
    const cut = file('cut.pcap', 'PKT\n10.0.0.1\nBAD\n');
    const report = run([ok, cut]);
    expect(report.nodes).toEqual([
      { name: 'ok', captures: [{ id: 1, kind: 'pcap', source: ok, takenAt: '2023-11-14T22:13:20.000Z', records: 2, netns: null, lines: null }] },
    ]);
    expect(report.errors).toEqual([{ source: cut, message: 'record 2, offset 8: record cut short' }]);
    expect(store.count('packets')).toBe(2);
    expect(store.count('captures')).toBe(1);
  });

  it('rejects binary files that are not packet captures, and reports missing paths', () => {
    const bin = file('blob.bin', 'abc\u0000def');
    const report = run([bin, path.join(dir, 'nope.txt')]);
    expect(report.errors).toEqual([
      { source: path.join(dir, 'nope.txt'), message: 'no such file or folder' },
      { source: bin, message: expect.stringMatching(/not a text capture or pcap\/pcapng/) },
    ]);
    expect(store.count('nodes')).toBe(0);
  });

  it('refuses an empty file named directly but only warns about one found in a folder', () => {
    const empty = file('f/empty.txt', '');
    expect(run([empty]).errors).toEqual([{ source: empty, message: 'empty file' }]);
    const report = run([path.join(dir, 'f')]);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([{ source: empty, message: 'empty file; not imported' }]);
  });

  it('serves the imported node through the nodes view', () => {
    run([file('n1.txt', 'default\n')]);
    expect(listNodes(store).map((n) => [n.name, n.routes.map((r) => r.dst)])).toEqual([['n1', ['default']]]);
  });
});
