/**
 * Property: the dispatch index changes how fast a long chain is walked, never what the walk finds.
 * On a big generated ruleset whose dispatch chains mix every kind of rule the index keys or leaves
 * open (exact destinations, protocols by name and number, single ports, ranges, multiport lists,
 * negations, statistic branches, marks, addrtype jumps), random packets replay to identical results
 * (every outcome, step and assumption) with the index and rule by rule.
 */
import { describe, expect, it } from 'vitest';
import { caseSeed, randomFrom } from '../../../test/fuzz/prng';
import type { Random } from '../../../test/fuzz/prng';
import type { Chain, Rule } from '../netfilter/ruleset';
import { CHAIN_RULE_READER, type ChainRuleReader } from '../netfilter/chain-rule-reader';
import type { NodeSnapshot } from './node-snapshot';
import { compileNode } from './compiled-node';
import { FAR_DOWN } from './compiled-ruleset';
import { buildDispatchIndex, nextCandidate } from './dispatch-index';
import type { FlowState } from './flow-state';
import { nodeFrom } from './test-support/capture-world';
import { traceCompiled } from './trace-packet';
import type { TraceRequest } from './trace';

const ADDR = `2: eth0: <BROADCAST,UP> mtu 1500 state UP
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.5/24 scope global eth0
3: cni0: <BROADCAST,UP> mtu 1500 state UP
    link/ether 52:54:00:12:34:58 brd ff:ff:ff:ff:ff:ff
    inet 10.244.0.1/16 scope global cni0
`;
const ROUTE = `default via 10.0.0.1 dev eth0
10.0.0.0/24 dev eth0 scope link src 10.0.0.5
10.244.0.0/16 dev cni0 scope link src 10.244.0.1
`;

const VIPS = Array.from({ length: 300 }, (_, i) => `10.96.${i >> 8}.${i & 255}`);
const PORTS = [53, 80, 443, 8080, 9090, 30080, 30443];
const PROTOS = ['tcp', 'udp', 'sctp'];
const BACKENDS = ['KUBE-SVC-A', 'KUBE-SVC-B', 'KUBE-MARK-MASQ', 'ACCEPT', 'DROP', 'RETURN'];

function dispatchRule(r: Random, chain: string): string {
  const vip = r.pick(VIPS);
  const port = r.pick(PORTS);
  const proto = r.pick(PROTOS);
  const target = `-j ${r.pick(BACKENDS)}`;
  switch (r.int(14)) {
    case 0: return `-A ${chain} -d ${vip}/32 -p ${proto} -m ${proto} --dport ${port} -m comment --comment "svc" ${target}`;
    case 1: return `-A ${chain} -p ${proto} -m ${proto} --dport ${port} ${target}`;
    case 2: return `-A ${chain} -d ${vip}/32 ${target}`;
    case 3: return `-A ${chain} ! -d ${vip}/32 -p ${proto} -m ${proto} --dport ${port} -j MARK --set-xmark 0x${(1 << r.int(8)).toString(16)}/0xff`;
    case 4: return `-A ${chain} -d ${vip}/32 -p tcp -m multiport --dports ${port},${r.pick(PORTS)} ${target}`;
    case 5: return `-A ${chain} -d ${vip}/32 -p ${proto} -m ${proto} --dport ${port}:${port + r.int(3000)} ${target}`;
    case 6: return `-A ${chain} -m addrtype --dst-type LOCAL -p tcp -m tcp --dport ${port} -j KUBE-NODEPORTS`;
    case 7: return `-A ${chain} -d ${vip}/32 -p 6 -m tcp --dport ${port} ${target}`;
    case 8: return `-A ${chain} -d ${vip}/32 -p ${proto} -m ${proto} --dport ${port} -m statistic --mode random --probability 0.50000000000 ${target}`;
    case 9: return `-A ${chain} -d ${vip.replace(/\.\d+$/, '.0')}/24 -p ${proto} -m ${proto} --dport ${port} ${target}`;
    case 10: return `-A ${chain} -d ${vip}/32 ! -p tcp ${target}`;
    case 11: return `-A ${chain} -d ${vip}/32 -p ${proto} -m ${proto} ! --dport ${port} ${target}`;
    case 12: return `-A ${chain} -s 10.244.${r.int(4)}.0/24 -d ${vip}/32 -p ${proto} -m ${proto} --dport ${port} ${target}`;
    default: return `-A ${chain} -d ${vip}/32 -p ${proto} -m ${proto} --dport ${port} -j KUBE-SVC-${r.pick(['A', 'B'])}`;
  }
}

