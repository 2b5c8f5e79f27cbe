/** Builders of capture records for the composition tests: small, complete, with every field set. */
import type { CaptureScope } from '../capture/capture-scope';
import type { StateChangeNote } from '../capture/capture-unit';
import type { BridgePortRecord, CaptureKind, InterfaceRecord, RouteRecord } from '../records/records';
import { renderRule } from '../netfilter/rule-text';
import type { Chain, Match, Rule, Ruleset, TableName, Target } from '../netfilter/ruleset';
import type { ComposeCapture } from './compose-state';

type ScopeOf<K extends CaptureScope['of']> = Extract<CaptureScope, { of: K }>;

export function iface(name: string, cidrs: string[], extra: Partial<InterfaceRecord> = {}): InterfaceRecord {
  return {
    name, index: null, peer: null, linkNetns: null, flags: ['UP'], mtu: 1500, state: 'UP', master: null, linkType: 'ether', mac: null, line: 1,
    addresses: cidrs.map((cidr) => ({
      family: cidr.includes(':') ? 'ipv6' : 'ipv4', cidr, peer: null, broadcast: null, scope: 'global', label: null, secondary: false, line: 1,
    })),
    ...extra,
  };
}

export function route(dst: string, extra: Partial<RouteRecord> = {}): RouteRecord {
  return {
    type: 'unicast', dst, family: 'ipv4', via: null, dev: 'eth0', src: null, metric: null, table: 'main', scope: null, proto: null, flags: [],
    line: 1, ...extra,
  };
}

export function rule(chain: string, matches: Match[], target: Target | null, position = 1): Rule {
  return { position, text: renderRule(chain, matches, target), line: 1, counters: null, matches, target };
}

export function chain(name: string, rules: Rule[], policy: 'ACCEPT' | 'DROP' | null = null): Chain {
  return { name, builtin: policy !== null, policy, counters: null, line: 1, rules: rules.map((r, i) => ({ ...r, position: i + 1 })) };
}

export function ruleset(
  tables: Array<{ name: TableName; chains: Chain[] }>,
  origin: Partial<Ruleset['origin']> = {},
): Ruleset {
  return {
    family: 'ipv4',
    origin: { format: 'iptables-save', interfacesShown: true, countersShown: false, partial: false, ...origin },
    tables: tables.map((t) => ({ name: t.name, line: 1, chains: t.chains })),
  };
}

let nextId = 1;

function meta(kind: CaptureKind, changedBy: StateChangeNote[]) {
  const id = nextId++;
  return { id, kind, sourceFile: `f${id}.txt`, source: `f${id}.txt:1`, changedBy };
}

export function addrCapture(interfaces: InterfaceRecord[], scope: Partial<ScopeOf<'interfaces'>> = {}, changedBy: StateChangeNote[] = []): ComposeCapture {
  return {
    ...meta('ip-addr', changedBy), part: 'interfaces', interfaces,
    scope: { of: 'interfaces', interfaces: 'all', addresses: 'all', filtered: false, ...scope },
  };
}

export function routeCapture(kind: 'ip-route' | 'route-table', routes: RouteRecord[], scope: Partial<ScopeOf<'routes'>> = {}, changedBy: StateChangeNote[] = []): ComposeCapture {
  return {
    ...meta(kind, changedBy), part: 'routes', routes,
    scope: { of: 'routes', family: 'ipv4', routes: { kind: 'table', table: 'main' }, filtered: false, ...scope },
  };
}

export function rulesCapture(rs: Ruleset, scope: Partial<ScopeOf<'ruleset'>> = {}, changedBy: StateChangeNote[] = []): ComposeCapture {
  return {
    ...meta(rs.origin.format === 'nft' ? 'nft-ruleset' : rs.origin.format, changedBy), part: 'ruleset', rulesets: [rs],
    scope: { of: 'ruleset', part: { kind: 'whole' }, filtered: false, ...scope },
  };
}

export function bridgeCapture(ports: Array<Omit<BridgePortRecord, 'line' | 'state'>>): ComposeCapture {
  return {
    ...meta('bridge', []), part: 'bridges', ports: ports.map((p) => ({ ...p, state: null, line: 1 })),
    scope: { of: 'bridges', bridges: 'all', filtered: false },
  };
}

export const ruleChange = (command: string): StateChangeNote => ({ command, source: 'f.txt:1', changes: 'rules' });
