/** Hostile input: NUL bytes inside a text capture are warnings with their line, not the end of the capture. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { looksBinary, withoutNulBytes } from '../../src/core/capture/nul-bytes';
import { importPaths } from '../../src/core/import/import-paths';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-nul');
const fixture = (name: string): string => fs.readFileSync(path.join(process.cwd(), 'test/fixtures/text', name), 'utf8');

describe('NUL bytes in a text capture', () => {
  it('imports an ip addr capture with a NUL early in it and warns about that line', () => {
    const p = project();
    const lines = fixture('ip-addr.txt').split('\n');
    lines[2] = `${lines[2]}\0`;
    const file = p.write('node-a/ip-addr.txt', lines.join('\n'));
    const report = importPaths(p.store(), [file], { node: 'node-a' });
    expect(report.errors).toEqual([]);
    expect(report.nodes.map((n) => [n.name, n.captures.map((c) => [c.kind, c.records])])).toEqual([['node-a', [['ip-addr', 8]]]]);
    expect(report.warnings).toEqual([{ source: `${file}:3`, message: 'a NUL byte in this line, left out of the text' }]);
  });

  it('imports an iptables-save dump whose tail a crash filled with NULs, naming the line they are on', () => {
    const p = project();
    const dump = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n';
    const file = p.write('node-b/iptables-save.txt', Buffer.concat([Buffer.from(dump), Buffer.alloc(200)]));
    const report = importPaths(p.store(), [file]);
    expect(report.errors).toEqual([]);
    expect(report.nodes.flatMap((n) => n.captures.map((c) => [c.kind, c.records]))).toEqual([['iptables-save', 1]]);
    expect(report.warnings).toEqual([{ source: `${file}:7`, message: '200 NUL bytes in this line, left out of the text' }]);
  });

  it('still refuses a file that is mostly NULs or control bytes as binary', () => {
    const p = project();
    const file = p.write('junk.bin', Buffer.from([0, 1, 2, 3, 0, 0, 255, 254]));
    expect(importPaths(p.store(), [file]).errors).toEqual([{ source: file, message: 'not a text capture or pcap/pcapng (binary content)' }]);
    expect(looksBinary(Buffer.from('i\0p\0 \0a\0d\0d\0r\0\n\0'))).toBe(true);
    // A recorded terminal: a title set with BEL, colours, a backspace.
    expect(looksBinary(Buffer.from('\x1b]0;root@n1: ~\x07\x1b[1mip addr\x1b[0m\b\n\0'.padEnd(64, 'x')))).toBe(false);
    // Bytes with no NUL at all, evenly spread: binary by their other control bytes.
    expect(looksBinary(Buffer.from(Array.from({ length: 4096 }, (_, i) => ((i * 7919 + 13) % 255) + 1)))).toBe(true);
  });

  it('numbers the lines that held NULs as text readers do', () => {
    expect(withoutNulBytes(Buffer.from('a\0\nb\r\nc\rd\0\0\n')).lines).toEqual([{ line: 1, count: 1 }, { line: 4, count: 2 }]);
    expect(withoutNulBytes(Buffer.from('a\0\nb\r\nc\rd\0\0\n')).bytes.toString()).toBe('a\nb\r\nc\rd\n');
  });
});
