import { describe, expect, it } from 'vitest';
import { parseIpRule } from '../capture/iproute/ip-rule';
import { parseIpRoute } from '../capture/iproute/ip-route';
import { parseIp } from '../common/ip';
import type { IpNumber } from '../common/ip';
import type { NodeSnapshot } from './node-snapshot';
import { compilePolicy, policyLookup, ruleText, type PolicyKey, type TableResult } from './policy-routing';
import { compileRouting, lookupRoute } from './routing';
import { addrText, nodeFrom } from './test-support/capture-world';
import { tracePacket } from './trace-packet';

function ip(text: string): IpNumber {
  const parsed = parseIp(text);
  if (parsed === null) throw new Error(text);
  return parsed;
}

const rules = (...lines: string[]) => parseIpRule({ file: 'rules.txt', text: lines.join('\n'), firstLine: 1 }).rules;

const KEY: PolicyKey = { src: ip('0.0.0.0'), iif: 'lo', oif: null, mark: 0, protoNum: 6, sport: 40000, dport: 443 };

/** Table names looked up, in order, with the answer each gives. */
function walk(ruleLines: string[], key: Partial<PolicyKey>, answers: Record<string, TableResult<string>>, dst = '10.1.2.3') {
  const asked: string[] = [];
  const result = policyLookup(compilePolicy(rules(...ruleLines), 'ipv4'), { ...KEY, ...key }, ip(dst), (t) => {
    asked.push(t);
    return answers[t] ?? { kind: 'miss' };
  });
  return { asked, result };
}

describe('policyLookup', () => {
  it('walks rules in priority order (not listing order), passing on from a table that has no route', () => {
    const { asked, result } = walk(['32766: from all lookup main', '0: from all lookup local', '100: from all lookup 100'], {}, { main: { kind: 'route', result: 'main-route', prefixLength: 0 } });
    expect(asked).toEqual(['local', '100', 'main']);
    expect(result).toMatchObject({ kind: 'route', result: 'main-route', rule: { record: { priority: 32766 } } });
  });

  it('skips a route no longer than suppress_prefixlength, and takes a longer one', () => {
    const ruleLines = ['10: from all lookup main suppress_prefixlength 0', '20: from all lookup 7'];
    const seven: TableResult<string> = { kind: 'route', result: 'seven', prefixLength: 0 };
    expect(walk(ruleLines, {}, { main: { kind: 'route', result: 'default', prefixLength: 0 }, 7: seven }).result).toMatchObject({ result: 'seven' });
    expect(walk(ruleLines, {}, { main: { kind: 'route', result: 'connected', prefixLength: 24 }, 7: seven }).result).toMatchObject({ result: 'connected' });
  });

  it('matches fwmark under its mask, inverts with not, and only matches `from all` before the source is chosen', () => {
    const ruleLines = ['10: from all fwmark 0x4000/0xc000 lookup 1', '20: not from all to 10.1.0.0/16 lookup 2', '30: from 10.0.0.0/8 lookup 3', '40: from all lookup 4'];
    const answers = { 1: { kind: 'route', result: 'one', prefixLength: 8 }, 2: { kind: 'route', result: 'two', prefixLength: 8 }, 3: { kind: 'route', result: 'three', prefixLength: 8 }, 4: { kind: 'route', result: 'four', prefixLength: 8 } } as const;
    expect(walk(ruleLines, { mark: 0x4abc }, answers).result).toMatchObject({ result: 'one' });
    expect(walk(ruleLines, { mark: 0x8000 }, answers).result).toMatchObject({ result: 'four' });
    expect(walk(ruleLines, {}, answers, '192.0.2.1').result).toMatchObject({ result: 'two' });
    expect(walk(ruleLines, { src: ip('10.9.9.9') }, answers).result).toMatchObject({ result: 'three' });
  });

  it('jumps a goto to the rule of that exact priority, skips an unresolved one, and passes over nop', () => {
    const ruleLines = ['10: from all goto 30', '20: from all blackhole', '30: from all nop', '40: from all goto 45', '50: from all lookup 5'];
    const { asked, result } = walk(ruleLines, {}, { 5: { kind: 'route', result: 'five', prefixLength: 1 } });
    expect(asked).toEqual(['5']);
    expect(result).toMatchObject({ result: 'five' });
  });

  it('ends at blackhole/unreachable/prohibit rules and answers no-route when every rule passed', () => {
    expect(walk(['5: from all to 10.1.0.0/16 iif lo prohibit'], {}, {}).result).toMatchObject({ kind: 'prohibit', rule: { record: { priority: 5 } } });
    expect(walk(['5: from all iif eth0 prohibit'], {}, {}).result).toEqual({ kind: 'no-route' });
    expect(walk(['5: from all ipproto tcp dport 400-500 unreachable'], {}, {}).result).toMatchObject({ kind: 'unreachable' });
    expect(walk(['5: from all ipproto udp dport 443 unreachable'], {}, {}).result).toEqual({ kind: 'no-route' });
  });

  it('stops with unknown, naming the rule, at a selector the captures cannot decide', () => {
    const { result } = walk(['5: from all uidrange 1000-2000 lookup 9', '10: from all lookup main'], {}, {});
    expect(result).toEqual({ kind: 'unknown', missing: 'ip rule 5: from all uidrange 1000-2000 lookup 9 selects on uidrange 1000-2000, which the captures do not decide' });
  });

  it('prints a rule the way ip rule does', () => {
    expect(rules('110:\tfrom all fwmark 0x4000/0x4000 lookup 200', '130: from all oif eth0 lookup main suppress_prefixlength 0').map(ruleText)).toEqual([
      '110: from all fwmark 0x4000/0x4000 lookup 200', '130: from all oif eth0 lookup main suppress_prefixlength 0',
    ]);
  });
});

