import { describe, expect, it } from 'vitest';
import { parseIptablesList } from '../capture/iptables/iptables-list';
import type { NodeSnapshot } from './node-snapshot';
import { nodeFrom } from './test-support/capture-world';
import { tracePacket } from './trace-packet';
import type { Outcome, TraceRequest } from './trace';

const ADDR = `
  1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN
      link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
      inet 127.0.0.1/8 scope host lo
  2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP
      link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
      inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0
  3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP
      link/ether 52:54:00:12:34:58 brd ff:ff:ff:ff:ff:ff
      inet 172.16.0.5/24 scope global eth1
  4: cbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP
      link/ether 52:54:00:12:34:59 brd ff:ff:ff:ff:ff:ff
      inet 10.244.0.1/24 scope global cbr0
`;

const ROUTE = `
  default via 10.0.0.1 dev eth0 metric 100
  10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5
  172.16.0.0/24 dev eth1 proto kernel scope link src 172.16.0.5
  10.244.0.0/24 dev cbr0 proto kernel scope link src 10.244.0.1
  10.244.1.0/24 via 10.0.0.7 dev eth0
`;

function node(iptables: string | null, opts: { addr?: boolean } = {}): NodeSnapshot {
  return nodeFrom('n1', { ...(iptables === null ? {} : { iptables }), route: ROUTE, ...(opts.addr === false ? {} : { addr: ADDR }) });
}

function trace(world: NodeSnapshot[], req: Partial<TraceRequest> & { dst: string }): Outcome[] {
  return tracePacket(world, { node: 'n1', proto: 'tcp', follow: false, src: '172.16.0.9', in: 'eth1', dport: 80, ...req }).outcomes;
}

/** Outcomes as [verdict, probability, assumed...]: what a reader of the JSON compares. */
function brief(outcomes: Outcome[]): Array<[string, number, string[]]> {
  return outcomes.map((o) => [o.verdict, Math.round(o.probability * 1000) / 1000, o.assumptions.map((a) => a.assumed)]);
}

function setKey(o: Outcome): string {
  return JSON.stringify(o.assumptions.map((a) => [a.node, a.about, a.assumed, a.rule]));
}

/** CONTRACT.md: outcomes with equal assumptions form one set whose probabilities sum to 1. */
function expectSetsSumToOne(outcomes: Outcome[]): void {
  const sums = new Map<string, number>();
  for (const o of outcomes) sums.set(setKey(o), (sums.get(setKey(o)) ?? 0) + o.probability);
  for (const [key, sum] of sums) expect(sum, key).toBeCloseTo(1, 9);
}

const FILTER_OPEN = `
  *filter
  :INPUT ACCEPT [0:0]
  :FORWARD ACCEPT [0:0]
  :OUTPUT ACCEPT [0:0]
`;

