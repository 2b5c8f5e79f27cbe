import { describe, expect, it } from 'vitest';
import type { NodeSnapshot } from './node-snapshot';
import { addrText, nodeFrom } from './test-support/capture-world';
import { tracePacket } from './trace-packet';
import type { Outcome, TraceRequest } from './trace';

/** A router between two links; 10.9.0.0/16 (and the default) lie beyond eth1, so a packet from there on eth0 is asymmetric. */
function router(sysctl?: string): NodeSnapshot {
  return nodeFrom('r', {
    addr: addrText(
      { name: 'eth0', mac: '52:54:00:00:00:01', lines: ['inet 10.0.1.1/24 scope global eth0', 'inet6 fd00:1::1/64 scope global'] },
      { name: 'eth1', mac: '52:54:00:00:00:02', lines: ['inet 10.0.2.1/24 scope global eth1', 'inet6 fd00:2::1/64 scope global'] },
    ),
    route: `
      10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.1
      10.0.2.0/24 dev eth1 proto kernel scope link src 10.0.2.1
      10.9.0.0/16 via 10.0.2.254 dev eth1
    `,
    iptables: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n',
    ...(sysctl === undefined ? {} : { sysctl }),
  });
}

function trace(node: NodeSnapshot, req: Partial<TraceRequest> = {}): Outcome {
  const outcomes = tracePacket([node], { node: node.name, proto: 'icmp', src: '10.0.1.10', dst: '10.0.2.20', in: 'eth0', follow: false, ...req }).outcomes;
  expect(outcomes).toHaveLength(1);
  return outcomes[0]!;
}

const hooks = (o: Outcome): string[] => o.trail.flatMap((e) => (e.kind === 'hook' ? [e.hook] : []));

describe('ip_forward from the captures', () => {
  it('not captured: the node forwards, as before', () => {
    const o = trace(router());
    expect(o.verdict).toBe('forward');
    expect(o.caveats.filter((c) => c.includes('forward'))).toEqual([]);
  });

  it('0: a packet to be forwarded is dropped at the routing decision, before FORWARD, citing the setting', () => {
    const o = trace(router('net.ipv4.ip_forward = 0'));
    expect(o.verdict).toBe('drop');
    expect(o.reason).toMatch(/r does not forward \(net\.ipv4\.ip_forward=0 \(r\/sysctl:1\)\).*routing decision, before FORWARD/);
    expect(hooks(o)).toEqual(['PREROUTING']);
  });

  it("the in-device's own forwarding decides over net.ipv4.ip_forward", () => {
    expect(trace(router('net.ipv4.conf.eth0.forwarding = 1\nnet.ipv4.ip_forward = 0')).verdict).toBe('forward');
    const o = trace(router('net.ipv4.conf.all.forwarding = 1\nnet.ipv4.conf.eth0.forwarding = 0'));
    expect(o.verdict).toBe('drop');
    expect(o.reason).toContain('net.ipv4.conf.eth0.forwarding=0 (r/sysctl:2)');
  });

  it('0 does not stop local delivery', () => {
    expect(trace(router('net.ipv4.ip_forward = 0'), { dst: '10.0.2.1' }).verdict).toBe('deliver');
  });

  it('IPv6: net.ipv6.conf.all.forwarding = 0 drops what would be forwarded; IPv4 settings do not', () => {
    const req = { src: 'fd00:1::10', dst: 'fd00:2::20' };
    expect(trace(router('net.ipv4.ip_forward = 0'), req).verdict).toBe('forward');
    const o = trace(router('net.ipv6.conf.all.forwarding = 0'), req);
    expect(o.verdict).toBe('drop');
    expect(o.reason).toContain('net.ipv6.conf.all.forwarding=0');
  });
});

describe('rp_filter from the captures', () => {
  const asymmetric = { src: '10.9.0.5' };

  it('strict (1): a source whose route back leaves by another interface is dropped after PREROUTING, citing the setting', () => {
    const o = trace(router('net.ipv4.conf.all.rp_filter = 1'), asymmetric);
    expect(o.verdict).toBe('drop');
    expect(o.reason).toMatch(/reverse-path filter \(net\.ipv4\.conf\.all\.rp_filter=1 \(r\/sysctl:1\)\): the route back to 10\.9\.0\.5 leaves by eth1, not eth0/);
    expect(hooks(o)).toEqual(['PREROUTING']);
  });

  it("the larger of all's and the device's value is in force", () => {
    const o = trace(router('net.ipv4.conf.all.rp_filter = 0\nnet.ipv4.conf.eth0.rp_filter = 1'), asymmetric);
    expect(o.verdict).toBe('drop');
    expect(o.reason).toContain('net.ipv4.conf.eth0.rp_filter=1 (r/sysctl:2)');
    expect(trace(router('net.ipv4.conf.all.rp_filter = 0\nnet.ipv4.conf.eth0.rp_filter = 0'), asymmetric).verdict).toBe('forward');
  });

  it('loose (2) only needs some route back; with none the packet is dropped', () => {
    expect(trace(router('net.ipv4.conf.all.rp_filter = 2'), asymmetric).verdict).toBe('forward');
    const o = trace(router('net.ipv4.conf.all.rp_filter = 2'), { src: '192.0.2.7' });
    expect(o.verdict).toBe('drop');
    expect(o.reason).toContain('r has no route back to 192.0.2.7');
  });

  it('strict, with a symmetric source: forwarded', () => {
    expect(trace(router('net.ipv4.conf.all.rp_filter = 1')).verdict).toBe('forward');
  });

  it('not captured: the packet goes on, with a caveat only where the route back differs', () => {
    const o = trace(router(), asymmetric);
    expect(o.verdict).toBe('forward');
    expect(o.caveats.filter((c) => c.includes('rp_filter'))).toEqual([expect.stringMatching(/^r: rp_filter is not in the captures.*leaves by eth1, not eth0/)]);
    expect(trace(router()).caveats.filter((c) => c.includes('rp_filter'))).toEqual([]);
  });
});