describe('lookupRoute with rules', () => {
  const node = nodeFrom('n', {
    addr: addrText({ name: 'eth0', mac: '52:54:00:00:00:01', lines: ['inet 10.0.0.5/24 scope global eth0'] }),
    route: `
      default via 10.0.0.1 dev eth0
    `,
  });
  const policy = rules('0: from all lookup local', '100: from all fwmark 0x1 lookup 100', '32766: from all lookup main');

  it('calls a table the route capture did not show unknown, unless the capture listed all tables', () => {
    const routing = compileRouting(node.interfaces, node.routes, policy);
    expect(lookupRoute(routing, ip('8.8.8.8'), { ...KEY, mark: 1 })).toEqual({ kind: 'unknown', missing: 'the routes of table 100 were not captured (ip route show table all) (ip rule 100: from all fwmark 0x1 lookup 100)' });
    expect(lookupRoute(routing, ip('8.8.8.8'), KEY)).toMatchObject({ kind: 'unicast', dev: 'eth0' });
    const all = parseIpRoute({ file: 'r', text: 'default via 10.0.0.1 dev eth0\nlocal 10.0.0.5 dev eth0 table local proto kernel scope host src 10.0.0.5', firstLine: 1 }).routes;
    expect(lookupRoute(compileRouting(node.interfaces, all, policy), ip('8.8.8.8'), { ...KEY, mark: 1 })).toMatchObject({ kind: 'unicast', dev: 'eth0' });
  });

  it('knows every table of a family only when that family\'s routes were listed with table all', () => {
    const routes = parseIpRoute({ file: 'r', text: [
      'default via 10.0.0.1 dev eth0',
      'local 10.0.0.5 dev eth0 table local proto kernel scope host src 10.0.0.5',
      'default via fd00::1 dev eth0 metric 1024 pref medium',
    ].join('\n'), firstLine: 1 }).routes;
    const v6rules = parseIpRule({ file: 'r6', text: '0:\tfrom all lookup local\n100:\tfrom all fwmark 0x1 lookup 100\n32766:\tfrom all lookup main', firstLine: 1 }, { family: 'ipv6' }).rules;
    const routing = compileRouting(node.interfaces, routes, [...policy, ...v6rules]);
    expect([routing.v4.allTablesKnown, routing.v6.allTablesKnown]).toEqual([true, false]);
    expect(lookupRoute(routing, ip('2001:db8::1'), { ...KEY, src: ip('::'), mark: 1 })).toMatchObject({ kind: 'unknown' });
    expect(lookupRoute(routing, ip('8.8.8.8'), { ...KEY, mark: 1 })).toMatchObject({ kind: 'unicast', dev: 'eth0' });
  });

  it('keeps a local route of a named table in that table: only marked packets are delivered by it', () => {
    // anngdinh/mdbook gke-cluster.md (GKE Dataplane V2): `ip rule` 9: fwmark 0x200/0xf00 lookup 2004, `ip r s t 2004`.
    const table2004 = parseIpRoute({ file: 'r', text: 'local default dev lo scope host', firstLine: 1 }, { table: '2004' }).routes;
    const cilium = rules('9:\tfrom all fwmark 0x200/0xf00 lookup 2004', '100:\tfrom all lookup local', '32766:\tfrom all lookup main');
    const routing = compileRouting(node.interfaces, [...node.routes!, ...table2004], cilium);
    expect(lookupRoute(routing, ip('8.8.8.8'), KEY)).toMatchObject({ kind: 'unicast', dev: 'eth0' });
    expect(lookupRoute(routing, ip('8.8.8.8'), { ...KEY, mark: 0x200 })).toMatchObject({ kind: 'local', dev: 'lo' });
  });

  it('keeps the old lookup (local, then main) without rules or without a packet key', () => {
    const routing = compileRouting(node.interfaces, node.routes, null);
    expect(routing.v4.policy).toBeNull();
    expect(lookupRoute(compileRouting(node.interfaces, node.routes, policy), ip('8.8.8.8'))).toMatchObject({ kind: 'unicast', dev: 'eth0' });
  });
});

