/**
 * Properties of composition over random captures (seeded, so every case replays): a fragment never
 * removes what it did not cover, fragments that do not overlap compose the same in any order, and a
 * full capture replaces whatever came before it.
 */
import { describe, expect, it } from 'vitest';
import { caseSeed, randomFrom, type Random } from '../../../test/fuzz/prng';
import type { InterfaceRecord } from '../records/records';
import type { Chain, TableName } from '../netfilter/ruleset';
import { composeState, type ComposeCapture, type ComposedState } from './compose-state';
import { addrCapture, chain, iface, route, routeCapture, rule, rulesCapture, ruleset } from './compose-state.fixture';

const RUN_SEED = 0x5eed16;
const CASES = 200;
const NAMES = ['lo', 'eth0', 'eth1', 'cni0', 'veth1', 'veth2', 'flannel.1', 'docker0'];
const TABLES: TableName[] = ['filter', 'nat', 'mangle'];

function randomInterface(r: Random, name: string): InterfaceRecord {
  const n = 1 + r.int(3);
  const cidrs = Array.from({ length: n }, () => (r.chance(0.3) ? `fd00::${r.int(200)}/64` : `10.${r.int(4)}.${r.int(4)}.${1 + r.int(250)}/24`));
  return iface(name, [...new Set(cidrs)], { mtu: r.pick([1450, 1500, 9001]), state: r.pick(['UP', 'DOWN', 'UNKNOWN']) });
}

function subset<T>(r: Random, items: readonly T[], min = 1): T[] {
  const out = items.filter(() => r.chance(0.5));
  while (out.length < min) {
    const x = r.pick(items);
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

function randomChain(r: Random, name: string, version: number): Chain {
  const rules = Array.from({ length: r.int(4) }, (_, i) =>
    rule(name, [{ kind: 'source', cidr: { address: `10.${version}.${i}.0`, prefixLength: 24 }, negated: false }], r.pick([{ kind: 'accept' as const }, { kind: 'drop' as const }])),
  );
  return chain(name, rules);
}

/** Chain names of table t, unique across tables so a fragment's chain names one chain. */
const chainNames = (t: TableName): string[] => [0, 1, 2, 3].map((i) => `${t.toUpperCase()}-C${i}`);

interface Normal {
  interfaces: Array<[string, string[], number | null]>;
  routes: string[];
  chains: Array<[string, string[]]>;
}

/** The composed state without the capture bookkeeping, in a stable order. */
function normal(s: ComposedState): Normal {
  const last = s.rulesets[s.rulesets.length - 1]?.ruleset;
  return {
    interfaces: (s.interfaces ?? [])
      .map((i): [string, string[], number | null] => [i.name, i.addresses.map((a) => a.cidr).sort(), i.mtu])
      .sort((a, b) => a[0].localeCompare(b[0])),
    routes: (s.routes ?? []).map((x) => `${x.table} ${x.dst} ${x.via} ${x.dev}`).sort(),
    chains: (last?.tables ?? [])
      .flatMap((t) => t.chains.map((c): [string, string[]] => [`${t.name}/${c.name}`, c.rules.map((x) => x.text)]))
      .sort((a, b) => a[0].localeCompare(b[0])),
  };
}

function fullCaptures(r: Random, version: number): ComposeCapture[] {
  const interfaces = subset(r, NAMES, 2).map((n) => randomInterface(r, n));
  const routes = subset(r, ['default', '10.0.0.0/24', '10.244.0.0/16', '192.168.1.0/24']).map((d) => route(d, { via: r.chance(0.5) ? `10.0.0.${1 + version}` : null }));
  const tables = TABLES.map((t) => ({ name: t, chains: subset(r, chainNames(t)).map((n) => randomChain(r, n, version)) }));
  return [addrCapture(interfaces), routeCapture('ip-route', routes), rulesCapture(ruleset(tables))];
}

/** A fragment over part of the state, and what it covers. */
function fragment(r: Random, version: number, names: readonly string[]): { capture: ComposeCapture; covers: (key: string) => boolean } {
  switch (r.int(4)) {
    case 0: {
      const shown = subset(r, names).slice(0, 2);
      return { capture: addrCapture(shown.map((n) => randomInterface(r, n)), { interfaces: shown }), covers: (k) => shown.some((n) => k === `if:${n}` || k.startsWith(`if:${n}:`)) };
    }
    case 1: {
      const t = r.pick(TABLES);
      const name = r.pick(chainNames(t));
      return {
        capture: rulesCapture(ruleset([{ name: t, chains: [randomChain(r, name, version)] }], { format: 'iptables-list' }), { part: { kind: 'chains', table: t, chains: [name] } }),
        covers: (k) => k === `chain:${t}/${name}` || k.startsWith(`chain:${t}/${name}:`),
      };
    }
    case 2: {
      // A grep: adds rules to one chain, covers nothing.
      const t = r.pick(TABLES);
      const name = r.pick(chainNames(t));
      return { capture: rulesCapture(ruleset([{ name: t, chains: [randomChain(r, name, version + 50)] }]), { filtered: true }), covers: () => false };
    }
    default: {
      const shown = subset(r, names).slice(0, 2);
      return {
        // A grep of `ip addr`: the fields it shows of an interface are news; its addresses only add.
        capture: addrCapture(shown.map((n) => iface(n, [`10.9.${version}.1/24`])), { interfaces: shown, filtered: true }),
        covers: (k) => shown.some((n) => k === `if:${n}`),
      };
    }
  }
}

/** Every fact of a state as a key (and its value), to check what survives. */
function facts(s: ComposedState): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of s.interfaces ?? []) {
    out.set(`if:${i.name}`, `${i.mtu}`);
    for (const a of i.addresses) out.set(`if:${i.name}:${a.cidr}`, a.cidr);
  }
  const last = s.rulesets[s.rulesets.length - 1]?.ruleset;
  for (const t of last?.tables ?? []) {
    for (const c of t.chains) {
      out.set(`chain:${t.name}/${c.name}`, '');
      for (const x of c.rules) out.set(`chain:${t.name}/${c.name}:${x.text}`, x.text);
    }
  }
  return out;
}