describe('fork and merge', () => {
  it('an addrtype test before an empty chain adds no assumption: both answers go on unchanged', () => {
    const world = [node(`
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      :EMPTY - [0:0]
      -A PREROUTING -m addrtype --src-type LOCAL -j EMPTY
      COMMIT
    `, { addr: false })];
    const outcomes = trace(world, { dst: '8.8.8.8' });
    expect(outcomes.flatMap((o) => o.assumptions).filter((a) => a.assumed.includes('172.16.0.9'))).toEqual([]);
    // The replay still shows the rule it passed, and why it did not matter.
    const trail = outcomes[0]?.trail ?? [];
    expect(trail.some((e) => e.kind === 'note' && e.text.includes('whether it matches or not, the packet goes on unchanged'))).toBe(true);
    expectSetsSumToOne(outcomes);
  });

  it('an undecidable match whose branches take different paths to the same end adds no assumption', () => {
    const world = [node(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A FORWARD -m set --match-set trusted src -j ACCEPT
      -A FORWARD -p tcp --dport 22 -j DROP
      COMMIT
    `)];
    expect(brief(trace(world, { dst: '8.8.8.8', dport: 80 }))).toEqual([['forward', 1, []]]);
    // On port 22 the answer matters: both outcomes, each with its assumption.
    expect(brief(trace(world, { dst: '8.8.8.8', dport: 22 }))).toEqual([
      ['forward', 1, ['assuming ipset trusted holds the packet\'s source 172.16.0.9 port 40000']],
      ['drop', 1, ['assuming ipset trusted does not hold the packet\'s source 172.16.0.9 port 40000']],
    ]);
  });

  it('a match whose branches differ yields both outcomes with the rule and its file:line', () => {
    const world = [node(`${FILTER_OPEN}
      -A FORWARD -m limit --limit 5/min -j REJECT
      COMMIT
    `)];
    const [rejected, forwarded, ...rest] = trace(world, { dst: '8.8.8.8' });
    expect(rest).toEqual([]);
    expect(rejected?.verdict).toBe('reject');
    expect(forwarded?.verdict).toBe('forward');
    expect(rejected?.assumptions).toEqual([{
      node: 'n1', about: '-m limit --limit 5/min is not modelled by the replay', assumed: 'assuming -m limit --limit 5/min matches this packet',
      rule: '-A FORWARD -m limit --limit 5/min -j REJECT', source: 'n1/iptables:6',
    }]);
    expect(forwarded?.assumptions.map((a) => a.assumed)).toEqual(['assuming -m limit --limit 5/min does not match this packet']);
  });

  it('nested forks: each outcome names every answer on its path, and only those', () => {
    const world = [node(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :CHECK - [0:0]
      -A FORWARD -m set --match-set blocked src -j DROP
      -A FORWARD -j CHECK
      -A CHECK -m set --match-set ports dst -j REJECT
      COMMIT
    `)];
    const src = 'the packet\'s source 172.16.0.9 port 40000';
    const dst = 'the packet\'s destination 8.8.8.8 port 80';
    expect(brief(trace(world, { dst: '8.8.8.8' }))).toEqual([
      ['drop', 1, [`assuming ipset blocked holds ${src}`]],
      ['reject', 1, [`assuming ipset blocked does not hold ${src}`, `assuming ipset ports holds ${dst}`]],
      ['forward', 1, [`assuming ipset blocked does not hold ${src}`, `assuming ipset ports does not hold ${dst}`]],
    ]);
  });

  it('the same fact met twice on one path is answered once', () => {
    const world = [node(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A FORWARD -m set --match-set blocked src -j LOG
      -A FORWARD -m set --match-set blocked src -j DROP
      COMMIT
    `)];
    expect(brief(trace(world, { dst: '8.8.8.8' })).map(([v, , a]) => [v, a.length])).toEqual([['drop', 1], ['forward', 1]]);
  });

  it('statistic branches inside a fork: each world\'s shares sum to 1', () => {
    const world = [node(`
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      :SVC - [0:0]
      -A PREROUTING -d 10.96.0.10/32 -m set --match-set allowed src -j SVC
      -A SVC -m statistic --mode random --probability 0.25 -j DNAT --to-destination 10.244.1.4:8080
      -A SVC -j DNAT --to-destination 10.244.1.5:8080
      COMMIT
    `)];
    const outcomes = trace(world, { dst: '10.96.0.10' });
    const yes = 'assuming ipset allowed holds the packet\'s source 172.16.0.9 port 40000';
    const no = 'assuming ipset allowed does not hold the packet\'s source 172.16.0.9 port 40000';
    expect(brief(outcomes)).toEqual([['forward', 0.25, [yes]], ['forward', 0.75, [yes]], ['forward', 1, [no]]]);
    expect(outcomes.map((o) => o.packet.dst)).toEqual(['10.244.1.4', '10.244.1.5', '10.96.0.10']);
    expectSetsSumToOne(outcomes);
  });

  it('a fork inside one statistic branch: the other branch belongs to every world', () => {
    const world = [node(`
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :MAYBE - [0:0]
      -A FORWARD -m statistic --mode random --probability 0.5 -j MAYBE
      -A FORWARD -j ACCEPT
      -A MAYBE -m set --match-set bad dst -j DROP
      COMMIT
    `)];
    const outcomes = trace(world, { dst: '8.8.8.8' });
    const yes = 'assuming ipset bad holds the packet\'s destination 8.8.8.8 port 80';
    const no = 'assuming ipset bad does not hold the packet\'s destination 8.8.8.8 port 80';
    expect(brief(outcomes)).toEqual([['drop', 0.5, [yes]], ['forward', 0.5, [yes]], ['forward', 0.5, [no]], ['forward', 0.5, [no]]]);
    expectSetsSumToOne(outcomes);    // Only the branch through MAYBE met the question; the other shares its world's assumption, off its path.
    const onPath = outcomes.map((o) => [o.verdict, o.assumptions[0]!.assumed === yes, o.assumptionsOnPath.length]).sort();
    expect(onPath).toEqual([['drop', true, 1], ['forward', false, 0], ['forward', false, 1], ['forward', true, 0]]);
  });

  it('questions that do not matter never count against the world cap', () => {
    // Eight statistic branches, each meeting its own ipset whose answer ends alike (ACCEPT, or the policy ACCEPT).
    const rules = Array.from({ length: 8 }, (_, i) => `-A FORWARD -m statistic --mode nth --every ${8 - i} --packet 0 -j C${i}`);
    const chains = Array.from({ length: 8 }, (_, i) => `:C${i} - [0:0]\n-A C${i} -m set --match-set s${i} src -j ACCEPT\n-A C${i} -j MARK --set-xmark 0x${i + 1}/0xff`);
    const world = [node(`${FILTER_OPEN}
      ${chains.map((c) => c.split('\n')[0]).join('\n')}
      ${rules.join('\n')}
      ${chains.map((c) => c.split('\n').slice(1).join('\n')).join('\n')}
      COMMIT
    `)];
    const outcomes = trace(world, { dst: '8.8.8.8' });
    expect(outcomes.every((o) => o.verdict === 'forward' && o.assumptions.length === 0)).toBe(true);
    expectSetsSumToOne(outcomes);
  });

  it('stops enumerating beyond the world cap with an explicit unknown share', () => {
    // Eight statistic branches, each meeting its own ipset: 2^8 worlds, more than the cap.
    const rules = Array.from({ length: 8 }, (_, i) => `-A FORWARD -m statistic --mode nth --every ${8 - i} --packet 0 -j C${i}`);
    const chains = Array.from({ length: 8 }, (_, i) => `:C${i} - [0:0]\n-A C${i} -m set --match-set s${i} src -j DROP\n-A C${i} -j ACCEPT`);
    const world = [node(`${FILTER_OPEN}
      ${chains.map((c) => c.split('\n')[0]).join('\n')}
      ${rules.join('\n')}
      ${chains.map((c) => c.split('\n').slice(1).join('\n')).join('\n')}
      COMMIT
    `)];
    const outcomes = trace(world, { dst: '8.8.8.8' });
    const capped = outcomes.filter((o) => o.verdict === 'unknown' && (o.reason ?? '').includes('combinations of unknowns'));
    expect(capped.length).toBeGreaterThan(0);
    expectSetsSumToOne(outcomes);
  });
});

describe('what was never captured is an explicit assumption', () => {
  it('a listing that lacks the filter table: FORWARD is taken as accepting, and the outcome says so', () => {
    const n = node(`
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      COMMIT
    `);
    if (n.ruleset) n.ruleset.origin = { format: 'iptables-list', interfacesShown: true, countersShown: true, partial: false };
    const [o, ...rest] = trace([n], { dst: '8.8.8.8' });
    expect(rest).toEqual([]);
    expect(o?.verdict).toBe('forward');
    expect(o?.assumptions).toContainEqual({
      node: 'n1', about: 'the filter table of n1 was not captured (iptables -t filter)',
      assumed: 'assuming n1\'s filter table holds no rules: every chain of it lets the packet pass', rule: null, source: null,
    });
  });

  it('a complete iptables-save without a filter table is taken at its word: no assumption', () => {
    const [o] = trace([node(`
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      COMMIT
    `)], { dst: '8.8.8.8' });
    expect(o?.assumptions).toEqual([]);
  });

  it('a node without any ruleset: netfilter taken as letting the packet through, said as an assumption', () => {
    const n = node(null);
    const [o] = trace([n], { dst: '8.8.8.8' });
    expect(o?.assumptions.map((a) => a.about)).toEqual(['no iptables ruleset of n1 was captured (iptables-save)']);
  });
});

describe('iptables -L without -n: names shown instead of addresses', () => {
  it('forks on whether the name stands for the packet\'s address', () => {
    const listing = [
      'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
      ' pkts bytes target     prot opt in     out     source               destination',
      '',
      'Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)',
      ' pkts bytes target     prot opt in     out     source               destination',
      '    0     0 DROP       all  --  any    any     anywhere             blocked.example.com',
      '',
      'Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)',
      ' pkts bytes target     prot opt in     out     source               destination',
    ].join('\n');
    const parsed = parseIptablesList({ file: 'n1/list.txt', text: listing, firstLine: 1 }, { partial: false });
    const n: NodeSnapshot = { ...node(null), ruleset: parsed.ruleset, rulesetSource: 'n1/list.txt' };
    const outcomes = trace([n], { dst: '8.8.8.8' });
    expect(outcomes.map((o) => [o.verdict, o.assumptions.filter((a) => a.rule !== null).map((a) => a.assumed)])).toEqual([
      ['drop', ['assuming blocked.example.com stands for 8.8.8.8']],
      ['forward', ['assuming blocked.example.com does not stand for 8.8.8.8']],
    ]);
    expect(outcomes[0]?.assumptions.find((a) => a.rule !== null)).toMatchObject({
      about: 'the listing shows the name blocked.example.com instead of an address (iptables -L without -n)', source: 'n1/list.txt:6',
    });
  });
});

describe('facts the captures imply', () => {
  it('an SNAT --to-source address is taken as local without a fork, with the rule as evidence', () => {
    const world = [node(`
      *nat
      :PREROUTING ACCEPT [0:0]
      :INPUT ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      :POSTROUTING ACCEPT [0:0]
      :KUBE-NODEPORTS - [0:0]
      -A PREROUTING -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
      -A POSTROUTING -s 10.244.0.0/16 -o eth0 -j SNAT --to-source 198.51.100.7
      -A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -j DNAT --to-destination 10.244.1.4:8080
      COMMIT
    `, { addr: false })];
    const evidence = {
      node: 'n1', about: 'whether 198.51.100.7 is an address of n1 (its addresses were not captured)',
      assumed: 'inferred: 198.51.100.7 is an address of n1, since POSTROUTING SNATs to it',
      rule: '-A POSTROUTING -s 10.244.0.0/16 -o eth0 -j SNAT --to-source 198.51.100.7', source: 'n1/iptables:8',
    };
    // The NodePort rule applies on the inferred address; only the endpoint's own locality is then open.
    const nodePort = trace(world, { dst: '198.51.100.7', dport: 30080 });
    expect(nodePort.map((o) => [o.verdict, o.packet.dst, o.assumptions.filter((a) => a.rule === null && a.about.startsWith('whether')).map((a) => a.assumed)])).toEqual([
      ['deliver', '10.244.1.4', ['assuming 10.244.1.4 is a local address of n1']],
      ['forward', '10.244.1.4', ['assuming 10.244.1.4 is not a local address of n1']],
    ]);
    for (const o of nodePort) expect(o.assumptions).toContainEqual(evidence);
    const [ssh, ...more] = trace(world, { dst: '198.51.100.7', dport: 22 });
    expect(more).toEqual([]);
    expect(ssh?.verdict).toBe('deliver');
    expect(ssh?.assumptions).toContainEqual(evidence);
  });
});

describe('iptables -L -n without -v: the interface columns are hidden', () => {
  // The truth (iptables-save) and the same state listed without -v.
  const SAVE = `
    *filter
    :INPUT ACCEPT [0:0]
    :FORWARD DROP [0:0]
    :OUTPUT ACCEPT [0:0]
    -A FORWARD -o eth1 -p tcp -m tcp --dport 25 -j DROP
    -A FORWARD -s 10.244.0.0/16 -i cbr0 -j ACCEPT
    -A FORWARD -j LOG
    COMMIT
  `;
  const LISTING = [
    'Chain INPUT (policy ACCEPT)',
    'target     prot opt source               destination',
    '',
    'Chain FORWARD (policy DROP)',
    'target     prot opt source               destination',
    'DROP       tcp  --  0.0.0.0/0            0.0.0.0/0            tcp dpt:25',
    'ACCEPT     all  --  10.244.0.0/16        0.0.0.0/0',
    'LOG        all  --  0.0.0.0/0            0.0.0.0/0            LOG flags 0 level 4',
    '',
    'Chain OUTPUT (policy ACCEPT)',
    'target     prot opt source               destination',
  ].join('\n');

  function listed(): NodeSnapshot {
    const parsed = parseIptablesList({ file: 'n1/list.txt', text: LISTING, firstLine: 1 }, { partial: false });
    return { ...node(null), ruleset: parsed.ruleset, rulesetSource: 'n1/list.txt' };
  }

  it('the save gives certainties; the listing gives assumptions exactly at the rule whose hidden interfaces matter', () => {
    const truth = trace([node(SAVE)], { src: '10.244.0.7', in: 'cbr0', dst: '8.8.8.8', dport: 80 });
    expect(brief(truth)).toEqual([['forward', 1, []]]);
    const outcomes = trace([listed()], { src: '10.244.0.7', in: 'cbr0', dst: '8.8.8.8', dport: 80 });
    // Rule 1 does not match port 80 whatever its interfaces; the LOG rule changes nothing; rule 2 decides.
    const atRules = (o: Outcome): string[] => o.assumptions.filter((a) => a.rule !== null).map((a) => a.assumed);
    expect(outcomes.flatMap((o) => o.assumptions.map((a) => a.rule)).filter((r) => r !== null)).toEqual(['-A FORWARD -s 10.244.0.0/16 -j ACCEPT', '-A FORWARD -s 10.244.0.0/16 -j ACCEPT']);
    expect(outcomes.map((o) => [o.verdict, o.probability, atRules(o)])).toEqual([
      ['forward', 1, ['assuming the rule\'s hidden interfaces admit a packet in cbr0, out eth0']],
      ['drop', 1, ['assuming the rule is limited to other interfaces than those of a packet in cbr0, out eth0']],
    ]);
    // The listing shows the filter table only: the others are premises, stated on every outcome.
    for (const o of outcomes) expect(o.assumptions.filter((a) => a.rule === null).map((a) => a.about)).toContain('the nat table of n1 was not captured (iptables -t nat)');
    expect(outcomes[0]?.assumptions[0]?.source).toBe('n1/list.txt:7');
    // The truth is one of the listing's worlds.
    expect(outcomes.some((o) => o.verdict === truth[0]?.verdict)).toBe(true);
  });
});

describe('--local without a source, and --in an interface the node does not have', () => {
  const world = [node(FILTER_OPEN + 'COMMIT\n')];

  it('picks the route\'s src, else the primary address of the egress interface', () => {
    const viaSrc = tracePacket(world, { node: 'n1', proto: 'udp', dst: '172.16.0.77', dport: 53, local: true, follow: false });
    expect(viaSrc.input.src).toBe('172.16.0.5');
    expect(viaSrc.outcomes[0]?.packet.src).toBe('172.16.0.5');
    const viaIface = tracePacket(world, { node: 'n1', proto: 'udp', dst: '8.8.8.8', dport: 53, local: true, follow: false });
    expect(viaIface.input.src).toBe('10.0.0.5');
    expect(viaIface.outcomes[0]?.trail.some((e) => e.kind === 'note' && e.text.includes('primary address of eth0'))).toBe(true);
  });

  it('refuses, as a usage error saying why, when no source can be chosen from the captures', () => {
    const bare: NodeSnapshot = { ...world[0] as NodeSnapshot, interfaces: null };
    expect(() => tracePacket([bare], { node: 'n1', proto: 'udp', dst: '8.8.8.8', local: true, follow: false }))
      .toThrow(expect.objectContaining({ usage: true, message: expect.stringContaining('no src and the captures show no address on eth0') }));
  });

  it('refuses an arriving interface that the full address capture does not list, naming those it has', () => {
    expect(() => trace(world, { dst: '8.8.8.8', in: 'eth9' }))
      .toThrow(expect.objectContaining({ usage: true, message: 'n1 has no interface eth9: its captured interfaces are lo, eth0, eth1, cbr0' }));
  });

  it('assumes the interface exists where the interfaces were captured only in part', () => {
    const partial: NodeSnapshot = { ...world[0] as NodeSnapshot, interfacesComplete: false };
    const [o] = trace([partial], { dst: '8.8.8.8', in: 'eth9' });
    expect(o?.verdict).toBe('forward');
    expect(o?.assumptions).toEqual([{
      node: 'n1', about: 'the interfaces of n1 were captured only in part, and eth9 is not among them',
      assumed: 'assuming eth9 is an interface of n1, not a bridge port, with no address that matters here', rule: null, source: null,
    }]);
  });
});
