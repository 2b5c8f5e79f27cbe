/** Evidence lines read as the captured lines. */
import { describe, expect, it } from 'vitest';
import type { RouteRecord } from '../records/records';
import { ipRouteLine } from './evidence';

const route = (r: Partial<RouteRecord>): RouteRecord => ({
  type: 'unicast', dst: 'default', family: 'ipv4', via: null, dev: null, src: null, metric: null, table: 'main', scope: null, proto: null, flags: [], line: 1, ...r,
});

describe('ipRouteLine', () => {
  it('prints a route in ip route\'s words and order, a host route without its prefix length', () => {
    expect(ipRouteLine(route({ dst: '10.40.1.3/32', via: '192.168.57.11', dev: 'eth1' }))).toBe('10.40.1.3 via 192.168.57.11 dev eth1');
    expect(ipRouteLine(route({ dst: '10.40.1.0/24', dev: 'cbr0', proto: 'kernel', scope: 'link', src: '10.40.1.1' }))).toBe('10.40.1.0/24 dev cbr0 proto kernel scope link src 10.40.1.1');
    expect(ipRouteLine(route({ type: 'blackhole', dst: '10.9.0.0/16', metric: 100, table: '100', flags: ['linkdown'] }))).toBe('blackhole 10.9.0.0/16 table 100 metric 100 linkdown');
    expect(ipRouteLine(route({ family: 'ipv6', dst: 'fd00::1/128', dev: 'eth0' }))).toBe('fd00::1 dev eth0');
  });
});
