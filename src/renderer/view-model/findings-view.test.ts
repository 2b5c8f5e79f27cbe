import { describe, expect, it } from 'vitest';
import type { FindingJson } from '../../shared/contract/finding-json';
import { checkedScope, evidenceFile, findingCards, uncheckedNote, findingsHeadline, findingsMoreNote, shownFinding, traceCommand, withFindingPage } from './findings-view';
import { parseRoute } from './route';

const NO_ENDPOINTS: FindingJson = {
  id: 'service-without-endpoints:default/gone:http',
  severity: 'error',
  kind: 'service-without-endpoints',
  title: 'default/gone:http has no endpoints: connections to it are rejected',
  explanation: 'kube-proxy REJECTs. Fix: make the selector match ready pods.',
  nodes: ['nodea', 'nodeb'],
  service: 'default/gone:http',
  flows: [6],
  evidence: [{ source: 'nodea/iptables-save.txt:41', text: '-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/gone:http has no endpoints" -j REJECT' }],
  trace: { node: 'nodea', proto: 'tcp', src: '10.40.1.3:40002', dst: '10.96.0.20:80', in: 'cbr0' },
};
const MARK: FindingJson = {
  id: 'mark-bits:0x4000', severity: 'warning', kind: 'mark-bits', title: '0x4000 has two owners', explanation: 'x', nodes: ['nodea'], service: null, flows: [],
  evidence: [], trace: { node: 'nodea', proto: 'udp', src: '', dst: '10.0.0.1', local: true },
};

describe('findings view', () => {
  it('links each flow and the node, and turns the trace into a Replay link the Trace tab reads back', () => {
    const [card] = findingCards([NO_ENDPOINTS]);
    expect(card).toMatchObject({ badge: 'Error', service: 'default/gone:http', flows: [{ id: 6, href: '#/flows/6' }] });
    expect(card!.nodes[1]).toEqual({ name: 'nodeb', href: '#/nodes/nodeb' });
    expect(card!.replay?.href).toBe('#/trace?node=nodea&proto=tcp&src=10.40.1.3:40002&dst=10.96.0.20:80&in=cbr0&follow=1');
    expect(parseRoute(card!.replay!.href)).toMatchObject({ problem: null, route: { tab: 'trace', trace: { node: 'nodea', arrival: { kind: 'in', iface: 'cbr0' }, follow: true } } });
    expect(card!.replay?.command).toBe('natlens trace --node nodea --proto tcp --src 10.40.1.3:40002 --dst 10.96.0.20:80 --in cbr0 --follow');
  });

  it("links each piece of evidence to the Captures tab narrowed to the file it cites", () => {
    const [card] = findingCards([NO_ENDPOINTS]);
    expect(card!.evidence[0]!.href).toBe('#/captures?filter=nodea%2Fiptables-save.txt');
    expect(parseRoute(card!.evidence[0]!.href)).toEqual({ problem: null, route: { tab: 'captures', filter: 'nodea/iptables-save.txt' } });
    expect(evidenceFile('node.tgz!/nodea/conntrack.txt:7')).toBe('node.tgz!/nodea/conntrack.txt');
    expect(evidenceFile('nodea/eth0.pcap')).toBe('nodea/eth0.pcap');
    expect(evidenceFile('nodea/cbr0.pcap#4')).toBe('nodea/cbr0.pcap');
  });

  it('replays a local trace with --local and quotes what a shell would split', () => {
    expect(traceCommand({ node: 'node a', proto: 'udp', src: '10.0.0.2', dst: '10.0.0.1:53', local: true })).toBe("natlens trace --node 'node a' --proto udp --src 10.0.0.2 --dst 10.0.0.1:53 --local --follow");
    expect(findingCards([MARK])[0]!.replay?.href).toBe('#/trace?node=nodea&proto=udp&dst=10.0.0.1&local=1&follow=1');
  });

  it('counts the flows a summary finding does not list', () => {
    expect(findingCards([NO_ENDPOINTS])[0]!.moreFlows).toBe(0);
    expect(findingCards([{ ...NO_ENDPOINTS, flows: [6, 7], flowCount: 250 }])[0]!.moreFlows).toBe(248);
  });

  it('lists the most severe first and counts them by severity', () => {
    expect(findingCards([MARK, NO_ENDPOINTS]).map((c) => c.severity)).toEqual(['error', 'warning']);
    expect(findingsHeadline(3, { error: 1, warning: 2, info: 0 })).toBe('3 findings: 1 error, 2 warnings');
    expect(findingsHeadline(0, { error: 0, warning: 0, info: 0 })).toBe('No findings');
    expect(checkedScope(1, 1)).toBe('1 node and 1 capture');
    expect(checkedScope(2, 27)).toBe('2 nodes and 27 captures');
  });
});

