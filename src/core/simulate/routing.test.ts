import { describe, expect, it } from 'vitest';
import { parseIp } from '../common/ip';
import type { IpNumber } from '../common/ip';
import { addrTypeOf, compileRouting, isLocalAddress, lookupRoute, SCOPE_LINK, selectAddress } from './routing';
import { addrText, nodeFrom } from './test-support/capture-world';
import { parseIpRoute } from '../capture/iproute/ip-route';

function ip(text: string): IpNumber {
  const parsed = parseIp(text);
  if (parsed === null) throw new Error(text);
  return parsed;
}

const node = nodeFrom('n', {
  addr: addrText({
    name: 'eth0',
    mac: '52:54:00:00:00:01',
    lines: ['inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0', 'inet 10.0.0.6/24 scope global secondary eth0', 'inet 192.168.7.5/24 scope global eth0', 'inet6 fd00::5/64 scope global'],
  }),
  route: `
    default via 10.0.0.1 dev eth0 metric 600
    default via 10.0.0.2 dev eth0 metric 100
    10.2.0.0/16 via 10.0.0.3 dev eth0
    10.2.3.0/24 via 192.168.7.1 dev eth0
  `,
});
const routing = compileRouting(node.interfaces, node.routes);

describe('node routing', () => {
  it('prefers the longest prefix, then the lowest metric', () => {
    expect(lookupRoute(routing, ip('10.2.3.4'))).toMatchObject({ kind: 'unicast', dev: 'eth0', nextHop: ip('192.168.7.1') });
    expect(lookupRoute(routing, ip('10.2.9.9'))).toMatchObject({ kind: 'unicast', nextHop: ip('10.0.0.3') });
    expect(lookupRoute(routing, ip('1.1.1.1'))).toMatchObject({ kind: 'unicast', nextHop: ip('10.0.0.2') });
  });

  it('answers local for its own addresses and the whole of 127/8 on loopback', () => {
    expect(lookupRoute(routing, ip('10.0.0.6')).kind).toBe('local');
    expect(isLocalAddress(routing, ip('127.3.2.1'))).toBe(true);
    expect(isLocalAddress(routing, ip('10.0.0.7'))).toBe(false);
  });

  it('types addresses as addrtype does: LOCAL, BROADCAST, MULTICAST, UNICAST', () => {
    expect(addrTypeOf(routing, ip('10.0.0.5'), null)).toBe('LOCAL');
    expect(addrTypeOf(routing, ip('10.0.0.255'), null)).toBe('BROADCAST');
    expect(addrTypeOf(routing, ip('255.255.255.255'), null)).toBe('BROADCAST');
    expect(addrTypeOf(routing, ip('224.0.0.251'), null)).toBe('MULTICAST');
    expect(addrTypeOf(routing, ip('8.8.8.8'), null)).toBe('UNICAST');
    expect(addrTypeOf(routing, ip('10.0.0.5'), 'eth1')).toBe('UNICAST');
    expect(addrTypeOf(routing, ip('fd00::5'), null)).toBe('LOCAL');
  });

  it('selects the primary address in the next hop subnet, never a secondary', () => {
    expect(selectAddress(routing, 'ipv4', 'eth0', ip('192.168.7.1'))?.text).toBe('192.168.7.5');
    expect(selectAddress(routing, 'ipv4', 'eth0', ip('10.0.0.1'))?.text).toBe('10.0.0.5');
    expect(selectAddress(routing, 'ipv4', 'eth0', ip('172.16.0.1'))?.text).toBe('10.0.0.5');
  });

  it('falls back to the first global primary address of another interface when the device has none (inet_select_addr)', () => {
    expect(selectAddress(routing, 'ipv4', 'lo', ip('10.0.0.5'))?.text).toBe('10.0.0.5');
    expect(selectAddress(routing, 'ipv4', 'lo', ip('127.0.0.1'))).toMatchObject({ text: '10.0.0.5', dev: 'eth0' });
    const onlyLoopback = compileRouting(nodeFrom('l', { addr: addrText({ name: 'eth0', mac: '52:54:00:00:00:01', lines: ['inet 169.254.3.3/16 scope link eth0'] }) }).interfaces, null);
    expect(selectAddress(onlyLoopback, 'ipv4', 'lo', null)).toBeNull();
    // A link-scope route may take a link-scope address of its own device, never another's.
    expect(selectAddress(onlyLoopback, 'ipv4', 'eth0', null, SCOPE_LINK)?.text).toBe('169.254.3.3');
    expect(selectAddress(onlyLoopback, 'ipv4', 'lo', null, SCOPE_LINK)).toBeNull();
  });

  it('without an address capture, cannot say what is local except the routes preferred sources', () => {
    const partial = compileRouting(null, nodeFrom('p', { route: '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5' }).routes);
    expect(isLocalAddress(partial, ip('10.0.0.5'))).toBe(true);
    expect(isLocalAddress(partial, ip('10.0.0.9'))).toBeNull();
    expect(addrTypeOf(partial, ip('10.0.0.9'), null)).toBeNull();
    expect(lookupRoute(partial, ip('8.8.8.8'))).toMatchObject({ kind: 'unknown' });
  });
});

describe('addresses from the local table when ip addr was not captured', () => {
  // kaysalawu/azure-network-terraform: `ip route show table all` of an NVA, no `ip addr`.
  const routes = parseIpRoute({ file: 'r', firstLine: 1, text: [
    'default via 10.20.1.1 dev eth0 proto dhcp src 10.20.1.9 metric 100',
    '10.11.16.0/20 via 10.20.1.1 dev eth0 proto bgp metric 20',
    '10.20.1.0/24 dev eth0 proto kernel scope link src 10.20.1.9',
    '10.20.2.0/24 dev eth1 proto kernel scope link src 10.20.2.9',
    'local 10.20.1.9 dev eth0 table local proto kernel scope host src 10.20.1.9',
    'local 10.20.2.9 dev eth1 table local proto kernel scope host src 10.20.2.9',
    'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1',
    'local 192.168.20.20 dev lo table local proto kernel scope host src 192.168.20.20',
    'local fe80::20d:3aff:fedd:6043 dev eth0 table local proto kernel metric 0 pref medium',
  ].join('\n') }).routes;

  it('gives each interface the host entries the local table lists on it, with the connected subnet that holds them', () => {
    const routing = compileRouting(null, routes);
    const eth0 = selectAddress(routing, 'ipv4', 'eth0', ip('10.11.16.5'));
    expect([eth0?.text, eth0?.subnet.prefixLength]).toEqual(['10.20.1.9', 24]);
    expect(selectAddress(routing, 'ipv4', 'eth1', ip('10.20.2.7'))?.text).toBe('10.20.2.9');
    expect(selectAddress(routing, 'ipv6', 'eth0', ip('fe80::1'), SCOPE_LINK)?.scope).toBe(SCOPE_LINK);
    // With ip addr captured, the addresses are its own.
    expect(selectAddress(compileRouting([], routes), 'ipv4', 'eth0', ip('10.11.16.5'))).toBeNull();
  });
});
