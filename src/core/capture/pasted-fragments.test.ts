/**
 * Fragments engineers paste, through the real registry: output whose form only the command line tells
 * (net-tools' IPv6 table, kubectl rows greped without their header). Read when the command says what they are
 * without doubt; otherwise kept as text with the line it starts at.
 */
import { describe, expect, it } from 'vitest';
import { parseCaptureUnit, splitTextCapture } from './registry';

function split(text: string) {
  return splitTextCapture({ file: 't.txt', text, firstLine: 1 });
}

const INET6 = [
  'Kernel IPv6 routing table',
  'Destination                    Next Hop                   Flag Met Ref  Use If',
  'fd00::/64                      ::                         U    256 1      0 eth0',
  '::/0                           fd00::1                    UG   1024 3      0 eth0',
].join('\n');

describe('net-tools IPv6 routing table', () => {
  it.each(['route -n -A inet6', 'route -A inet6 -n', 'route -6 -n', 'netstat -rn -6', 'netstat -rn6'])('reads `%s`', (command) => {
    const r = split(`root@node1:~# ${command}\n${INET6}\n`);
    expect(r.kept).toEqual([]);
    expect(r.units.map((u) => [u.kind, u.node, u.firstLine, u.lastLine])).toEqual([['route-table', 'node1', 2, 5]]);
    const parsed = parseCaptureUnit(r.units[0]!);
    expect(parsed.kind === 'route-table' && parsed.routes.map((x) => [x.dst, x.via, x.family])).toEqual([
      ['fd00::/64', null, 'ipv6'],
      ['default', 'fd00::1', 'ipv6'],
    ]);
  });

  it('keeps `route add -A inet6 ...` (a change, not a listing) out of the route-table hint', () => {
    const r = split(`root@node1:~# route -A inet6 add default gw fd00::1\nSIOCADDRT: File exists\n`);
    expect(r.units).toEqual([]);
    expect(r.kept.map((k) => k.firstLine)).toEqual([2]);
  });
});
