import { describe, expect, it } from 'vitest';
import { captureScope } from './capture-scope';
import { analyseCommand } from './transcript/command';
import type { ParsedCapture } from '../records/records';
import type { Ruleset } from '../netfilter/ruleset';

const ruleset = (tables: Array<[string, string[]]>): Ruleset => ({
  family: 'ipv4',
  origin: { format: 'iptables-list', interfacesShown: true, countersShown: true, partial: true },
  tables: tables.map(([name, chains]) => ({
    name: name as Ruleset['tables'][number]['name'], line: 1,
    chains: chains.map((c) => ({ name: c, builtin: false, policy: null, counters: null, line: 1, rules: [] })),
  })),
});
const listing = (tables: Array<[string, string[]]>): ParsedCapture => ({ kind: 'iptables-list', ruleset: ruleset(tables), takenAt: null });
const save = (tables: Array<[string, string[]]>): ParsedCapture => ({ kind: 'iptables-save', ruleset: ruleset(tables), takenAt: null });
const scope = (kind: Parameters<typeof captureScope>[0], command: string | null, parsed: ParsedCapture | null = null) =>
  captureScope(kind, command === null ? null : analyseCommand(command), parsed);

describe('capture scope', () => {
  it('reads which interfaces and addresses an address capture covers', () => {
    expect(scope('ip-addr', 'ip addr')).toEqual({ of: 'interfaces', interfaces: 'all', addresses: 'all', filtered: false });
    expect(scope('ip-addr', 'ip addr show dev eth0')).toMatchObject({ interfaces: ['eth0'], addresses: 'all' });
    expect(scope('ip-addr', 'ip a s lo')).toMatchObject({ interfaces: ['lo'] });
    expect(scope('ip-addr', 'ifconfig lo')).toMatchObject({ interfaces: ['lo'] });
    expect(scope('ip-addr', 'ip -4 addr')).toMatchObject({ interfaces: 'all', addresses: 'ipv4' });
    expect(scope('ip-addr', 'ip link show')).toMatchObject({ interfaces: 'all', addresses: 'none' });
    expect(scope('ip-addr', 'ifconfig -a')).toMatchObject({ interfaces: 'all' });
    // Without -a, ifconfig lists only the interfaces that are up: the ones it shows.
    expect(scope('ip-addr', 'ifconfig', { kind: 'ip-addr', interfaces: [{ name: 'eth0' } as never], takenAt: null })).toMatchObject({ interfaces: ['eth0'] });
    expect(scope('ip-addr', 'ip addr | grep -A3 eth0', { kind: 'ip-addr', interfaces: [{ name: 'eth0' } as never], takenAt: null })).toMatchObject({ interfaces: ['eth0'], filtered: true });
    expect(scope('ip-addr', null)).toMatchObject({ interfaces: 'all' });
  });

  it('reads which route table a route capture covers', () => {
    expect(scope('ip-route', 'ip route')).toEqual({ of: 'routes', family: 'ipv4', routes: { kind: 'table', table: 'main' }, filtered: false });
    expect(scope('ip-route', 'ip route show table all')).toMatchObject({ routes: { kind: 'all' } });
    expect(scope('ip-route', 'ip route show table 100')).toMatchObject({ routes: { kind: 'table', table: '100' } });
    expect(scope('ip-route', 'ip -6 route')).toMatchObject({ family: 'ipv6' });
    expect(scope('ip-route', 'ip route get 8.8.8.8')).toMatchObject({ routes: { kind: 'lookup' } });
    expect(scope('route-table', 'route -n')).toMatchObject({ family: 'ipv4', routes: { kind: 'table', table: 'main' } });
  });

  it('reads which part of the ruleset an iptables capture covers', () => {
    expect(scope('iptables-save', 'iptables-save', save([['filter', []], ['nat', []]]))).toMatchObject({ part: { kind: 'whole' } });
    expect(scope('iptables-save', 'iptables-save -t nat')).toMatchObject({ part: { kind: 'tables', tables: ['nat'] } });
    expect(scope('iptables-list', 'iptables -t nat -L -n -v')).toMatchObject({ part: { kind: 'tables', tables: ['nat'] } });
    expect(scope('iptables-list', 'iptables -L -n')).toMatchObject({ part: { kind: 'tables', tables: ['filter'] } });
    expect(scope('iptables-list', 'iptables -t nat -L KUBE-SVC-X -n')).toMatchObject({ part: { kind: 'chains', table: 'nat', chains: ['KUBE-SVC-X'] } });
    // `iptables -S` prints iptables-save's syntax: one table (filter unless named), or one chain of it.
    expect(scope('iptables-save', 'iptables -S')).toMatchObject({ part: { kind: 'tables', tables: ['filter'] } });
    expect(scope('iptables-save', 'iptables -t nat -S KUBE-SERVICES')).toMatchObject({ part: { kind: 'chains', table: 'nat', chains: ['KUBE-SERVICES'] } });
    expect(scope('iptables-save', 'sudo iptables-save | grep KUBE-SVC')).toMatchObject({ part: { kind: 'whole' }, filtered: true });
    // A listing pasted without its command: a table when it shows every built-in chain, else the chains it shows.
    expect(scope('iptables-list', null, listing([['filter', ['INPUT', 'FORWARD', 'OUTPUT', 'DOCKER']]]))).toMatchObject({ part: { kind: 'tables', tables: ['filter'] } });
    expect(scope('iptables-list', null, listing([['nat', ['KUBE-SVC-X']]]))).toMatchObject({ part: { kind: 'chains', table: 'nat', chains: ['KUBE-SVC-X'] } });
  });

  it('says kubectl output is the cluster’s and packets are observations', () => {
    expect(scope('kubectl', 'kubectl get svc -A')).toEqual({ of: 'cluster' });
    expect(scope('conntrack', 'conntrack -L')).toEqual({ of: 'observations' });
  });
});