describe('composition properties', () => {
  it('a fragment never removes what it did not cover', () => {
    for (let i = 0; i < CASES; i++) {
      const r = randomFrom(caseSeed(RUN_SEED, i));
      const base = fullCaptures(r, 1);
      const before = facts(composeState(base));
      const names = [...before.keys()].filter((k) => /^if:[^:]+$/.test(k)).map((k) => k.slice(3));
      const { capture, covers } = fragment(r, 2, names);
      const after = facts(composeState([...base, capture]));
      for (const [key, value] of before) {
        if (covers(key)) continue;
        // Kept, and unchanged (an interface's mtu may be updated only by a capture showing it).
        expect.soft(after.get(key), `case ${i}: ${key}`).toBe(value);
      }
    }
  });

  it('fragments over different parts compose the same in any order', () => {
    for (let i = 0; i < CASES; i++) {
      const r = randomFrom(caseSeed(RUN_SEED + 1, i));
      const base = fullCaptures(r, 1);
      const interfaceNames = [...NAMES];
      const fragments: ComposeCapture[] = [];
      // Disjoint: one interface each, one chain each.
      for (let k = 0; k < 2; k++) {
        const n = interfaceNames.splice(r.int(interfaceNames.length), 1)[0]!;
        fragments.push(addrCapture([randomInterface(r, n)], { interfaces: [n] }));
      }
      const t = r.pick(TABLES);
      const [c1, c2] = subset(r, chainNames(t), 2);
      for (const name of [c1!, c2!]) {
        fragments.push(rulesCapture(ruleset([{ name: t, chains: [randomChain(r, name, 3)] }], { format: 'iptables-list' }), { part: { kind: 'chains', table: t, chains: [name] } }));
      }
      const shuffled = [...fragments].sort(() => (r.chance(0.5) ? 1 : -1));
      expect(normal(composeState([...base, ...shuffled])), `case ${i}`).toEqual(normal(composeState([...base, ...fragments])));
    }
  });

  it('a full capture replaces whatever came before it', () => {
    for (let i = 0; i < CASES; i++) {
      const r = randomFrom(caseSeed(RUN_SEED + 2, i));
      const history: ComposeCapture[] = [...fullCaptures(r, 1)];
      for (let k = 0; k < 3; k++) history.push(fragment(r, 2 + k, NAMES).capture);
      const full = fullCaptures(r, 9);
      expect(normal(composeState([...history, ...full])), `case ${i}`).toEqual(normal(composeState(full)));
    }
  });
});
