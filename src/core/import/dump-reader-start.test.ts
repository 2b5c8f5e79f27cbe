/**
 * The command line's head start: a reader thread started (and given its file) before the import worker exists,
 * handed to the thread that writes the rows.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { RulesetTape } from '../model/ruleset-tape';
import { readDumpFile } from './dump-file-read';
import { startDumpReaderEarly } from './dump-reader-start';
import { adoptDumpReader, prewarmDumpReader, readDumpFileThreaded, useDumpReaderWorker } from './dump-reader-thread';
import { writeKubeProxyDump } from '../../../scripts/bench/kube-proxy-dump.mjs';
import { useTempProject } from '../../../test/support/temp-project';

const WORKER = path.join(process.cwd(), 'out', 'cli', 'dump-reader-worker.cjs');
const project = useTempProject('dump-reader-start');

/** Tapes with their chunks' bytes as base64: a tape crosses threads as a Uint8Array, not a Buffer. */
const comparable = (tapes: RulesetTape[]): unknown[] =>
  tapes.map((t) => t.map((v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v instanceof Float64Array ? [...v] : v)));

function dump(name: string): string {
  const file = project().file(name);
  writeKubeProxyDump(file, 1000, 5);
  return file;
}

describe('a dump reader started by the command line', () => {
  it('starts only for a large file that begins as iptables-save output', () => {
    const large = dump('kube-proxy.save');
    const small = project().write('small.save', '*nat\nCOMMIT\n');
    const pcap = project().file('big.pcap');
    const bytes = Buffer.alloc(3 * 1024 * 1024, 0x41);
    bytes.writeUInt32LE(0xa1b2c3d4, 0);
    fs.writeFileSync(pcap, bytes);
    // A large Markdown transcript also starts with `#`: read as text, it needs no reader thread.
    const notes = project().write('notes.md', `# Node a\n\n${'root@a:~# iptables-save\n'.repeat(120_000)}`);
    expect(fs.statSync(notes).size).toBeGreaterThan(2 * 1024 * 1024);
    expect(startDumpReaderEarly([small, pcap, notes, project().dir, project().file('missing.save')], WORKER)).toBeNull();
    expect(startDumpReaderEarly([large], null)).toBeNull();
    const handoff = startDumpReaderEarly([small, large], WORKER);
    expect(handoff?.job).toEqual({ readPath: large, shownAs: large });
    handoff?.port.close();
  });

  it('is used, already reading, by the read of its file: the same tapes and result as a read on this thread', () => {
    const file = dump('kube-proxy.save');
    const here: RulesetTape[] = [];
    const there: RulesetTape[] = [];
    const local = readDumpFile(file, file, (t) => here.push(t));
    useDumpReaderWorker(path.dirname(WORKER));
    try {
      const handoff = startDumpReaderEarly([file]);
      expect(handoff).not.toBeNull();
      adoptDumpReader(handoff!);
      // Adopted: no other thread is started ahead.
      expect(prewarmDumpReader([file])).toBe(true);
      const bytes: number[] = [];
      expect(readDumpFileThreaded(file, file, fs.statSync(file).size, (t) => there.push(t), (n) => bytes.push(n))).toEqual(local);
      expect(comparable(there)).toEqual(comparable(here));
      expect(bytes.at(-1)).toBe(fs.statSync(file).size);
    } finally {
      useDumpReaderWorker(project().dir);
    }
  });

  it('is ended, and another thread reads, when the import reads another file first', () => {
    const first = dump('first.save');
    const other = project().file('other.save');
    writeKubeProxyDump(other, 1200, 4);
    const here: RulesetTape[] = [];
    const there: RulesetTape[] = [];
    const local = readDumpFile(other, 'other.save', (t) => here.push(t));
    useDumpReaderWorker(path.dirname(WORKER));
    try {
      adoptDumpReader(startDumpReaderEarly([first])!);
      expect(readDumpFileThreaded(other, 'other.save', fs.statSync(other).size, (t) => there.push(t))).toEqual(local);
      expect(comparable(there)).toEqual(comparable(here));
      // The early thread was given up, not kept for a later read.
      expect(prewarmDumpReader([])).toBe(false);
    } finally {
      useDumpReaderWorker(project().dir);
    }
  });
});
