/** Rulesets read back chain by chain: the same rules as the eager read, each chain read when first used. */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { chainFacts } from '../netfilter/chain-facts';
import { chainRuleReader } from '../netfilter/chain-rule-reader';
import type { Ruleset, Table } from '../netfilter/ruleset';
import { rulesNaming, someRuleText } from '../netfilter/rules-naming';
import { ModelError } from './model-error';
import { StoredTableRules } from './rows/rule-chunks';
import { forgetReadRules } from './lazy-rulesets';

const project = useTempProject('lazy-rulesets');

/** A nat table of `chains` user chains of three rules each, all jumped to from PREROUTING. */
function dump(chains: number): string {
  const names = Array.from({ length: chains }, (_, i) => `KUBE-SVC-${String(i).padStart(4, '0')}`);
  return [
    '*nat',
    ':PREROUTING ACCEPT [10:600]',
    ':POSTROUTING ACCEPT [0:0]',
    ...names.map((n) => `:${n} - [0:0]`),
    ...names.map((n, i) => `-A PREROUTING -d 10.96.0.${i % 250}/32 -p tcp -m tcp --dport ${80 + i} -j ${n}`),
    ...names.flatMap((n, i) => [
      `-A ${n} -m comment --comment "svc-${i}" -j MARK --set-xmark 0x4000/0x4000`,
      `-A ${n} -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.244.0.${i % 250}:8080`,
      `-A ${n} -j DNAT --to-destination 10.244.1.${i % 250}:8080`,
    ]),
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    'COMMIT',
    '',
  ].join('\n');
}

function imported(chains: number): { store: ReturnType<ReturnType<typeof project>['store']>; capture: number } {
  const p = project();
  const store = p.store();
  const report = importPaths(store, [p.write('n1/iptables-save.txt', dump(chains))], { node: 'n1' });
  expect(report.errors).toEqual([]);
  const capture = report.nodes[0]?.captures[0]?.id;
  if (capture === undefined) throw new Error('the dump was imported as one capture');
  return { store, capture };
}

/** The chains whose rules were read from the database since the spy was set: reads one at a time, and whole tables. */
function readsSpied(): { chains: () => string[]; tables: () => number } {
  const one = vi.spyOn(StoredTableRules.prototype, 'rulesOf');
  const all = vi.spyOn(StoredTableRules.prototype, 'all');
  return { chains: () => one.mock.calls.map((c) => c[1]), tables: () => all.mock.calls.length };
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** A nat table where POSTROUTING and KUBE-EGRESS SNAT, and KUBE-SEP-SNATLIKE only has SNAT in its name. */
const SNAT_DUMP = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':POSTROUTING ACCEPT [0:0]',
  ':KUBE-EGRESS - [0:0]',
  ':KUBE-SEP-SNATLIKE - [0:0]',
  '-A POSTROUTING -j KUBE-EGRESS',
  '-A POSTROUTING -s 10.244.0.0/16 -o eth0 -j SNAT --to-source 198.51.100.7',
  '-A KUBE-EGRESS -s 10.1.0.0/16 -j SNAT --to-source 198.51.100.8-198.51.100.9',
  '-A KUBE-SEP-SNATLIKE -p tcp -m tcp -j DNAT --to-destination 10.244.0.4:80',
  'COMMIT',
  '',
].join('\n');

const snatOf = (rulesets: readonly Ruleset[]): Array<[string, boolean | null]> =>
  rulesets.flatMap((rs) => rs.tables.flatMap((t) => t.chains.map((c): [string, boolean | null] => [c.name, chainFacts(c)?.snat ?? null])));

