import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { looksLikeIpRoute } from './ip-route';
import { describeLookups, isRouteLookupCommand, looksLikeRouteLookup, routeLookupsOf } from './route-lookup';
import { splitTextCapture } from '../registry';

describe('ip route get', () => {
  it.each(['ip route get 10.0.0.5', 'ip r g 10.0.0.5', 'sudo ip -4 ro get 8.8.8.8 from 10.0.0.7', 'ip -n ns1 route get 10.0.0.5', 'ip netns exec ns1 ip rou get 1.1.1.1'])(
    '%j is a route lookup', (command) => {
      expect(isRouteLookupCommand(command)).toBe(true);
    },
  );

  it.each(['ip route', 'ip r', 'ip route show table all', 'ip -n ns1 route', 'ip route add 10.0.0.0/8 via 10.0.0.1', 'ip rule get', 'ip addr'])(
    '%j is not', (command) => {
      expect(isRouteLookupCommand(command)).toBe(false);
    },
  );

  it('recognises lookup output by its content: a bare address with uid or a cache line', () => {
    expect(looksLikeRouteLookup('172.31.2.37 dev eth0 src 172.31.0.225 uid 0 \n    cache \n')).toBe(true);
    expect(looksLikeRouteLookup('local 10.0.0.5 dev lo table local src 10.0.0.5 uid 0\n    cache <local>\n')).toBe(true);
    expect(looksLikeRouteLookup('8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.7\n    cache expires 300sec mtu 1450\n')).toBe(true);
    expect(looksLikeRouteLookup('10.0.0.5 dev eth0 scope link\ndefault via 10.0.0.1 dev eth0\n')).toBe(false);
    expect(looksLikeRouteLookup('10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.7\n')).toBe(false);
  });

  it('keeps the aws-trunk lookup out of the route table, with a warning naming it', () => {
    const file = 'test/fixtures/real/vcontainer-docs/aws-trunk.md';
    const split = splitTextCapture({ file, text: readFileSync(file, 'utf8'), firstLine: 1 });
    expect(split.units.some((u) => u.firstLine === 230)).toBe(false);
    expect(split.kept).toContainEqual(expect.objectContaining({ firstLine: 230, lastLine: 231, reason: 'a route lookup result (`ip route get`), not the route table' }));
    expect(split.warnings).toContainEqual({
      file, line: 230, message: "a route lookup result (`ip route get`), not the route table: kept as text (the kernel's answer for 172.31.2.37: dev eth0 src 172.31.0.225)",
    });
  });

  it('reads the answers of a lookup as evidence: type, gateway, device, source, table', () => {
    const text = 'local 10.0.0.7 dev lo table local src 10.0.0.7 uid 0\n    cache <local>\n8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.7 uid 0\n    cache\nRTNETLINK answers: Network is unreachable\n';
    const lookups = routeLookupsOf(text);
    expect(lookups).toEqual([
      { dst: '10.0.0.7', type: 'local', via: null, dev: 'lo', src: '10.0.0.7', table: 'local' },
      { dst: '8.8.8.8', type: 'unicast', via: '10.0.0.1', dev: 'eth0', src: '10.0.0.7', table: null },
    ]);
    expect(describeLookups(lookups)).toBe('for 10.0.0.7: local dev lo src 10.0.0.7 table local; for 8.8.8.8: via 10.0.0.1 dev eth0 src 10.0.0.7');
  });

  it('keeps a prompted `ip r g` out of the route table, and leaves `ip route` output alone', () => {
    const text = '$ ip r g 10.0.0.5\n10.0.0.5 via 10.0.0.1 dev eth0 src 10.0.0.7\n$ ip route\ndefault via 10.0.0.1 dev eth0\n';
    const split = splitTextCapture({ file: 't', text, firstLine: 1 });
    expect(split.units.map((u) => [u.kind, u.firstLine])).toEqual([['ip-route', 4]]);
    expect(split.kept.map((k) => k.firstLine)).toEqual([2]);
    expect(split.warnings.map((w) => w.message)).toEqual([
      "a route lookup result (`ip route get`), not the route table: kept as text (the kernel's answer for 10.0.0.5: via 10.0.0.1 dev eth0 src 10.0.0.7)",
    ]);
  });
});

describe('ip route detector', () => {
  it('does not take a lone address for a route (lyft: the output of ip addr | grep | awk)', () => {
    expect(looksLikeIpRoute('172.17.0.1\n')).toBe(false);
    expect(looksLikeIpRoute('10.0.0.0/8\n')).toBe(false);
    expect(looksLikeIpRoute('unreachable 10.0.0.0/8\n')).toBe(true);
    expect(looksLikeIpRoute('10.0.0.5 dev eth0 scope link\n')).toBe(true);
    const file = 'test/fixtures/real/lyft-issues/metadataproxy-29-session.md';
    const split = splitTextCapture({ file, text: readFileSync(file, 'utf8'), firstLine: 1 });
    expect(split.units.filter((u) => u.firstLine === 3)).toEqual([]);
    expect(split.kept.some((k) => k.firstLine === 3)).toBe(true);
  });
});
