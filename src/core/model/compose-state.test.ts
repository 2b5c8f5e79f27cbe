import { describe, expect, it } from 'vitest';
import { chainIndexOf } from '../netfilter/chain-index';
import { composeState } from './compose-state';
import {
  addrCapture, bridgeCapture, chain, iface, route, routeCapture, rule, ruleChange, rulesCapture, ruleset,
} from './compose-state.fixture';

const eth0 = iface('eth0', ['10.0.0.5/24', 'fe80::1/64'], { mac: '02:00:00:00:00:01' });
const lo = iface('lo', ['127.0.0.1/8', '::1/128'], { linkType: 'loopback' });
const cni0 = iface('cni0', ['10.244.0.1/24']);

describe('composing interfaces', () => {
  it('keeps eth0 when `ifconfig lo` follows a full `ip addr`', () => {
    const s = composeState([addrCapture([lo, eth0]), addrCapture([iface('lo', ['127.0.0.1/8'])], { interfaces: ['lo'] })]);
    expect(s.interfaces!.map((i) => i.name).sort()).toEqual(['eth0', 'lo']);
    expect(s.interfaces!.find((i) => i.name === 'eth0')!.addresses.map((a) => a.cidr)).toEqual(['10.0.0.5/24', 'fe80::1/64']);
    expect(s.interfacesComplete).toBe(true);
  });

  it('keeps the addresses `ip link` does not show, and the other family behind `ip -4 addr`', () => {
    const link = addrCapture([iface('eth0', [], { state: 'DOWN', mac: null })], { addresses: 'none' });
    const four = addrCapture([iface('eth0', ['10.0.0.6/24'], { state: 'DOWN' })], { addresses: 'ipv4', interfaces: ['eth0'] });
    const s = composeState([addrCapture([eth0]), link, four]);
    const e = s.interfaces!.find((i) => i.name === 'eth0')!;
    expect(e.state).toBe('DOWN');
    expect(e.mac).toBe('02:00:00:00:00:01');
    expect(e.addresses.map((a) => a.cidr).sort()).toEqual(['10.0.0.6/24', 'fe80::1/64']);
    // The two captures of eth0's IPv4 addresses disagree: both are kept in a conflict, the later one used.
    expect(s.conflicts).toEqual([expect.objectContaining({ about: 'interface', subject: 'eth0', says: ['10.0.0.5/24', '10.0.0.6/24'] })]);
  });

  it('a full listing replaces: an interface it does not list is gone', () => {
    const s = composeState([addrCapture([lo, eth0, cni0]), addrCapture([lo, eth0])]);
    expect(s.interfaces!.map((i) => i.name)).toEqual(['lo', 'eth0']);
    expect(s.conflicts.map((c) => [c.subject, c.says[1]])).toEqual([['cni0', 'not listed']]);
  });

  it('takes an interface listed again under another index for another interface: nothing of the first carries over (maspi83/k8s_labs)', () => {
    const first = addrCapture([iface('eth0', ['10.18.45.6/24'], { index: 10254, peer: 'if10255', mac: '02:42:0a:12:2d:06' })], { interfaces: 'all', filtered: true });
    const second = addrCapture([iface('eth0', ['10.25.43.3/24'], { index: 3295, peer: 'if3296', mac: null })], { interfaces: 'all', filtered: true });
    const s = composeState([first, second]);
    const e = s.interfaces!.find((i) => i.name === 'eth0')!;
    expect([e.index, e.addresses.map((a) => a.cidr), e.mac, e.peer]).toEqual([3295, ['10.25.43.3/24'], null, 'if3296']);
    expect(s.conflicts).toEqual([expect.objectContaining({ about: 'interface', subject: 'eth0', says: ['index 10254: 10.18.45.6/24', 'index 3295: 10.25.43.3/24'] })]);
  });

  it('says nothing of a difference after a command that changed the interfaces', () => {
    const change = { command: 'ip addr add 10.0.0.6/24 dev eth0', source: 'f.txt:3', changes: 'interfaces' as const };
    const s = composeState([addrCapture([eth0]), addrCapture([iface('eth0', ['10.0.0.5/24', '10.0.0.6/24'])], {}, [change])]);
    expect(s.conflicts).toEqual([]);
  });

  it('makes bridge ports interfaces of the node with their master, known from the bridge capture', () => {
    const s = composeState([addrCapture([lo, eth0, cni0]), bridgeCapture([{ bridge: 'cni0', port: 'veth1' }, { bridge: 'cni0', port: 'veth2' }])]);
    const byName = new Map(s.interfaces!.map((i) => [i.name, i]));
    expect(byName.get('veth1')).toMatchObject({ master: 'cni0', knownFrom: 'bridge', addresses: [] });
    expect(byName.get('veth2')).toMatchObject({ master: 'cni0', knownFrom: 'bridge' });
    expect(byName.get('cni0')).toMatchObject({ knownFrom: 'addresses', master: null });
  });

  it('a bridge capture alone gives interfaces, but not the complete list', () => {
    const s = composeState([bridgeCapture([{ bridge: 'cni0', port: 'veth1' }])]);
    expect(s.interfaces!.map((i) => [i.name, i.master])).toEqual([['cni0', null], ['veth1', 'cni0']]);
    expect(s.interfacesComplete).toBe(false);
  });
});

