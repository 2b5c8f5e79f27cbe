/**
 * Kernel truth for hidden columns: one namespace holds rules limited to interfaces; the kernel's
 * own `iptables-save`, `iptables -L -n -v` and `iptables -L -n` (which hides the in/out columns)
 * of that state are read back through natlens's parsers. The save and the -v listing replay alike
 * with no assumption about any rule; the -n listing replays with assumptions exactly at the rules
 * whose hidden interfaces decide the outcome, and its world whose assumptions are true is the
 * save's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIpAddr } from '../../src/core/capture/iproute/ip-addr';
import { parseIpRoute } from '../../src/core/capture/iproute/ip-route';
import { parseIptablesList } from '../../src/core/capture/iptables/iptables-list';
import { parseIptablesSave } from '../../src/core/capture/iptables/iptables-save';
import type { Ruleset, Table } from '../../src/core/netfilter/ruleset';
import type { NodeSnapshot } from '../../src/core/simulate/node-snapshot';
import { tracePacket } from '../../src/core/simulate/trace-packet';
import type { Outcome, TraceRequest } from '../../src/core/simulate/trace';
import { kernelLabUnavailable, Lab } from './netns';

const unavailable = kernelLabUnavailable();

const RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.0.9:80
-A POSTROUTING -s 10.244.0.0/16 -o eth0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -i cbr0 -o eth0 -p tcp -m tcp --dport 25 -j REJECT --reject-with icmp-port-unreachable
-A FORWARD -s 10.244.0.0/16 -i cbr0 -j ACCEPT
-A FORWARD -o cbr0 -m conntrack --ctstate NEW -j ACCEPT
-A FORWARD -p udp -j LOG
COMMIT
`;

interface Case {
  name: string;
  request: Omit<TraceRequest, 'node' | 'follow'>;
  /** `table chain position` of each rule whose hidden interfaces decide the outcome, with whether they truly admit this packet. */
  hidden: Record<string, boolean>;
}

const CASES: Case[] = [
  {
    name: 'a pod to the internet: accepted by the cbr0 rule, masqueraded out eth0',
    request: { proto: 'tcp', src: '10.244.0.7', dst: '8.8.8.8', dport: 443, in: 'cbr0' },
    // Where rule 2 is taken as limited to other interfaces, rule 3 (-o cbr0, hidden) decides.
    hidden: { 'filter FORWARD 2': true, 'filter FORWARD 3': false, 'nat POSTROUTING 1': true },
  },
  {
    name: 'a pod to port 25 out eth0: the REJECT rule limited to cbr0 → eth0 decides',
    request: { proto: 'tcp', src: '10.244.0.7', dst: '8.8.8.8', dport: 25, in: 'cbr0' },
    hidden: { 'filter FORWARD 1': true, 'filter FORWARD 2': true, 'filter FORWARD 3': false, 'nat POSTROUTING 1': true },
  },
  {
    name: 'an outside client to the node port on eth0: DNAT (-i eth0) to the pod, accepted by -o cbr0',
    request: { proto: 'tcp', src: '203.0.113.5', dst: '192.168.56.11', dport: 8080, in: 'eth0' },
    hidden: { 'nat PREROUTING 1': true, 'filter FORWARD 3': true },
  },
  {
    name: 'the same port arriving on cbr0: the DNAT is limited to eth0 and does not apply',
    request: { proto: 'tcp', src: '10.244.0.7', dst: '192.168.56.11', dport: 8080, in: 'cbr0' },
    // In the world where the DNAT is taken to apply, the forwarded packet meets the cbr0 rules and the masquerade.
    hidden: { 'nat PREROUTING 1': false, 'filter FORWARD 2': true, 'filter FORWARD 3': true, 'nat POSTROUTING 1': false },
  },
];

