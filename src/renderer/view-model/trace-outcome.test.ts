import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importPaths } from '../../core/import/import-paths';
import { traceProject } from '../../core/project/project-trace';
import type { OutcomeJson, TraceResultJson } from '../../shared/contract/trace-json';
import { formatShare, outcomeCard, outcomeCards, outcomesHeadline, packetLine, verdictTone } from './trace-outcome';
import { tempProject } from '../../../test/support/temp-project';

describe('trace outcome cards of the lab ClusterIP trace', () => {
  let result: TraceResultJson;
  beforeAll(() => {
    const project = tempProject('outcome');
    try {
      const store = project.store();
      importPaths(store, [path.resolve(process.cwd(), 'test/fixtures/lab/nodes')]);
      result = traceProject(store, { node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false, follow: true }, { snapshot: null });
    } finally {
      project.cleanup();
    }
  });

  it('shows two forwarded halves naming the service and its endpoint', () => {
    const cards = outcomeCards(result);
    expect(cards.map((c) => [c.share, c.verdictLabel, c.tone])).toEqual([
      ['50%', 'Forwarded', 'ok'],
      ['50%', 'Forwarded', 'ok'],
    ]);
    expect(cards.map((c) => c.service).sort()).toEqual(['default/hello:http → 10.40.1.2:8080 (cluster-ip)', 'default/hello:http → 10.40.2.2:8080 (cluster-ip)']);
    expect(outcomesHeadline(cards)).toBe('2 outcomes: 2 forwarded');
  });

  it('marks the fields the first hop rewrote: masqueraded source, DNATed destination and port', () => {
    const local = outcomeCards(result).find((c) => c.service?.includes('10.40.1.2'));
    const hop = local?.hops[0];
    expect(hop).toMatchObject({ node: 'nodea', path: 'cbr0 → cbr0', rewritten: true });
    expect(hop?.before.text).toBe('tcp 10.40.1.3:40001 → 10.96.0.10:80');
    expect(hop?.after.fields.filter((f) => f.changed).map((f) => `${f.name}=${f.text}`)).toEqual(['src=10.40.1.1', 'dst=10.40.1.2', 'dport=8080']);
  });

  it('lists the rule-by-rule steps with the rule text as captured and the NAT rewrites', () => {
    const card = outcomeCards(result)[0]!;
    expect(card.steps[0]).toMatchObject({ node: 'nodea', where: 'nat/PREROUTING', text: '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES', policy: false });
    const dnat = card.steps.find((s) => s.target === 'DNAT');
    expect(dnat?.nat?.kind).toBe('DNAT');
    expect(dnat?.nat?.after.fields.filter((f) => f.changed).map((f) => f.name)).toEqual(['dst', 'dport']);
    expect(card.steps.find((s) => s.note?.includes('statistic'))).toBeDefined();
  });
});