describe('composing routes', () => {
  const ipRoute = [
    route('default', { via: '10.0.0.1', proto: 'dhcp', src: '10.0.0.5', metric: 100 }),
    route('10.0.0.0/24', { proto: 'kernel', scope: 'link', src: '10.0.0.5' }),
    route('10.244.0.0/24', { dev: 'cni0', proto: 'kernel', scope: 'link', src: '10.244.0.1' }),
  ];

  it('keeps ip route’s richer fields where `route -n` agrees', () => {
    const routeN = [route('default', { via: '10.0.0.1', metric: 100, flags: ['U', 'G'] }), route('10.0.0.0/24', { metric: 0, flags: ['U'] }), route('10.244.0.0/24', { dev: 'cni0', metric: 0 })];
    const s = composeState([routeCapture('ip-route', ipRoute), routeCapture('route-table', routeN)]);
    expect(s.routes!.map((r) => [r.dst, r.src, r.proto])).toEqual([
      ['default', '10.0.0.5', 'dhcp'], ['10.0.0.0/24', '10.0.0.5', 'kernel'], ['10.244.0.0/24', '10.244.0.1', 'kernel'],
    ]);
    expect(s.conflicts).toEqual([]);
  });

  it('takes `netstat -rn`, which prints no metric, and a later ip route of the same routes for one view (kaysalawu/azure-network-terraform)', () => {
    const netstat = [route('default', { via: '10.0.0.1', metric: null, flags: ['U', 'G'] }), route('10.0.0.0/24', { metric: null, flags: ['U'] }), route('10.244.0.0/24', { dev: 'cni0', metric: null })];
    const s = composeState([routeCapture('route-table', netstat), routeCapture('ip-route', ipRoute)]);
    expect(s.routes!.map((r) => [r.dst, r.metric, r.src])).toEqual([['default', 100, '10.0.0.5'], ['10.0.0.0/24', null, '10.0.0.5'], ['10.244.0.0/24', null, '10.244.0.1']]);
    expect(s.conflicts).toEqual([]);
  });

  it('keeps both where `route -n` disagrees with ip route, and says so', () => {
    const routeN = [route('default', { via: '10.0.0.254', metric: 100 }), route('10.0.0.0/24', { metric: 0 })];
    const s = composeState([routeCapture('ip-route', ipRoute), routeCapture('route-table', routeN)]);
    expect(s.routes!.find((r) => r.dst === 'default')!.via).toBe('10.0.0.254');
    // The route only ip route listed is kept: another tool's view of the same table, not a later state.
    expect(s.routes!.some((r) => r.dst === '10.244.0.0/24')).toBe(true);
    expect(s.conflicts.map((c) => [c.subject, c.says])).toEqual([
      ['main default', ['default via 10.0.0.1 dev eth0', 'default via 10.0.0.254 dev eth0']],
      ['main 10.244.0.0/24', ['10.244.0.0/24 dev cni0', 'not listed']],
    ]);
  });

  it('a later full ip route replaces the main table, and leaves other tables and `ip route get` aside', () => {
    const local = route('10.0.0.5', { type: 'local', table: 'local' });
    const s = composeState([
      routeCapture('ip-route', [...ipRoute, local], { routes: { kind: 'all' } }),
      routeCapture('ip-route', [route('8.8.8.8', { via: '10.0.0.1' })], { routes: { kind: 'lookup' } }),
      routeCapture('ip-route', ipRoute.slice(0, 2)),
    ]);
    expect(s.routes!.map((r) => `${r.table} ${r.dst}`)).toEqual(['local 10.0.0.5', 'main default', 'main 10.0.0.0/24']);
  });
});