function ruleset(r: Random, rules: number): string {
  const services = Array.from({ length: rules }, () => dispatchRule(r, 'KUBE-SERVICES'));
  const nodeports = Array.from({ length: rules >> 2 }, () => dispatchRule(r, 'KUBE-NODEPORTS').replace(/-j KUBE-NODEPORTS$/, '-j ACCEPT'));
  const filterServices = Array.from({ length: rules >> 1 }, () => dispatchRule(r, 'KUBE-SERVICES').replace(/-j (KUBE-SVC-\w|KUBE-MARK-MASQ|KUBE-NODEPORTS)\b/, '-j REJECT'));
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-SVC-A - [0:0]', ':KUBE-SVC-B - [0:0]', ':KUBE-MARK-MASQ - [0:0]',
    '-A PREROUTING -j KUBE-SERVICES', '-A OUTPUT -j KUBE-SERVICES',
    '-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE',
    ...services,
    '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    ...nodeports,
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-SVC-A -m statistic --mode random --probability 0.33333333349 -j DNAT --to-destination 10.244.1.5:8080',
    '-A KUBE-SVC-A -j DNAT --to-destination 10.244.2.5:8080',
    '-A KUBE-SVC-B -j KUBE-MARK-MASQ',
    '-A KUBE-SVC-B -p tcp -j DNAT --to-destination 10.0.0.5:9000',
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]',
    '-A INPUT -j KUBE-SERVICES', '-A FORWARD -j KUBE-SERVICES', '-A OUTPUT -j KUBE-SERVICES',
    ...filterServices,
    'COMMIT',
    '',
  ].join('\n');
}

function packet(r: Random): TraceRequest {
  const proto = r.pick([...PROTOS, 'tcp', 'tcp', 'icmp']);
  const dst = r.chance(0.8) ? r.pick(VIPS) : r.pick(['10.0.0.5', '10.244.1.5', '8.8.8.8', `10.96.9.${r.int(255)}`]);
  const dport = r.chance(0.9) ? r.pick(PORTS) : r.chance(0.5) ? 1000 + r.int(3000) : undefined;
  const local = r.chance(0.3);
  return {
    node: 'n', proto, dst, dport, sport: 40000 + r.int(1000), follow: false,
    ...(local ? { local: true, src: '10.0.0.5' } : { in: r.pick(['eth0', 'cni0']), src: `10.244.${r.int(4)}.${1 + r.int(250)}` }),
  };
}

/** Rules decoded through a reader (at), per chain name: what the scan did not vouch for, and what the walk reached. */
type Decoded = Map<string, Set<number>>;

/**
 * The snapshot with every chain's rules behind a reader that offers their text (argsAt) as a stored chain does, so
 * an index is built from the scanned text; `decoded` gathers the rules read as objects.
 */
function asStored(snapshot: NodeSnapshot, decoded: Decoded): NodeSnapshot {
  const wrap = (chain: Chain): Chain => {
    const { rules } = chain;
    const seen = new Set<number>();
    decoded.set(chain.name, seen);
    const prefix = `-A ${chain.name}`;
    const reader: ChainRuleReader = {
      count: rules.length,
      at: (i) => (seen.add(i), rules[i]!),
      argsAt: (i) => (rules[i]!.text.startsWith(prefix) ? rules[i]!.text.slice(prefix.length) : null),
    };
    return {
      name: chain.name, builtin: chain.builtin, policy: chain.policy, counters: chain.counters, line: chain.line,
      get rules(): Rule[] {
        return rules;
      },
      get [CHAIN_RULE_READER](): ChainRuleReader {
        return reader;
      },
    } as Chain;
  };
  const ruleset = snapshot.ruleset;
  if (ruleset === null) throw new Error('a node with rules');
  return { ...snapshot, ruleset: { ...ruleset, tables: ruleset.tables.map((t) => ({ ...t, chains: t.chains.map(wrap) })) } };
}