describe('trace with policy routing', () => {
  const ADDR = `
    1: lo: <LOOPBACK,UP> mtu 65536 state UNKNOWN
        link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
        inet 127.0.0.1/8 scope host lo
    2: eth0: <BROADCAST,UP> mtu 1500 state UP
        link/ether 52:54:00:00:00:01 brd ff:ff:ff:ff:ff:ff
        inet 10.0.0.5/24 scope global eth0
    3: wg0: <POINTOPOINT,UP> mtu 1420 state UNKNOWN
        link/none
        inet 10.9.0.1/24 scope global wg0
  `;
  const ROUTES = `
    default via 10.0.0.1 dev eth0
    10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5
    10.9.0.0/24 dev wg0 proto kernel scope link src 10.9.0.1
    default dev wg0 table 51820 scope link
    local 10.0.0.5 dev eth0 table local proto kernel scope host src 10.0.0.5
    local 10.9.0.1 dev wg0 table local proto kernel scope host src 10.9.0.1
  `;
  const FILTER = `
    *filter
    :INPUT ACCEPT [0:0]
    :FORWARD ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    COMMIT
  `;
  // wg-quick's rules: unmarked traffic goes through the tunnel's table, the main table only for more specific routes.
  const WG_RULES = rules('0: from all lookup local', '32764: from all lookup main suppress_prefixlength 0', '32765: not from all fwmark 0xca6c lookup 51820', '32766: from all lookup main', '32767: from all lookup default');
  const world = (withRules: boolean): NodeSnapshot[] => [{ ...nodeFrom('n', { iptables: FILTER, addr: ADDR, route: ROUTES }), rules: withRules ? WG_RULES : null }];

  it('sends a forwarded packet by the rules\' table, and says which rule chose it', () => {
    const [o] = tracePacket(world(true), { node: 'n', proto: 'tcp', src: '10.0.0.50', dst: '1.1.1.1', dport: 443, in: 'eth0', follow: false }).outcomes;
    expect(o).toMatchObject({ verdict: 'forward', egress: { node: 'n', interface: 'wg0' } });
    expect(JSON.stringify(o)).toContain('ip rule 32765: not from all fwmark 0xca6c lookup 51820');
    expect(JSON.stringify(o)).not.toContain('policy routing');
  });

  it('routes a local packet by the rules and picks its source from the chosen route', () => {
    const [o] = tracePacket(world(true), { node: 'n', proto: 'udp', src: '0.0.0.0', dst: '1.1.1.1', dport: 53, local: true, follow: false }).outcomes;
    expect(o).toMatchObject({ verdict: 'forward', egress: { interface: 'wg0' } });
    const [direct] = tracePacket(world(true), { node: 'n', proto: 'udp', src: '0.0.0.0', dst: '10.0.0.9', dport: 53, local: true, follow: false }).outcomes;
    expect(direct).toMatchObject({ egress: { interface: 'eth0' } });
  });

  it('without the rules uses the main table and says the routing policy was not captured', () => {
    const [o] = tracePacket(world(false), { node: 'n', proto: 'tcp', src: '10.0.0.50', dst: '1.1.1.1', dport: 443, in: 'eth0', follow: false }).outcomes;
    expect(o).toMatchObject({ verdict: 'forward', egress: { interface: 'eth0' } });
    expect(JSON.stringify(o)).toContain('were captured, but not its routing policy (ip rule)');
  });
});

