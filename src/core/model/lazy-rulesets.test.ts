/** Rulesets read back chain by chain: the same rules as the eager read, each chain read when first used. */
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { ModelError } from './model-error';

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

const unread = (chain: object): boolean => Object.getOwnPropertyDescriptor(chain, 'rules')?.get !== undefined;

describe('lazyRulesetsOf', () => {
  it('holds the same rulesets as the eager read, whether chains are read one by one or a whole table at once', () => {
    const { store, capture } = imported(100);
    const lazy = store.lazyRulesetsOf(capture);
    const nat = lazy[0]?.tables.find((t) => t.name === 'nat');
    // A few chains first (one query each), then the rest (past the switch to one query for the table).
    expect(nat?.chains.slice(0, 5).map((c) => c.rules.length)).toEqual([100, 0, 3, 3, 3]);
    expect(lazy).toEqual(store.rulesetsOf(capture));
  });

  it('reads no rule until its chain is used', () => {
    const { store, capture } = imported(40);
    const chains = store.lazyRulesetsOf(capture)[0]?.tables.flatMap((t) => t.chains) ?? [];
    expect(chains.length).toBe(44);
    expect(chains.every(unread)).toBe(true);
    const svc = chains.find((c) => c.name === 'KUBE-SVC-0007');
    expect(svc?.rules.map((r) => r.text)[2]).toBe('-A KUBE-SVC-0007 -j DNAT --to-destination 10.244.1.7:8080');
    expect(chains.filter((c) => !unread(c)).map((c) => c.name)).toEqual(['KUBE-SVC-0007']);
  });

  it('says so when the capture was removed before its rules were read, rather than showing empty chains', () => {
    const { store, capture } = imported(3);
    const lazy = store.lazyRulesetsOf(capture);
    store.deleteCapture(capture);
    expect(() => lazy[0]?.tables[0]?.chains[0]?.rules).toThrow(ModelError);
  });
});
