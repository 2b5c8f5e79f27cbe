/** Routes a capture named instead of addressing (`route` without -n): the replay takes what the names hide as unknown. */
import { describe, expect, it } from 'vitest';
import { parseIp, type IpNumber } from '../common/ip';
import { parseRouteTable } from '../capture/iproute/route-table';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import { compileRouting, lookupRoute } from './routing';
import { tracePacket } from './trace-packet';
import { addrText, nodeFrom } from './test-support/capture-world';

const ip = (text: string): IpNumber => parseIp(text)!;

function routesOf(...rows: string[]) {
  const text = ['Kernel IP routing table', 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface', ...rows].join('\n');
  return parseRouteTable({ file: 'route.txt', text, firstLine: 1 }).routes;
}

const ADDR = addrText({ name: 'enp0s3', mac: '52:54:00:00:00:01', lines: ['inet 10.0.2.15/24 scope global enp0s3'] }, { name: 'docker0', mac: '52:54:00:00:00:02', lines: ['inet 172.17.0.1/16 scope global docker0'] });
const interfaces = nodeFrom('n', { addr: ADDR }).interfaces;

describe('routes with names from `route` without -n', () => {
  it('gives an unknown next hop for a route whose gateway is a name, and the usual answer elsewhere', () => {
    const routing = compileRouting(interfaces, routesOf(
      'default         _gateway        0.0.0.0         UG    100    0        0 enp0s3',
      '10.0.2.0        0.0.0.0         255.255.255.0   U     100    0        0 enp0s3',
    ));
    expect(lookupRoute(routing, ip('8.8.8.8'))).toEqual({
      kind: 'unknown',
      missing: 'route default via _gateway dev enp0s3 metric 100 names its gateway instead of giving its address (route without -n), so the next hop is unknown',
    });
    expect(lookupRoute(routing, ip('10.0.2.7'))).toMatchObject({ kind: 'unicast', dev: 'enp0s3', nextHop: ip('10.0.2.7') });
  });

  it('takes a route to a named network as one that may hold any address: unknown where it would win, not where a longer route does', () => {
    const routing = compileRouting(interfaces, routesOf(
      'default         10.0.2.2        0.0.0.0         UG    100    0        0 enp0s3',
      '10.0.2.0        0.0.0.0         255.255.255.0   U     100    0        0 enp0s3',
      'link-local      0.0.0.0         255.255.0.0     U     1000   0        0 enp0s3',
      '172.17.0.0      0.0.0.0         255.255.0.0     U     0      0        0 docker0',
    ));
    const viaDefault = lookupRoute(routing, ip('8.8.8.8'));
    expect(viaDefault).toEqual({ kind: 'unknown', missing: expect.stringMatching(/^route link-local\/16 dev enp0s3 metric 1000 names its destination/) });
    // A /24 is longer than the named /16; an equal /16 of a lower metric wins over it.
    expect(lookupRoute(routing, ip('10.0.2.7'))).toMatchObject({ kind: 'unicast', dev: 'enp0s3' });
    expect(lookupRoute(routing, ip('172.17.0.2'))).toMatchObject({ kind: 'unicast', dev: 'docker0' });
    // The node's own addresses are answered by the local table first.
    expect(lookupRoute(routing, ip('10.0.2.15'))).toMatchObject({ kind: 'local' });
  });

  it('ends a trace through a named gateway as unknown, saying why, instead of sending the packet on-link', () => {
    const node = {
      name: 'n', interfaces, routes: routesOf('default         _gateway        0.0.0.0         UG    100    0        0 enp0s3', '10.0.2.0        0.0.0.0         255.255.255.0   U     100    0        0 enp0s3'),
      ruleset: parseIptablesSave({ file: 'n/iptables', text: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n', firstLine: 1 }).ruleset,
      rulesetSource: 'n/iptables',
    };
    const [outcome, ...more] = tracePacket([node], { node: 'n', proto: 'tcp', src: '172.17.0.2', dst: '93.184.216.34', dport: 443, in: 'docker0', follow: false }).outcomes;
    expect(more).toEqual([]);
    expect(outcome?.verdict).toBe('unknown');
    expect(outcome?.reason).toBe('where 93.184.216.34 leaves n is unknown: route default via _gateway dev enp0s3 metric 100 names its gateway instead of giving its address (route without -n), so the next hop is unknown');
    expect(outcome?.egress).toBeNull();
    const routed = outcome?.trail.find((e) => e.kind === 'route');
    expect(routed).toMatchObject({ kind: 'route', result: { kind: 'unknown' }, note: expect.stringContaining('names its gateway instead of giving its address (route without -n)') });
  });

  it('takes an IPv6 route to a named network the same way: unknown where it would win, the longer known route elsewhere', () => {
    const table = [
      'Kernel IPv6 routing table',
      'Destination                    Next Hop                   Flag Met Ref Use If',
      'fd00::/64                      [::]                       U    256 1     0 enp0s3',
      'ip6-mcastprefix/8              [::]                       U    256 1     0 enp0s3',
      '[::]/0                         fd00::1                    UG   1024 3    0 enp0s3',
    ].join('\n');
    const v6 = nodeFrom('n', { addr: addrText({ name: 'enp0s3', mac: '52:54:00:00:00:01', lines: ['inet6 fd00::15/64 scope global'] }) }).interfaces;
    const routing = compileRouting(v6, parseRouteTable({ file: 'route6.txt', text: table, firstLine: 1 }).routes);
    expect(lookupRoute(routing, ip('ff02::1:3'))).toEqual({ kind: 'unknown', missing: expect.stringMatching(/^route ip6-mcastprefix\/8 dev enp0s3 metric 256 names its destination/) });
    expect(lookupRoute(routing, ip('fd00::7'))).toMatchObject({ kind: 'unicast', dev: 'enp0s3', nextHop: ip('fd00::7') });
  });
});