describe('trace outcome formatting', () => {
  const packet = { proto: 'udp', src: '10.0.0.1', sport: 5000, dst: '10.0.0.2', dport: 53 };
  const unknown: OutcomeJson = {
    probability: 1 / 3, verdict: 'unknown', packet, egress: null, marks: { n1: '0x0' }, hops: [{ node: 'n1', in: 'eth0', out: null, before: packet, after: packet }],
    steps: [{ node: 'n1', table: 'filter', chain: 'INPUT', rule: null, target: 'ACCEPT', policy: true, kind: 'policy', line: 3, nat: null, comment: null, note: null }],
    reason: 'n1 has no routes captured', summary: 'unknown: no routes on n1', service: null, caveats: ['the nat table was not captured'], assumptions: [], assumptionsOnPath: [], trail: [],
  };

  it('marks an unknown outcome as uncertain with its reason and caveats', () => {
    const card = outcomeCard(unknown, 0);
    expect(card).toMatchObject({ share: '33.3%', verdictLabel: 'Unknown', tone: 'unknown', uncertain: true, reason: 'n1 has no routes captured', caveats: ['the nat table was not captured'], marks: null });
    expect(card.steps[0]).toMatchObject({ text: 'policy ACCEPT', policy: true, where: 'filter/INPUT' });
    expect(card.hops[0]).toMatchObject({ path: 'eth0 → (unknown)', rewritten: false });
  });

  it('formats shares, tones and packets', () => {
    expect([1, 0.5, 0.25, 1 / 3, 0.0004, 0].map(formatShare)).toEqual(['100%', '50%', '25%', '33.3%', '<0.1%', '0%']);
    expect(['deliver', 'forward', 'drop', 'reject', 'unknown'].map((v) => verdictTone(v as OutcomeJson['verdict']))).toEqual(['ok', 'ok', 'bad', 'bad', 'unknown']);
    expect(packetLine({ proto: 'icmp', src: 'fd00::1', sport: null, dst: 'fd00::2', dport: null }).text).toBe('icmp fd00::1 → fd00::2');
    expect(packetLine({ ...packet, sport: 80 }, packet).fields.find((f) => f.name === 'sport')).toEqual({ name: 'sport', text: '80', changed: true });
  });

  it('orders cards by share, keeping the replay order for ties, and counts verdicts', () => {
    const drop = { ...unknown, probability: 2 / 3, verdict: 'drop' as const, caveats: [] };
    const cards = outcomeCards({ input: { node: 'n1', proto: 'udp', src: '10.0.0.1', sport: 5000, dst: '10.0.0.2', dport: 53, in: 'eth0', local: false }, outcomes: [unknown, drop] });
    expect(cards.map((c) => c.verdict)).toEqual(['drop', 'unknown']);
    expect(outcomesHeadline(cards)).toBe('2 outcomes: 1 dropped, 1 unknown');
  });

  it('keeps outcomes resting on the same assumptions together, and shows what each assumed', () => {
    const assume = (assumed: string) => ({ node: 'n1', about: 'the members of ipset blocked were not captured (ipset list)', assumed, rule: '-A FORWARD -m set --match-set blocked src -j DROP', source: 'n1.txt:9' });
    const held = assume('assuming ipset blocked holds the packet\'s source 10.0.0.1 port 5000');
    const notHeld = assume('assuming ipset blocked does not hold the packet\'s source 10.0.0.1 port 5000');
    const outcomes: OutcomeJson[] = [
      { ...unknown, probability: 0.25, verdict: 'forward', caveats: [], assumptions: [notHeld] },
      { ...unknown, probability: 1, verdict: 'drop', caveats: [], assumptions: [held] },
      { ...unknown, probability: 0.75, verdict: 'forward', caveats: [], assumptions: [notHeld] },
    ];
    const cards = outcomeCards({ input: { node: 'n1', proto: 'udp', src: '10.0.0.1', sport: 5000, dst: '10.0.0.2', dport: 53, in: 'eth0', local: false }, outcomes });
    expect(cards.map((c) => [c.share, c.verdict, c.assumptions.map((a) => a.assumed)])).toEqual([
      ['75%', 'forward', [notHeld.assumed]],
      ['25%', 'forward', [notHeld.assumed]],
      ['100%', 'drop', [held.assumed]],
    ]);
    expect(cards[2]).toMatchObject({ uncertain: true, assumptions: [{ about: held.about, rule: held.rule, source: 'n1.txt:9' }] });
    expect(outcomesHeadline(cards)).toBe('3 outcomes: 2 forwarded, 1 dropped · 2 sets of assumptions, each summing to 100%');
  });

  it('puts first what an outcome\'s own path assumed, and apart what its set shares with the other outcomes', () => {
    const assume = (address: string) => ({ node: 'n1', about: `whether ${address} is an address of n1`, assumed: `assuming ${address} is a local address of n1`, rule: null, source: null });
    const a = assume('10.244.0.24');
    const b = assume('10.244.0.25');
    const outcomes: OutcomeJson[] = [
      { ...unknown, probability: 0.5, verdict: 'deliver', caveats: [], assumptions: [a, b], assumptionsOnPath: [0] },
      { ...unknown, probability: 0.5, verdict: 'deliver', caveats: [], assumptions: [a, b], assumptionsOnPath: [1] },
    ];
    const input = { node: 'n1', proto: 'udp', src: '10.0.0.1', sport: 5000, dst: '10.96.0.10', dport: 53, in: 'eth0', local: false };
    const cards = outcomeCards({ input, outcomes });
    expect(cards.map((c) => [c.assumptionsOnPath.map((r) => r.assumed), c.assumptionsOfSet.map((r) => r.assumed)])).toEqual([
      [[a.assumed], [b.assumed]],
      [[b.assumed], [a.assumed]],
    ]);
    // An answer without the field (an older server): every assumption is the outcome's own.
    const { assumptionsOnPath: _, ...older } = outcomes[0]!;
    const [old] = outcomeCards({ input, outcomes: [older as OutcomeJson] });
    expect(old!.assumptionsOnPath).toHaveLength(2);
    expect(old!.assumptionsOfSet).toEqual([]);
  });
});
