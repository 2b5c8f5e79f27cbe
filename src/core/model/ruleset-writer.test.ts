import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseIptablesSave, readIptablesSave } from '../capture/iptables-save';
import { Store } from './store';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-rules-'));
  store = Store.open(path.join(dir, 'p.db'));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Streams `text` into the store as the import does; returns the capture id. */
function streamed(text: string, file = 'dump'): number {
  const node = store.ensureNode('a');
  return store.transaction(() => {
    const id = store.insertCapture({
      nodeId: node, sourceId: null, kind: 'iptables-save', namespace: null, sourceFile: file, firstLine: 1, lastLine: 1,
      command: null, partial: false, contentHash: file, takenAt: null,
    });
    const writer = store.rulesetWriter(id);
    const read = readIptablesSave({ file, text, firstLine: 1 }, writer);
    writer.finish(read.family, { format: 'iptables-save', interfacesShown: true, countersShown: read.countersShown, partial: false });
    return id;
  });
}

describe('RulesetWriter (a ruleset stored as it is read)', () => {
  it('stores what the whole-dump parser builds, for a dump that leaves chains and comes back to them', () => {
    const text = [
      '*filter',
      ':INPUT ACCEPT [0:0]',
      ':A - [0:0]',
      ':B - [0:0]',
      ':UNUSED - [0:0]',
      '-A A -j RETURN',
      '-A B -s 10.0.0.1/32 -j DROP',
      '-A A -p tcp -m tcp --dport 80 -j ACCEPT',
      '-I A 1 -m comment --comment "first now" -j ACCEPT',
      '-I B 5 -j ACCEPT',
      ':A - [3:180]',
      '-A INPUT -j A',
      '-A FORWARD -j B',
      'COMMIT',
      '*nat',
      ':PREROUTING ACCEPT [1:2]',
      ':A - [0:0]',
      '-A A -j RETURN',
      'COMMIT',
      '',
    ].join('\n');
    const id = streamed(text);
    const [ruleset] = store.rulesetsOf(id);
    expect(ruleset).toEqual(parseIptablesSave({ file: 'dump', text, firstLine: 1 }).ruleset);
    expect(ruleset!.tables[0]!.chains.find((c) => c.name === 'A')!.rules.map((r) => r.line)).toEqual([9, 6, 8]);
  });

  it('stores every conformance dump as the whole-dump parser reads it', () => {
    const root = path.resolve(__dirname, '../../../..', 'shared', 'conformance', 'kube-proxy');
    const names = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'ruleset.iptables-save')));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const file = path.join(root, name, 'ruleset.iptables-save');
      const text = fs.readFileSync(file, 'utf8');
      expect(store.rulesetsOf(streamed(text, file))).toEqual([parseIptablesSave({ file, text, firstLine: 1 }).ruleset]);
    }
  });

  it('stores nothing of a dump the reader rejects halfway', () => {
    expect(() => streamed('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n-A NOPE -j DROP\nCOMMIT\n')).toThrow(/^dump:4: chain NOPE/);
    expect([store.count('rulesets'), store.count('chains'), store.count('captures')]).toEqual([0, 0, 0]);
  });
});