/** `filter FORWARD 2` from an assumption about a rule's hidden interface columns. */
function ruleOf(about: string): string | null {
  const m = /^(\w+) (\S+) rule (\d+) \(.* comes from a listing without interface columns/.exec(about);
  return m === null ? null : `${m[1]} ${m[2]} ${m[3]}`;
}

function ends(outcomes: Outcome[]): string[] {
  return outcomes.map((o) => `${o.verdict} ${JSON.stringify(o.packet)} ${JSON.stringify(o.egress)} ${o.probability}`).sort();
}

describe.skipIf(unavailable !== null)('kernel truth: iptables -L -n hides interfaces; the replay assumes exactly where they matter', () => {
  const lab = new Lab();
  let save: NodeSnapshot;
  let listing: NodeSnapshot;
  let verbose: NodeSnapshot;

  beforeAll(() => {
    lab.addNamespaces(['node']);
    lab.ip('node', [
      'link add eth0 type veth peer name eth0p', 'link add cbr0 type veth peer name cbr0p',
      'addr add 192.168.56.11/24 dev eth0', 'addr add 10.244.0.1/24 dev cbr0',
      'link set lo up', 'link set eth0p up', 'link set cbr0p up', 'link set eth0 up', 'link set cbr0 up',
      'route add default via 192.168.56.1 dev eth0',
    ]);
    lab.sh('node', 'iptables-restore', RULES);
    const out = (argv: string[]): string => {
      const r = lab.exec('node', argv);
      if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const base = {
      interfaces: parseIpAddr({ file: 'node/ip-addr', text: out(['ip', 'addr']), firstLine: 1 }).interfaces,
      routes: parseIpRoute({ file: 'node/ip-route', text: out(['ip', 'route']), firstLine: 1 }).routes,
    };
    const saved = parseIptablesSave({ file: 'node/iptables-save', text: out(['iptables-save']), firstLine: 1 }).ruleset;
    save = { name: 'node', ruleset: saved, ...base, rulesetSource: 'node/iptables-save' };
    // `iptables -L -n` per table, as engineers paste it: the filter table, then `-t nat`.
    const listed = (flags: string[]): Ruleset => {
      const tables: Table[] = [];
      let origin: Ruleset['origin'] | null = null;
      for (const table of ['filter', 'nat'] as const) {
        const text = out(['iptables', '-t', table, '-L', ...flags]);
        const parsed = parseIptablesList({ file: `node/list-${table}`, text, firstLine: 1 }, { partial: false, table }).ruleset;
        tables.push(...parsed.tables);
        origin = parsed.origin;
      }
      return { family: 'ipv4', origin: origin as Ruleset['origin'], tables };
    };
    listing = { name: 'node', ruleset: listed(['-n']), ...base, rulesetSource: null };
    expect(listing.ruleset?.origin.interfacesShown).toBe(false);
    verbose = { name: 'node', ruleset: listed(['-n', '-v']), ...base, rulesetSource: null };
    expect(verbose.ruleset?.origin.interfacesShown).toBe(true);
  });
  afterAll(() => lab.dispose());

  for (const c of CASES) {
    describe(c.name, () => {
      const run = (n: NodeSnapshot): Outcome[] => tracePacket([n], { node: 'node', follow: false, ...c.request }).outcomes;

      it('the save replays with no assumption at all', () => {
        for (const o of run(save)) expect(o.assumptions).toEqual([]);
      });

      it('the -L -n -v listing, which shows the interfaces, replays as the save does, assuming nothing about rules', () => {
        const outcomes = run(verbose);
        expect(ends(outcomes)).toEqual(ends(run(save)));
        // Only the tables it did not list (raw, mangle, security) are premises.
        for (const o of outcomes) expect(o.assumptions.filter((a) => a.rule !== null)).toEqual([]);
      });

      it('the listing assumes exactly at the rules whose hidden interfaces matter', () => {
        const outcomes = run(listing);
        const at = new Set(outcomes.flatMap((o) => o.assumptions.map((a) => ruleOf(a.about)).filter((r) => r !== null)));
        expect([...at].sort()).toEqual(Object.keys(c.hidden).sort());
        // Every one of them is, in the kernel's own dump, limited to an interface; the LOG rule, which is not, never is.
        for (const rule of at) {
          const [table, chain, position] = (rule ?? '').split(' ');
          const saved = save.ruleset?.tables.find((t) => t.name === table)?.chains.find((ch) => ch.name === chain)?.rules[Number(position) - 1];
          expect(saved?.matches.some((m) => m.kind === 'in-interface' || m.kind === 'out-interface'), rule ?? '').toBe(true);
        }
        // Raw and mangle were not listed: said, never silently taken as empty.
        for (const o of outcomes) expect(o.assumptions.some((a) => a.about === 'the raw table of node was not captured (iptables -t raw)')).toBe(c.request.in !== undefined);
      });

      it("the listing's world whose assumptions hold in the kernel ends as the save does", () => {
        const outcomes = run(listing);
        const truthful = outcomes.filter((o) => o.assumptions.every((a) => {
          const rule = ruleOf(a.about);
          if (rule === null) return true;
          return a.assumed.startsWith("assuming the rule's hidden interfaces admit") === c.hidden[rule];
        }));
        expect(truthful.length).toBeGreaterThan(0);
        expect(ends(truthful)).toEqual(ends(run(save)));
      });
    });
  }
});
