import { describe, expect, it } from 'vitest';
import { textInput } from '../../../test/fixtures/iptables/fixture-input';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import type { Chain, Rule, Ruleset } from '../netfilter/ruleset';
import { attachChainIndex } from '../netfilter/chain-index';
import { CHAIN_RULE_READER, type ChainRuleReader } from '../netfilter/chain-rule-reader';
import { compileRuleset, ruleAt, ruleCount } from './compiled-ruleset';

const DUMP = `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-A - [0:0]
-A PREROUTING -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-A
-A KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-GONE
-A KUBE-SVC-A -j DNAT --to-destination 10.244.0.9:6443
COMMIT
`;

function ruleset(): Ruleset {
  return parseIptablesSave(textInput(DUMP)).ruleset;
}

describe('compileRuleset', () => {
  it('looks chains up by name, one compiled chain per name, and jumps resolve to the same objects', () => {
    const compiled = compileRuleset(ruleset());
    const nat = compiled.tables.get('nat')!;
    const services = nat.chains.get('KUBE-SERVICES')!;
    expect(services).toBe(nat.chains.get('KUBE-SERVICES'));
    expect(services).toMatchObject({ table: 'nat', name: 'KUBE-SERVICES', owner: nat, compiled: null, index: null, indexable: true, walks: 0 });
    expect(services.chain.rules).toHaveLength(2);
    expect(nat.chains.get('KUBE-SVC-GONE')).toBeUndefined();
    expect(ruleAt(services, 0).chainRef).toBe(nat.chains.get('KUBE-SVC-A'));
    expect(ruleAt(services, 1).chainRef).toBeNull();
    expect(compiled.tables.get('filter')).toBeUndefined();
    expect(compileRuleset(ruleset(), { dispatchIndex: false }).tables.get('nat')!.chains.get('KUBE-SERVICES')!.indexable).toBe(false);
  });

  it('takes the last of two chains of one name, and merges two listings of one table', () => {
    const base = ruleset();
    const nat = base.tables[0]!;
    const again: Chain = { ...nat.chains[2]!, rules: [], line: 99 };
    const extra: Chain = { name: 'KUBE-EXTRA', builtin: false, policy: null, counters: null, line: 100, rules: [] };
    const compiled = compileRuleset({ ...base, tables: [nat, { ...nat, chains: [again, extra] }] });
    const table = compiled.tables.get('nat')!;
    expect(table.chains.get('KUBE-SVC-A')!.chain).toBe(again);
    expect(table.chains.get('KUBE-EXTRA')!.chain).toBe(extra);
    expect(table.chains.get('PREROUTING')!.chain).toBe(nat.chains[0]);
    expect(ruleAt(table.chains.get('KUBE-SERVICES')!, 0).chainRef!.chain).toBe(again);
  });

  it('counts and compiles the rules of a chain that reads them one at a time without reading the chain whole', () => {
    const base = ruleset();
    const nat = base.tables[0]!;
    const services = nat.chains[1]!;
    const asked: number[] = [];
    const reader: ChainRuleReader = { count: services.rules.length, at: (i) => (asked.push(i), services.rules[i]!) };
    /** A chain whose rules are behind its reader: reading them whole is what the walk must not do. */
    class OneAtATime implements Chain {
      readonly name = services.name;
      readonly builtin = false;
      readonly policy = null;
      readonly counters = null;
      readonly line = services.line;
      get rules(): Rule[] {
        throw new Error('read whole');
      }
      get [CHAIN_RULE_READER](): ChainRuleReader {
        return reader;
      }
    }
    const compiled = compileRuleset({ ...base, tables: [{ ...nat, chains: [nat.chains[0]!, new OneAtATime(), nat.chains[2]!] }] });
    const chain = compiled.tables.get('nat')!.chains.get('KUBE-SERVICES')!;
    expect(ruleCount(chain)).toBe(2);
    expect(ruleAt(chain, 1).rule).toBe(services.rules[1]);
    expect(ruleAt(chain, 1).chainRef).toBeNull();
    expect(ruleAt(chain, 0).chainRef!.name).toBe('KUBE-SVC-A');
    expect(asked).toEqual([1, 0]);
    expect(() => ruleAt(chain, 2)).toThrow(RangeError);
    expect(asked).toEqual([1, 0]);
  });

  it('looks a jump target up when the walk takes the jump, not when it compiles the rule', () => {
    const base = ruleset();
    const nat = base.tables[0]!;
    const asked: string[] = [];
    attachChainIndex(nat, { get: (name) => (asked.push(name), nat.chains.find((c) => c.name === name)) });
    const services = compileRuleset(base).tables.get('nat')!.chains.get('KUBE-SERVICES')!;
    const jump = ruleAt(services, 0);
    const gone = ruleAt(services, 1);
    expect(asked).toEqual(['KUBE-SERVICES']);
    expect(jump.chainRef!.name).toBe('KUBE-SVC-A');
    expect(jump.chainRef).toBe(jump.chainRef);
    expect(gone.chainRef).toBeNull();
    expect(asked).toEqual(['KUBE-SERVICES', 'KUBE-SVC-A', 'KUBE-SVC-GONE']);
    expect(jump).toMatchObject({ targetName: 'KUBE-SVC-A', comment: null, target: { kind: 'jump', chain: 'KUBE-SVC-A' } });
  });

  it("looks a table's chains up through the index its maker attached, and keys a copy's chains itself", () => {
    const base = ruleset();
    const nat = base.tables[0]!;
    const asked: string[] = [];
    attachChainIndex(nat, { get: (name) => (asked.push(name), nat.chains.find((c) => c.name === name)) });
    const table = compileRuleset(base).tables.get('nat')!;
    expect(table.chains.get('KUBE-SVC-A')!.chain).toBe(nat.chains[2]);
    expect(table.chains.get('KUBE-SVC-A')).toBe(table.chains.get('KUBE-SVC-A'));
    expect(table.chains.get('NOPE')).toBeUndefined();
    expect(asked).toEqual(['KUBE-SVC-A', 'NOPE']);
    // A copy with other chains does not carry the index.
    const other: Chain = { ...nat.chains[2]!, rules: [] };
    const copied = compileRuleset({ ...base, tables: [{ ...nat, chains: [nat.chains[0]!, other] }] }).tables.get('nat')!;
    expect(copied.chains.get('KUBE-SVC-A')!.chain).toBe(other);
    expect(copied.chains.get('KUBE-SERVICES')).toBeUndefined();
    expect(asked).toHaveLength(2);
  });
});