describe('lazyRulesetsOf', () => {
  it('holds the same rulesets as the eager read, whether chains are read one by one or a whole table at once', () => {
    const { store, capture } = imported(100);
    const lazy = store.lazyRulesetsOf(capture);
    const nat = lazy[0]?.tables.find((t) => t.name === 'nat');
    // A few chains first (one query each), then the rest (past the switch to one query for the table).
    expect(nat?.chains.slice(0, 5).map((c) => c.rules.length)).toEqual([100, 0, 3, 3, 3]);
    expect(lazy).toEqual(store.rulesetsOf(capture));
  });

  it('reads no rule until its chain is used, and a chain once', () => {
    const { store, capture } = imported(40);
    const reads = readsSpied();
    const chains = store.lazyRulesetsOf(capture)[0]?.tables.flatMap((t) => t.chains) ?? [];
    expect(chains.length).toBe(44);
    expect(reads.chains()).toEqual([]);
    const svc = chains.find((c) => c.name === 'KUBE-SVC-0007');
    expect(svc?.rules.map((r) => r.text)[2]).toBe('-A KUBE-SVC-0007 -j DNAT --to-destination 10.244.1.7:8080');
    expect(svc?.rules).toBe(svc?.rules);
    expect(reads.chains()).toEqual(['KUBE-SVC-0007']);
    expect(reads.tables()).toBe(0);
  });

  it('forgets the rules it read when told to, and reads the same rules again when next asked; assigned rules stay', () => {
    const { store, capture } = imported(60);
    const [ruleset] = store.lazyRulesetsOf(capture);
    const chains = ruleset!.tables.flatMap((t) => t.chains);
    const before = chains.map((c) => c.rules.map((r) => r.text));
    const assigned = chains.find((c) => c.name === 'KUBE-SVC-0003')!;
    const own = [{ ...assigned.rules[0]!, text: '-A KUBE-SVC-0003 -j ACCEPT' }];
    assigned.rules = own;
    const svc = chains.find((c) => c.name === 'KUBE-SVC-0007')!;
    const read = svc.rules;
    const reads = readsSpied();
    forgetReadRules(ruleset!);
    expect(reads.chains()).toEqual([]);
    expect(svc.rules).not.toBe(read);
    expect(svc.rules.map((r) => r.text)).toEqual(before[chains.indexOf(svc)]);
    expect(reads.chains()).toEqual(['KUBE-SVC-0007']);
    expect(assigned.rules).toBe(own);
    expect(chains.filter((c) => c !== assigned).map((c) => c.rules.map((r) => r.text))).toEqual(before.filter((_, i) => chains[i] !== assigned));
  });

  it('knows before reading any rule which chains hold a SNAT rule (the index written at import)', () => {
    const p = project();
    const store = p.store();
    const report = importPaths(store, [p.write('n1/iptables-save.txt', SNAT_DUMP)], { node: 'n1' });
    expect(report.errors).toEqual([]);
    const reads = readsSpied();
    const lazy = store.lazyRulesetsOf(report.nodes[0]!.captures[0]!.id);
    expect(snatOf(lazy)).toEqual([['PREROUTING', false], ['POSTROUTING', true], ['KUBE-EGRESS', true], ['KUBE-SEP-SNATLIKE', false]]);
    expect(reads.chains()).toEqual([]);
  });

  it('indexes the SNAT rules of a ruleset stored whole (a listing), as of a dump', () => {
    const { store, capture } = imported(2);
    const other = store.lazyRulesetsOf(capture);
    const nat = other[0]!.tables.find((t) => t.name === 'nat')!;
    const snat = {
      position: 1, text: '-A POSTROUTING -j SNAT --to-source 198.51.100.7', line: 9, counters: null, matches: [],
      target: { kind: 'snat' as const, to: [{ minAddress: '198.51.100.7', maxAddress: null, ports: null }], random: false, randomFully: false, persistent: false },
    };
    const ruleset: Ruleset = { ...other[0]!, tables: [{ ...nat, chains: [...nat.chains.slice(0, 2).map((c) => ({ ...c })), { name: 'POSTROUTING2', builtin: false, policy: null, counters: null, line: 8, rules: [snat] }] }] };
    store.insertRuleset(capture, ruleset);
    const stored = store.lazyRulesetsOf(capture);
    expect(snatOf(stored.slice(1))).toEqual([['PREROUTING', false], ['POSTROUTING', false], ['POSTROUTING2', true]]);
    expect(stored[1]?.tables[0]?.chains[2]?.rules).toEqual([snat]);
  });

  it('drops what it knew of a chain whose rules are replaced, and a copy of a chain knows nothing', () => {
    const p = project();
    const store = p.store();
    const report = importPaths(store, [p.write('n1/iptables-save.txt', SNAT_DUMP)], { node: 'n1' });
    const chains = store.lazyRulesetsOf(report.nodes[0]!.captures[0]!.id)[0]!.tables[0]!.chains;
    const [prerouting, postrouting] = chains;
    expect(chainFacts({ ...postrouting! })).toBeNull();
    expect({ ...postrouting! }.rules.map((r) => r.position)).toEqual([1, 2]);
    expect(chainFacts(prerouting!)).toEqual({ snat: false });
    prerouting!.rules = postrouting!.rules;
    expect(chainFacts(prerouting!)).toBeNull();
    expect(prerouting!.rules).toBe(postrouting!.rules);
  });

  it('gives a long chain its count and one rule at a time without reading the chain, the same objects as the chain read whole', () => {
    // PREROUTING: 2,500 rules over three chunks.
    const { store, capture } = imported(2500);
    const eager = store.rulesetsOf(capture)[0]!.tables[0]!.chains[0]!.rules;
    const reads = readsSpied();
    const decoded = vi.spyOn(StoredTableRules.prototype, 'ruleOfRun');
    const prerouting = store.lazyRulesetsOf(capture)[0]!.tables[0]!.chains[0]!;
    const reader = chainRuleReader(prerouting)!;
    expect(reader.count).toBe(2500);
    const first = reader.at(0);
    const last = reader.at(2499);
    const middle = reader.at(1500);
    expect([first, middle, last].map((r) => [r.position, r.line, r.text, r.matches, r.target])).toEqual(
      [eager[0]!, eager[1500]!, eager[2499]!].map((r) => [r.position, r.line, r.text, r.matches, r.target]),
    );
    expect(reader.at(1500)).toBe(middle);
    expect(decoded).toHaveBeenCalledTimes(3);
    // The walk compiles what it reads: matches and target are plain fields already, not read from the text on first use.
    expect(Object.getOwnPropertyDescriptor(middle, 'matches')).toMatchObject({ value: eager[1500]!.matches, enumerable: true, writable: true });
    expect(Object.getOwnPropertyDescriptor(middle, 'target')).toMatchObject({ value: eager[1500]!.target, enumerable: true, writable: true });
    expect(Object.keys(middle)).toEqual(Object.keys(eager[1500]!));
    expect(() => reader.at(2500)).toThrow(RangeError);
    expect(reads.chains()).toEqual([]);
    // Read whole, the chain holds the rules read one at a time, and offers no reader any more.
    const rules = prerouting.rules;
    expect(rules[0]).toBe(first);
    expect(rules[1500]).toBe(middle);
    expect(rules[2499]).toBe(last);
    expect(rules).toEqual(eager);
    expect(chainRuleReader(prerouting)).toBeNull();
    expect(reads.chains()).toEqual(['PREROUTING']);
  });

  it("gives a stored rule's text after -A CHAIN without decoding it, and nothing for a rule read already", () => {
    const { store, capture } = imported(2500);
    const eager = store.rulesetsOf(capture)[0]!.tables[0]!.chains[0]!.rules;
    const decoded = vi.spyOn(StoredTableRules.prototype, 'ruleOfRun');
    const reader = chainRuleReader(store.lazyRulesetsOf(capture)[0]!.tables[0]!.chains[0]!)!;
    for (const i of [0, 1023, 1024, 2499]) expect(`-A PREROUTING${reader.argsAt!(i)!}`).toBe(eager[i]!.text);
    expect(decoded).not.toHaveBeenCalled();
    reader.at(7);
    expect(reader.argsAt!(7)).toBeNull();
    expect(() => reader.argsAt!(2500)).toThrow(RangeError);
  });

  it('offers no rule reader for assigned rules or a copy of a chain, and a forgotten chain starts afresh', () => {
    const { store, capture } = imported(3);
    const [ruleset] = store.lazyRulesetsOf(capture);
    const [prerouting, , svc] = ruleset!.tables[0]!.chains;
    expect(chainRuleReader({ ...prerouting! })).toBeNull();
    const before = chainRuleReader(svc!)!;
    const one = before.at(0);
    forgetReadRules(ruleset!);
    const after = chainRuleReader(svc!)!;
    expect(after).not.toBe(before);
    expect(after.at(0)).not.toBe(one);
    expect(after.at(0)).toEqual(one);
    svc!.rules = [];
    expect(chainRuleReader(svc!)).toBeNull();
    expect(chainRuleReader(prerouting!)?.count).toBe(3);
  });

  it('says so when the capture was removed before its rules were read, rather than showing empty chains', () => {
    const { store, capture } = imported(3);
    const lazy = store.lazyRulesetsOf(capture);
    store.deleteCapture(capture);
    expect(() => lazy[0]?.tables[0]?.chains[0]?.rules).toThrow(ModelError);
    expect(() => chainRuleReader(lazy[0]!.tables[0]!.chains[2]!)).toThrow(ModelError);
  });
});

