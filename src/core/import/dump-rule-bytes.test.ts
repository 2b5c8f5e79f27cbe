/**
 * The dump reader's byte path (DumpRuleBytes) against its text path: every dump of the corpora, a kube-proxy dump
 * saved with counters, and variations of its lines, read both ways, give the same result, tapes (chunk records,
 * runs, chain headers) and kube-proxy service block.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RulesetTape } from '../model/ruleset-tape';
import { readDumpFile } from './dump-file-read';
import { DumpRuleBytes } from './dump-rule-bytes';
import { mutations } from '../../../test/support/rule-lines';
import { writeKubeProxyDump } from '../../../scripts/bench/kube-proxy-dump.mjs';

const root = path.resolve(__dirname, '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-rule-bytes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Tapes with chunk bodies inflated to their records (chain headers as base64), typed arrays as plain ones. */
function comparable(tapes: RulesetTape[]): unknown[] {
  const plain = (v: unknown): unknown => (v instanceof Float64Array ? [...v] : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v);
  return tapes.map((t) => {
    const out: unknown[] = [];
    // Entries (ruleset-tape.ts): [TABLE, name, line], [HEADS, first, count, body], [CHUNK, body, runs, snat].
    for (let i = 0; i < t.length; i += t[i] === 0 ? 3 : 4) {
      if (t[i] === 2) out.push(2, inflateRawSync(t[i + 1] as Uint8Array).toString('latin1'), plain(t[i + 2]), plain(t[i + 3]));
      else out.push(...t.slice(i, i + (t[i] === 0 ? 3 : 4)).map(plain));
    }
    return out;
  });
}

function readBothWays(file: string): { taken: number } {
  const bytesTapes: RulesetTape[] = [];
  const textTapes: RulesetTape[] = [];
  const take = vi.spyOn(DumpRuleBytes.prototype, 'take');
  let byBytes: ReturnType<typeof readDumpFile>;
  let taken = 0;
  try {
    byBytes = readDumpFile(file, 'dump.save', (t) => bytesTapes.push(t));
    taken = take.mock.results.filter((r) => r.type === 'return' && r.value === true).length;
  } finally {
    take.mockRestore();
  }
  const byText = readDumpFile(file, 'dump.save', (t) => textTapes.push(t), undefined, true);
  expect(byBytes, file).toEqual(byText);
  expect(comparable(bytesTapes), file).toEqual(comparable(textTapes));
  return { taken };
}

function filesUnder(at: string, out: string[]): void {
  if (!fs.existsSync(at)) return;
  for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
    const file = path.join(at, entry.name);
    if (entry.isDirectory()) filesUnder(file, out);
    else if (entry.isFile() && fs.statSync(file).size < 4_000_000 && !/\.(pcap|pcapng|gz|tgz|zip|db)$/.test(entry.name)) out.push(file);
  }
}

function kubeProxyDump(name: string, services: number, endpoints: number): { file: string; lines: string[] } {
  const file = path.join(dir, name);
  writeKubeProxyDump(file, services, endpoints);
  return { file, lines: fs.readFileSync(file, 'latin1').split('\n') };
}

describe('rules read from their bytes', () => {
  it("take nearly every rule of a kube-proxy dump, and store and index them as the text path does", () => {
    const { file, lines } = kubeProxyDump('kube.save', 60, 4);
    const rules = lines.filter((l) => l.startsWith('-A ')).length;
    expect(readBothWays(file).taken).toBeGreaterThan(rules * 0.95);
  });

  it('read every dump of the corpora as the text path does', () => {
    const files: string[] = [];
    filesUnder(path.join(root, 'test/fixtures'), files);
    filesUnder(path.join(root, '../shared/conformance'), files);
    filesUnder(path.join(root, '../shared/captures'), files);
    expect(files.length).toBeGreaterThan(100);
    let taken = 0;
    for (const file of files) taken += readBothWays(file).taken;
    expect(taken).toBeGreaterThan(300);
  });

  it('read counters in front of a rule as the text path does, and leave odd ones to it', () => {
    const { lines } = kubeProxyDump('plain.save', 12, 3);
    const withCounters = (counters: readonly string[]): string => {
      let n = 0;
      const counted = (c: string, l: string): string => (c === '' ? l : `${c} ${l}`);
      return lines.map((l) => (l.startsWith('-A ') ? counted(counters[n++ % counters.length]!, l) : l.startsWith(':') ? l.replace('[0:0]', '[3:77]') : l)).join('\n');
    };
    const file = path.join(dir, 'counted.save');
    // Counters that would not print back as they read (leading zeros, past 15 digits) are the text path's.
    fs.writeFileSync(file, withCounters(['[0:0]', '[12:3456]', '[007:1]', '[123456789012345:1]', '[1234567890123456:1]', '[4:5]\t', '[4:5] ']));
    const rules = lines.filter((l) => l.startsWith('-A ')).length;
    expect(readBothWays(file).taken).toBeGreaterThan(rules / 3);
    // A rule without counters after one with them (a rule added by hand to a saved dump): no counters of the rule before.
    fs.writeFileSync(file, withCounters(['[12:3456]', '', '', '[0:0]']));
    expect(readBothWays(file).taken).toBeGreaterThan(rules / 2);
    // Bad counters: the whole dump is the text path's to refuse.
    for (const bad of ['[1:0', '[:]', '[1:2]x', '[-1:2]', '[1:2:3]']) {
      fs.writeFileSync(file, withCounters(['[0:0]', bad]));
      expect(readBothWays(file).taken).toBeLessThan(2);
    }
  });

  it('read dumps with lines varied (words dropped, doubled, swapped, negated, odd values) as the text path does', () => {
    const { lines } = kubeProxyDump('base.save', 8, 3);
    const ruleAt = lines.flatMap((l, i) => (l.startsWith('-A ') ? [i] : []));
    const odd = ['-s', '-d', '-p', '! -d 10.1.2.3', 'UDP', '6', '--sport', '--to-destination', '10.0.0.1:080', '01.2.3.4', '1.2.3.4/032', '0.', '1.5', '1.0', '0.50', 'KUBE-SERVICES', 'KUBE-NOWHERE', 'udplite', 'statistic', '"x"', '"a\\"b"', '\t'];
    let r = 7;
    const next = (k: number): number => {
      r = (Math.imul(r, 1103515245) + 12345) >>> 0;
      return r % k;
    };
    for (let variant = 0; variant < 40; variant++) {
      const varied = lines.slice();
      for (let k = 0; k < 12; k++) {
        const at = ruleAt[next(ruleAt.length)]!;
        const options = [...mutations(varied[at]!, variant * 100 + k + 1, odd)];
        varied[at] = options[next(options.length)]!;
      }
      const file = path.join(dir, `varied-${variant}.save`);
      fs.writeFileSync(file, varied.join(variant % 2 === 0 ? '\n' : '\r\n'));
      readBothWays(file);
    }
  });
});