describe('multipath routes', () => {
  it('names every hop and says the replay follows the first', () => {
    const node = nodeFrom('n', {
      addr: `
        2: eth0: <BROADCAST,UP> mtu 1500 state UP
            link/ether 52:54:00:00:00:01 brd ff:ff:ff:ff:ff:ff
            inet 10.0.0.5/24 scope global eth0
      `,
      route: `
        10.62.0.0/16 nhid 10
        \tnexthop via 10.0.0.2 dev eth0 weight 1
        \tnexthop via 10.0.0.3 dev eth0 weight 3
      `,
    });
    const look = lookupRoute(compileRouting(node.interfaces, node.routes), ip('10.62.1.1'));
    expect(look).toMatchObject({ kind: 'unicast', nextHop: ip('10.0.0.2') });
    expect(look.kind === 'unicast' && look.route.text).toBe(
      '10.62.0.0/16 via 10.0.0.2 dev eth0 (multipath: via 10.0.0.2 dev eth0 weight 1; via 10.0.0.3 dev eth0 weight 3; the kernel hashes each flow onto one of them, the replay follows the first)',
    );
  });
});

describe('the default rules (local, main, default) answer as the lookup without rules', () => {
  const node = nodeFrom('n', {
    addr: addrText(
      { name: 'eth0', mac: '52:54:00:00:00:01', lines: ['inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0', 'inet 10.0.0.6/24 scope global secondary eth0'] },
      { name: 'cbr0', mac: '52:54:00:00:00:02', lines: ['inet 10.244.0.1/24 scope global cbr0'] },
    ),
    route: `
      default via 10.0.0.1 dev eth0 metric 100
      10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5
      10.244.0.0/24 dev cbr0 proto kernel scope link src 10.244.0.1
      10.8.0.0/16 via 10.0.0.9 dev eth0
      blackhole 10.9.0.0/16
      unreachable 10.9.5.0/24
      prohibit 10.7.0.0/16
      throw 10.6.0.0/16
    `,
  });
  const defaults = rules('0:\tfrom all lookup local', '32766:\tfrom all lookup main', '32767:\tfrom all lookup default');
  const plain = compileRouting(node.interfaces, node.routes, null);
  const withRules = compileRouting(node.interfaces, node.routes, defaults);

  it('for 2,000 destinations drawn around the node\'s prefixes, for forwarded and local packets', () => {
    // A small LCG: deterministic, so a failure names its destination.
    let seed = 0x2f6b_1d3;
    const next = (): number => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0);
    const bases = [0x0a000000, 0x0a080000, 0x0a090000, 0x0a090500, 0x0a070000, 0x0a060000, 0x0af40000, 0x7f000000, 0x08080808];
    for (let i = 0; i < 2000; i++) {
      const base = bases[next() % bases.length] ?? 0;
      const dst: IpNumber = { family: 'ipv4', value: (base + (next() % 0x20000)) >>> 0 };
      const key: PolicyKey = { ...KEY, src: i % 2 === 0 ? ip('0.0.0.0') : ip('10.244.0.7'), iif: i % 2 === 0 ? 'lo' : 'cbr0', protoNum: 17 };
      const a = lookupRoute(plain, dst);
      const b = lookupRoute(withRules, dst, key);
      const strip = (l: ReturnType<typeof lookupRoute>) => ('route' in l && l.route !== null ? { ...l, route: l.route.cidr } : l);
      expect(strip(b), `${dst.value >>> 24}.${(dst.value >>> 16) & 255}.${(dst.value >>> 8) & 255}.${dst.value & 255}`).toEqual(strip(a));
    }
  });
});