describe('rulesNaming and someRuleText over stored chains', () => {
  /** What a filter over every chain's rules gives: the answer the scan must match. */
  const filtered = (table: Table, needle: string): Array<[string, number, string]> =>
    table.chains.flatMap((c) => c.rules.filter((r) => r.text.includes(needle)).map((r): [string, number, string] => [c.name, r.position, r.text]));
  const named = (table: Table, needle: string): Array<[string, number, string]> =>
    rulesNaming(table, needle).map(({ chain, rule }): [string, number, string] => [chain.name, rule.position, rule.text]);

  it('finds the rules a filter over chain.rules finds, in chain and rule order, reading no chain', () => {
    const { store, capture } = imported(1500);
    // Needles in the records only, in the `-A CHAIN` the records leave out (a chain's name), across the two, and nowhere.
    for (const needle of ['DNAT', 'MARK', 'svc-1234"', 'KUBE-SVC-0042', 'SVC-0007 -m comment', '0 -m statistic', 'REJECT']) {
      const tables = store.lazyRulesetsOf(capture)[0]!.tables;
      const reads = readsSpied();
      const found = tables.map((t) => named(t, needle));
      expect(reads.chains()).toEqual([]);
      expect(reads.tables()).toBe(0);
      expect(found).toEqual(store.rulesetsOf(capture)[0]!.tables.map((t) => filtered(t, needle)));
      vi.restoreAllMocks();
    }
    const nat = store.lazyRulesetsOf(capture)[0]!.tables.find((t) => t.name === 'nat')!;
    expect(named(nat, 'KUBE-SVC-0042 -m').map(([chain, position]) => [chain, position])).toEqual([['KUBE-SVC-0042', 1], ['KUBE-SVC-0042', 2]]);
    expect(named(nat, 'DNAT').length).toBe(3000);
    // The rules found are whole rules: their matches and target read from their text when asked.
    expect(rulesNaming(nat, 'svc-3"')[0]?.rule.target).toEqual({ kind: 'mark', value: 0x4000, mask: 0x4000 });
  });

  it('goes through the rules of chains already read, and of chains that are not stored, as they are', () => {
    const { store, capture } = imported(50);
    const nat = store.lazyRulesetsOf(capture)[0]!.tables.find((t) => t.name === 'nat')!;
    const svc = nat.chains.find((c) => c.name === 'KUBE-SVC-0003')!;
    svc.rules = [{ ...svc.rules[0]!, text: '-A KUBE-SVC-0003 -j DNAT --to-destination 10.1.2.3' }];
    const read = nat.chains.find((c) => c.name === 'KUBE-SVC-0004')!.rules;
    const table: Table = { ...nat, chains: [...nat.chains, { name: 'OWN', builtin: false, policy: null, counters: null, line: 1, rules: [{ ...read[1]!, text: '-A OWN -j DNAT' }] }] };
    const found = rulesNaming(table, 'DNAT');
    expect(found.filter((f) => f.chain === svc).map((f) => f.rule.text)).toEqual(['-A KUBE-SVC-0003 -j DNAT --to-destination 10.1.2.3']);
    expect(found.filter((f) => f.chain.name === 'KUBE-SVC-0004').map((f) => f.rule)).toEqual(read.slice(1));
    expect(found[found.length - 1]?.rule.text).toBe('-A OWN -j DNAT');
    // Two DNATs in each of the 50 chains, one in the chain assigned, and OWN's.
    expect(found.length).toBe(2 * 50 - 1 + 1);
  });

  it('finds rules stored with their matches (a listing) by their text, not their JSON', () => {
    const { store, capture } = imported(2);
    const other = store.lazyRulesetsOf(capture);
    const nat = other[0]!.tables.find((t) => t.name === 'nat')!;
    const listed = {
      position: 1, text: 'SNAT all -- 10.0.0.0/8 0.0.0.0/0 to:198.51.100.7', line: 9, counters: null, matches: [],
      target: { kind: 'snat' as const, to: [{ minAddress: '198.51.100.7', maxAddress: null, ports: null }], random: false, randomFully: false, persistent: false },
    };
    store.insertRuleset(capture, { ...other[0]!, tables: [{ ...nat, chains: [{ name: 'POSTROUTING', builtin: true, policy: 'ACCEPT', counters: null, line: 8, rules: [listed] }] }] });
    const stored = store.lazyRulesetsOf(capture)[1]!.tables[0]!;
    expect(rulesNaming(stored, 'SNAT').map((f) => f.rule)).toEqual([listed]);
    // `minAddress` is in the stored JSON only.
    expect(rulesNaming(stored, 'minAddress')).toEqual([]);
    expect(someRuleText(stored, '198.51', (text) => text.endsWith('.7'))).toBe(true);
  });

  it('someRuleText stops at the first text it accepts and sees only texts holding the word', () => {
    const { store, capture } = imported(300);
    const nat = store.lazyRulesetsOf(capture)[0]!.tables.find((t) => t.name === 'nat')!;
    const seen: string[] = [];
    expect(someRuleText(nat, '--comment', (text) => (seen.push(text), text.includes('"svc-2"')))).toBe(true);
    expect(seen).toEqual(['-A KUBE-SVC-0000 -m comment --comment "svc-0" -j MARK --set-xmark 0x4000/0x4000', '-A KUBE-SVC-0001 -m comment --comment "svc-1" -j MARK --set-xmark 0x4000/0x4000', '-A KUBE-SVC-0002 -m comment --comment "svc-2" -j MARK --set-xmark 0x4000/0x4000']);
    expect(someRuleText(nat, '--comment', (text) => text.includes('"svc-300"'))).toBe(false);
    expect(() => rulesNaming(nat, '')).toThrow(/printable ASCII/);
  });

  it('says a damaged chunk is damaged: one that does not inflate, one holding fewer rules than its runs name', () => {
    const { store, capture } = imported(300);
    const nat = (): Table => store.lazyRulesetsOf(capture)[0]!.tables.find((t) => t.name === 'nat')!;
    const bodies = store.db.prepare('SELECT id, body FROM rule_chunks ORDER BY id').all() as Array<{ id: number; body: Buffer }>;
    for (const { id, body } of bodies) {
      const records = inflateRawSync(body).toString('utf8').split('\n');
      store.db.prepare('UPDATE rule_chunks SET body = ? WHERE id = ?').run(deflateRawSync(records.slice(0, -2).join('\n')), id);
    }
    expect(() => rulesNaming(nat(), 'DNAT')).toThrow(/rule chunk \d+ holds (\d+) rules, not \d+/);
    // A word in no rule visits no record: the short chunk is inflated, not read.
    expect(rulesNaming(nat(), 'REJECT')).toEqual([]);
    store.db.prepare("UPDATE rule_chunks SET body = x'00ff' WHERE id = ?").run(bodies[0]!.id);
    expect(() => rulesNaming(nat(), 'REJECT')).toThrow(new RegExp(`rule chunk ${bodies[0]!.id} does not inflate`));
  });

  it('says so when the capture was removed before the scan, rather than finding nothing', () => {
    const { store, capture } = imported(3);
    const lazy = store.lazyRulesetsOf(capture);
    store.deleteCapture(capture);
    expect(() => rulesNaming(lazy[0]!.tables[0]!, 'DNAT')).toThrow(ModelError);
  });
});