const accept: { kind: 'accept' } = { kind: 'accept' };
const fromEth0 = rule('INPUT', [{ kind: 'in-interface', name: 'eth0', negated: false }, { kind: 'source', cidr: { address: '10.0.0.0', prefixLength: 8 }, negated: false }], accept);
const fromAny = rule('INPUT', [{ kind: 'source', cidr: { address: '10.0.0.0', prefixLength: 8 }, negated: false }], accept);
const svc = (n: number) => chain(`KUBE-SVC-${n}`, [rule(`KUBE-SVC-${n}`, [], { kind: 'jump', chain: `KUBE-SEP-${n}` })]);
const sep = (n: number) =>
  chain(`KUBE-SEP-${n}`, [rule(`KUBE-SEP-${n}`, [], { kind: 'dnat', to: [{ minAddress: `10.244.0.${n}`, maxAddress: null, ports: { min: 80, max: 80 } }], random: false, persistent: false })]);

describe('composing rulesets', () => {
  it('takes single-chain listings together as one partial ruleset', () => {
    const s = composeState([
      rulesCapture(ruleset([{ name: 'nat', chains: [svc(1)] }], { format: 'iptables-list' }), { part: { kind: 'chains', table: 'nat', chains: ['KUBE-SVC-1'] } }),
      rulesCapture(ruleset([{ name: 'nat', chains: [sep(1)] }], { format: 'iptables-list' }), { part: { kind: 'chains', table: 'nat', chains: ['KUBE-SEP-1'] } }),
    ]);
    expect(s.rulesets).toHaveLength(1);
    const only = s.rulesets[0]!;
    expect(only.ruleset.tables[0]!.chains.map((c) => c.name)).toEqual(['KUBE-SVC-1', 'KUBE-SEP-1']);
    expect(only.ruleset.origin.partial).toBe(true);
    expect(only.captures).toHaveLength(2);
  });

  it('takes `-L -n` and `-L -n -v` of the same state as one snapshot, keeping the interfaces -v shows', () => {
    const hidden = ruleset([{ name: 'filter', chains: [chain('INPUT', [fromAny], 'ACCEPT')] }], { format: 'iptables-list', interfacesShown: false });
    const shown = ruleset([{ name: 'filter', chains: [chain('INPUT', [fromEth0], 'ACCEPT')] }], { format: 'iptables-list', interfacesShown: true });
    const tables = { part: { kind: 'tables' as const, tables: ['filter' as const] } };
    for (const order of [[hidden, shown], [shown, hidden]]) {
      const s = composeState(order.map((r) => rulesCapture(r, tables)));
      expect(s.rulesets).toHaveLength(1);
      expect(s.rulesets[0]!.ruleset.origin.interfacesShown).toBe(true);
      expect(s.rulesets[0]!.ruleset.tables[0]!.chains[0]!.rules[0]!.matches).toContainEqual({ kind: 'in-interface', name: 'eth0', negated: false });
    }
  });

  it('starts a new snapshot where a later capture of the same chain differs on a shown field', () => {
    const a = ruleset([{ name: 'filter', chains: [chain('INPUT', [fromEth0], 'ACCEPT')] }]);
    const b = ruleset([{ name: 'filter', chains: [chain('INPUT', [fromEth0], 'DROP')] }]);
    const s = composeState([rulesCapture(a), rulesCapture(b)]);
    expect(s.rulesets.map((r) => r.startedBy)).toEqual([{ kind: 'first' }, { kind: 'differs', chains: ['filter/INPUT'] }]);
  });

  it('starts a new snapshot after a command that changed the rules, and not otherwise', () => {
    const a = ruleset([{ name: 'filter', chains: [chain('INPUT', [fromEth0], 'ACCEPT')] }]);
    expect(composeState([rulesCapture(a), rulesCapture(a)]).rulesets).toHaveLength(1);
    const s = composeState([rulesCapture(a), rulesCapture(a, {}, [ruleChange('iptables -A INPUT -j DROP')])]);
    expect(s.rulesets.map((r) => r.startedBy.kind)).toEqual(['first', 'command']);
  });

  it('a grep adds the rules it shows and removes none', () => {
    const whole = ruleset([{ name: 'nat', chains: [svc(1), sep(1)] }]);
    const grep = ruleset([{ name: 'nat', chains: [sep(2)] }]);
    const s = composeState([rulesCapture(whole, { part: { kind: 'tables', tables: ['nat'] } }), rulesCapture(grep, { filtered: true })]);
    // A chain the whole table did not have is a change: the grep shows a later state.
    expect(s.rulesets).toHaveLength(2);
    expect(s.rulesets[1]!.ruleset.tables[0]!.chains.map((c) => c.name)).toEqual(['KUBE-SVC-1', 'KUBE-SEP-1', 'KUBE-SEP-2']);
    const partial = composeState([
      rulesCapture(ruleset([{ name: 'nat', chains: [svc(1)] }]), { part: { kind: 'chains', table: 'nat', chains: ['KUBE-SVC-1'] } }),
      rulesCapture(grep, { filtered: true }),
    ]);
    expect(partial.rulesets).toHaveLength(1);
    expect(partial.rulesets[0]!.knownChains).toEqual(['nat/KUBE-SVC-1']);
    // Each composed table carries its chains by name, for the replay to look them up without keying them again.
    for (const snapshot of [...s.rulesets, ...partial.rulesets]) {
      for (const table of snapshot.ruleset.tables) {
        const index = chainIndexOf(table)!;
        for (const c of table.chains) expect(index.get(c.name)).toBe(c);
        expect(index.get('KUBE-NOT-THERE')).toBeUndefined();
      }
    }
  });

  it('a whole table replaces that table and leaves the others', () => {
    const first = ruleset([{ name: 'filter', chains: [chain('INPUT', [fromEth0], 'ACCEPT')] }, { name: 'nat', chains: [svc(1), sep(1)] }]);
    const nat = ruleset([{ name: 'nat', chains: [svc(1)] }]);
    const s = composeState([rulesCapture(first), rulesCapture(nat, { part: { kind: 'tables', tables: ['nat'] } }, [ruleChange('kubectl delete svc x')])]);
    const last = s.rulesets[s.rulesets.length - 1]!.ruleset;
    expect(last.tables.map((t) => [t.name, t.chains.map((c) => c.name)])).toEqual([['nat', ['KUBE-SVC-1']], ['filter', ['INPUT']]]);
    expect(last.origin.partial).toBe(false);
  });
});
