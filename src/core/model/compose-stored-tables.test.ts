/**
 * A stored table composed whole is kept as that table (compose-state.ts ShownTable): its chains are made when looked
 * up, and what the composition says is what composing every chain's state says (the eager read's rulesets).
 */
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { chainFacts } from '../netfilter/chain-facts';
import { chainIndexOf, chainsOnDemand, markChainsOnDemand } from '../netfilter/chain-index';
import { composeState, type ComposeCapture } from './compose-state';
import { composeInputs } from './node-state';
import type { Store } from './store';

const project = useTempProject('compose-stored-tables');

function dump(services: number, extra: string[] = []): string {
  const names = Array.from({ length: services }, (_, i) => `KUBE-SVC-${i}`);
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ...names.map((n) => `:${n} - [0:0]`),
    '-A PREROUTING -j KUBE-SERVICES',
    ...names.map((n, i) => `-A KUBE-SERVICES -d 10.96.0.${i}/32 -p tcp -m tcp --dport 80 -j ${n}`),
    ...names.map((n, i) => `-A ${n} -j DNAT --to-destination 10.244.0.${i}:8080`),
    ...extra,
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    'COMMIT',
    '',
  ].join('\n');
}

/** The node's captures composed as a trace reads them (lazily) and with every rule read at once. */
function composed(store: Store): { lazy: ComposeCapture[]; eager: ComposeCapture[] } {
  const node = store.listNodes().find((n) => n.name === 'n1')!;
  const lazy = composeInputs(store, store.capturesOf(node.id));
  const eager = lazy.map((c) => (c.part === 'ruleset' ? { ...c, rulesets: store.rulesetsOf(c.id) } : c));
  return { lazy, eager };
}

describe('a stored table composed whole', () => {
  it('is the composed table itself, its chains made when looked up, the same objects its chain list holds', () => {
    const p = project();
    const store = p.store();
    expect(importPaths(store, [p.write('n1/iptables-save.txt', dump(40))], { node: 'n1' }).errors).toEqual([]);
    const { lazy, eager } = composed(store);
    const state = composeState(lazy);
    const stored = lazy.flatMap((c) => (c.part === 'ruleset' ? c.rulesets : []))[0]!;
    const nat = state.rulesets[0]!.ruleset.tables.find((t) => t.name === 'nat')!;
    expect(nat).toBe(stored.tables.find((t) => t.name === 'nat'));
    expect(chainsOnDemand(nat)?.distinctNames).toBe(true);
    const svc = chainIndexOf(nat)!.get('KUBE-SVC-7')!;
    expect(chainIndexOf(nat)!.get('KUBE-SVC-7')).toBe(svc);
    expect(chainIndexOf(nat)!.get('KUBE-SVC-NONE')).toBeUndefined();
    expect(nat.chains[3 + 7]).toBe(svc);
    // Everything the composition says, as composing each chain's state says it.
    expect(composeState(lazy).rulesets).toEqual(composeState(eager).rulesets);
    expect(composeState(lazy).rulesets[0]!.knownChains).toEqual(composeState(eager).rulesets[0]!.knownChains);
  });

  it('gives its chains their states when a later capture is compared with it, as composing them eagerly does', () => {
    const p = project();
    const store = p.store();
    const files = [p.write('n1/a/iptables-save.txt', dump(30)), p.write('n1/b/iptables-save.txt', dump(31, ['-A POSTROUTING -j MASQUERADE']))];
    expect(importPaths(store, files, { node: 'n1' }).errors).toEqual([]);
    const { lazy, eager } = composed(store);
    expect(lazy.filter((c) => c.part === 'ruleset')).toHaveLength(2);
    const l = composeState(lazy);
    const e = composeState(eager);
    expect(l.rulesets.map((s) => s.startedBy)).toEqual(e.rulesets.map((s) => s.startedBy));
    expect(l.rulesets).toEqual(e.rulesets);
    expect(l.rulesets.map((s) => s.knownChains)).toEqual(e.rulesets.map((s) => s.knownChains));
  });

  it('is listed chain by chain when two of its chains share a name (the import never stores that: a table made so)', () => {
    const p = project();
    const store = p.store();
    expect(importPaths(store, [p.write('n1/iptables-save.txt', dump(3))], { node: 'n1' }).errors).toEqual([]);
    const { eager } = composed(store);
    const twice = (marked: boolean): ComposeCapture[] => eager.map((c) => {
      if (c.part !== 'ruleset') return c;
      return { ...c, rulesets: c.rulesets.map((rs) => ({ ...rs, tables: rs.tables.map((t) => {
        if (t.name !== 'nat') return t;
        const table = { ...t, chains: [...t.chains, { ...t.chains[3]!, policy: null }] };
        if (marked) markChainsOnDemand(table, { distinctNames: false, snatChains: () => [] });
        return table;
      }) })) };
    });
    const inputs = twice(true);
    const nat = composeState(inputs).rulesets[0]!.ruleset.tables.find((t) => t.name === 'nat')!;
    const given = inputs.flatMap((c) => (c.part === 'ruleset' ? c.rulesets : []))[0]!.tables.find((t) => t.name === 'nat');
    expect(nat).not.toBe(given);
    expect(nat.chains).toHaveLength(given!.chains.length - 1);
    expect(composeState(inputs).rulesets).toEqual(composeState(twice(false)).rulesets);
  });

  it('names its chains holding a SNAT rule from their headers, in order, and says nothing once its chains are assigned', () => {
    const p = project();
    const store = p.store();
    const extra = ['-A POSTROUTING -s 10.244.0.0/16 -j SNAT --to-source 10.0.0.5', '-A KUBE-SVC-2 -j SNAT --to-source 10.0.0.6', '-A KUBE-SVC-0 -j MARK --set-xmark 0x1/0x1'];
    expect(importPaths(store, [p.write('n1/iptables-save.txt', dump(4, extra))], { node: 'n1' }).errors).toEqual([]);
    const { lazy } = composed(store);
    const stored = lazy.flatMap((c) => (c.part === 'ruleset' ? c.rulesets : []))[0]!;
    const nat = stored.tables.find((t) => t.name === 'nat')!;
    const snat = chainsOnDemand(nat)!.snatChains();
    expect(snat.map((c) => c.name)).toEqual(['POSTROUTING', 'KUBE-SVC-2']);
    expect(snat[1]).toBe(chainIndexOf(nat)!.get('KUBE-SVC-2'));
    expect(nat.chains.filter((c) => chainFacts(c)?.snat !== false)).toEqual(snat);
    nat.chains = nat.chains.slice(0, 2);
    expect(chainsOnDemand(nat)).toBeNull();
    expect(chainIndexOf(nat)).toBeNull();
    expect(nat.chains.map((c) => c.name)).toEqual(['PREROUTING', 'POSTROUTING']);
  });
});