describe('what the checks could not look at', () => {
  it('says nothing when the captures hold rules and traffic', () => {
    expect(uncheckedNote(['ip-route', 'iptables-save', 'pcap'])).toBeNull();
    expect(uncheckedNote(['iptables-list', 'conntrack'])).toBeNull();
    expect(uncheckedNote(['iptables-save', 'kernel-trace'])).toBeNull();
    // A probe's output shows a connection failing: with the rules, there is something to check.
    expect(uncheckedNote(['iptables-save', 'probe'])).toBeNull();
  });
  it('names what is missing, and what to import, for routes alone, rules alone or traffic alone', () => {
    expect(uncheckedNote(['ip-route'])).toBe(
      'The captures hold no iptables rules, so no drop, hairpin, stale endpoint or mark bit could be found; no packets or conntrack entries, so no connection could be seen failing. Import iptables-save and a tcpdump or conntrack -L of the nodes to check them.',
    );
    expect(uncheckedNote(['iptables-save', 'ip-addr'])).toBe('The captures hold no packets or conntrack entries, so no connection could be seen failing. Import a tcpdump or conntrack -L of the nodes to check them.');
    expect(uncheckedNote(['tcpdump-text', 'kubectl'])).toBe('The captures hold no iptables rules, so no drop, hairpin, stale endpoint or mark bit could be found. Import iptables-save of the nodes to check them.');
  });
});

describe('the findings read a page at a time', () => {
  const page = (findings: FindingJson[], offset: number, total: number, nextOffset: number | null) => ({
    findings, page: { offset, limit: 2, total, nextOffset }, severities: { error: 1, warning: 2, info: 0 },
  });

  it('adds each next page to the list, says how many are shown, and stops when none is left', () => {
    let loaded = withFindingPage(null, page([NO_ENDPOINTS, MARK], 0, 3, 2));
    expect(findingsMoreNote(loaded)).toBe('Showing 2 of 3 findings');
    loaded = withFindingPage(loaded, page([MARK], 2, 3, null));
    expect(loaded.findings).toEqual([NO_ENDPOINTS, MARK, MARK]);
    expect(loaded.nextOffset).toBeNull();
    expect(findingsMoreNote(loaded)).toBeNull();
  });

  it('starts over with a first page, and with a page that does not follow the list (the findings changed)', () => {
    const loaded = withFindingPage(null, page([NO_ENDPOINTS, MARK], 0, 3, 2));
    expect(withFindingPage(loaded, page([MARK], 0, 1, null)).findings).toEqual([MARK]);
    expect(withFindingPage(loaded, page([MARK], 4, 5, null)).findings).toEqual([MARK]);
  });
});

describe('a linked finding (#/findings/ID)', () => {
  const cards = findingCards([MARK, NO_ENDPOINTS]);
  const first = cards[0];

  it('shows the most severe when the link names none', () => {
    expect(shownFinding(cards, null, 100)).toEqual({ kind: 'first', card: first });
    expect(shownFinding([], null, null)).toEqual({ kind: 'first', card: null });
  });

  it('shows the named finding once read', () => {
    expect(shownFinding(cards, MARK.id, null)).toEqual({ kind: 'named', card: cards.find((c) => c.key === MARK.id) });
  });

  it('reads on while later pages may hold it, and says so when none does', () => {
    expect(shownFinding(cards, 'packet-dropped:gone', 100)).toEqual({ kind: 'seek', card: first });
    expect(shownFinding(cards, 'packet-dropped:gone', null)).toEqual({ kind: 'missing', id: 'packet-dropped:gone', card: first });
  });
});