describe('dispatch index', () => {
  it('replays random packets over a big generated ruleset exactly as the rule-by-rule walk does', () => {
    for (let run = 0; run < 3; run++) {
      const r = randomFrom(caseSeed(0x1dde, run));
      const snapshot = nodeFrom('n', { iptables: ruleset(r, 2000), addr: ADDR, route: ROUTE });
      const indexed = [compileNode(snapshot)];
      const linear = [compileNode(snapshot, { dispatchIndex: false })];
      for (let i = 0; i < 300; i++) {
        const request = packet(r);
        expect(traceCompiled(indexed, request), `run ${run}, packet ${i}: ${JSON.stringify(request)}`).toEqual(traceCompiled(linear, request));
      }
      // The comparison above is only worth something if the index was in use.
      expect(indexed[0]?.v4?.tables.get('nat')?.chains.get('KUBE-SERVICES')?.index).not.toBeNull();
      expect(linear[0]?.v4?.tables.get('nat')?.chains.get('KUBE-SERVICES')?.index).toBeNull();
    }
  });

  it('indexes the rest of a long chain on a first walk that gets FAR_DOWN rules in, and finds what the rule-by-rule walk finds', () => {
    const r = randomFrom(caseSeed(0xfa4d, 0));
    const snapshot = nodeFrom('n', { iptables: ruleset(r, 2000), addr: ADDR, route: ROUTE });
    const linear = [compileNode(snapshot, { dispatchIndex: false })];
    for (let i = 0; i < 60; i++) {
      const request = packet(r);
      // A node compiled afresh for each packet: every walk of KUBE-SERVICES is its first.
      expect(traceCompiled([compileNode(snapshot)], request), `packet ${i}: ${JSON.stringify(request)}`).toEqual(traceCompiled(linear, request));
    }
    // A miss (no rule's destination) walks past FAR_DOWN: the rest is indexed and only its candidates are compiled.
    const fresh = [compileNode(snapshot)];
    const miss: TraceRequest = { node: 'n', proto: 'tcp', src: '10.244.0.9', sport: 40000, dst: '10.97.1.1', dport: 7, in: 'cni0', follow: false };
    expect(traceCompiled(fresh, miss)).toEqual(traceCompiled(linear, miss));
    const services = fresh[0]!.v4!.tables.get('nat')!.chains.get('KUBE-SERVICES')!;
    expect(services.index).not.toBeNull();
    // Indexed during its first walk, not built on a second.
    expect(services.walks).toBe(1);
    const compiled = services.compiled!.filter((c) => c !== undefined).length;
    expect(compiled).toBeGreaterThanOrEqual(FAR_DOWN);
    expect(compiled).toBeLessThan(services.compiled!.length / 2);
  });

  it('indexes stored chains from their scanned text: the same index, the same traces, rules decoded only where the scan did not vouch or the walk went', () => {
    const r = randomFrom(caseSeed(0x5707, 0));
    const snapshot = nodeFrom('n', { iptables: ruleset(r, 2000), addr: ADDR, route: ROUTE });
    const linear = [compileNode(snapshot, { dispatchIndex: false })];
    let indexed = 0;
    for (let i = 0; i < 60; i++) {
      const request = packet(r);
      const decoded: Decoded = new Map();
      const stored = [compileNode(asStored(snapshot, decoded))];
      expect(traceCompiled(stored, request), `packet ${i}: ${JSON.stringify(request)}`).toEqual(traceCompiled(linear, request));
      const services = stored[0]!.v4!.tables.get('nat')!.chains.get('KUBE-SERVICES')!;
      if (services.index !== null) {
        indexed++;
        const parsed = snapshot.ruleset!.tables.find((t) => t.name === 'nat')!.chains.find((c) => c.name === 'KUBE-SERVICES')!;
        expect(services.index).toEqual(buildDispatchIndex(parsed.rules));
        // Most of the generated rules are forms the scan reads: far fewer decoded than the chain holds.
        expect(decoded.get('KUBE-SERVICES')!.size).toBeLessThan(parsed.rules.length / 2);
      }
    }
    expect(indexed).toBeGreaterThan(10);
  });

  it('skips exactly the rules whose destination, protocol or port cannot be the packet\'s', () => {
    const rules = [
      ...Array.from({ length: 70 }, (_, i) => `-d 10.96.0.${i}/32 -p tcp -m tcp --dport 80`),
      '-p udp -m udp --dport 53',
      '-d 10.96.0.7/32',
      '-m addrtype --dst-type LOCAL',
    ];
    const snapshot = nodeFrom('n', { iptables: `*filter\n:X - [0:0]\n${rules.map((m) => `-A X ${m} -j ACCEPT`).join('\n')}\nCOMMIT\n` });
    const chain = snapshot.ruleset?.tables[0]?.chains[0];
    const index = buildDispatchIndex(chain?.rules ?? []);
    if (index === null) throw new Error('a 73-rule dispatch chain is indexed');
    const s = (dst: number, protoNum: number, dport: number | null): FlowState =>
      ({ dst: { family: 'ipv4', value: ((10 << 24) | (96 << 16) | dst) >>> 0 }, protoNum, dport }) as FlowState;
    const walk = (state: FlowState): number[] => {
      const out: number[] = [];
      for (let i = nextCandidate(index, state, 0, 73); i < 73; i = nextCandidate(index, state, i + 1, 73)) out.push(i);
      return out;
    };
    expect(walk(s(7, 6, 80))).toEqual([7, 71, 72]);
    expect(walk(s(7, 6, 81))).toEqual([71, 72]);
    expect(walk(s(7, 17, 53))).toEqual([70, 71, 72]);
    expect(walk(s(200, 17, 53))).toEqual([70, 72]);
    // No destination port: every rule stays a candidate (an unknown port is a fact to assume, not a mismatch).
    expect(walk(s(200, 6, null))).toHaveLength(73);
  });
});
