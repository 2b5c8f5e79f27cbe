/**
 * What each lab host saw, captured the way an engineer would on a real node (`ip addr`,
 * `ip route`, `iptables-save -c`, `conntrack -L`) and read back through natlens's own parsers
 * into the NodeSnapshot the simulator replays.
 */
import { parseConntrack } from '../../src/core/capture/conntrack/conntrack';
import { parseIpAddr } from '../../src/core/capture/iproute/ip-addr';
import { parseIpRoute } from '../../src/core/capture/iproute/ip-route';
import { parseIptablesSave } from '../../src/core/capture/iptables/iptables-save';
import type { ConntrackEntry } from '../../src/core/records/records';
import type { Ruleset } from '../../src/core/netfilter/ruleset';
import type { NodeSnapshot } from '../../src/core/simulate/node-snapshot';
import type { Lab } from './netns';

export interface NodeCapture {
  role: string;
  texts: { addr: string; route: string; iptables: string; conntrack: string };
  snapshot: NodeSnapshot;
  /** The ruleset with `-c` counters (the same object as snapshot.ruleset); null where no rules were loaded. */
  ruleset: Ruleset | null;
  conntrack: ConntrackEntry[];
}

type Section = keyof NodeCapture['texts'];
const MARK = '@@nlkt-capture';

function commands(ns: string, netfilter: boolean): Array<[Section, string]> {
  const list: Array<[Section, string]> = [['addr', `ip -n ${ns} addr`], ['route', `ip -n ${ns} route`]];
  if (netfilter) {
    list.push(['iptables', `ip netns exec ${ns} iptables-save -c`]);
    // conntrack prints its summary on stderr and fails on an empty table in some versions.
    list.push(['conntrack', `ip netns exec ${ns} conntrack -L 2>/dev/null || true`]);
  }
  return list;
}

function parse(lab: Lab, role: string, texts: NodeCapture['texts']): NodeCapture {
  const file = (kind: string): string => `${lab.ns(role)}/${kind}`;
  // A namespace nobody loaded rules into has no tables: "not captured" is the honest reading.
  const ruleset = /^\*/m.test(texts.iptables)
    ? parseIptablesSave({ file: file('iptables-save'), text: texts.iptables, firstLine: 1 }).ruleset
    : null;
  const conntrack = texts.conntrack.trim() === '' ? [] : parseConntrack({ file: file('conntrack'), text: texts.conntrack, firstLine: 1 }).entries;
  return {
    role,
    texts,
    ruleset,
    conntrack,
    snapshot: {
      name: role,
      ruleset,
      interfaces: parseIpAddr({ file: file('ip-addr'), text: texts.addr, firstLine: 1 }).interfaces,
      routes: parseIpRoute({ file: file('ip-route'), text: texts.route, firstLine: 1 }).routes,
    },
  };
}

/** Capture every role in one script; netfilter state (iptables-save -c, conntrack -L) only for `netfilterRoles`. */
export function captureAll(lab: Lab, roles: string[], netfilterRoles: string[]): Map<string, NodeCapture> {
  const lines: string[] = [];
  for (const role of roles) {
    for (const [section, command] of commands(lab.ns(role), netfilterRoles.includes(role))) {
      lines.push(`echo '${MARK} ${role} ${section}'`, command);
    }
  }
  const texts = new Map<string, NodeCapture['texts']>(roles.map((r) => [r, { addr: '', route: '', iptables: '', conntrack: '' }]));
  for (const part of lab.script(lines).split(`${MARK} `).slice(1)) {
    const nl = part.indexOf('\n');
    const [role, section] = part.slice(0, nl).split(' ') as [string, Section];
    const t = texts.get(role);
    if (t === undefined || !(section in t)) throw new Error(`unexpected capture section ${part.slice(0, nl)}`);
    t[section] = part.slice(nl + 1);
  }
  return new Map(roles.map((role) => [role, parse(lab, role, texts.get(role) ?? { addr: '', route: '', iptables: '', conntrack: '' })]));
}
