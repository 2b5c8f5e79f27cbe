/**
 * A conntrack entry that still DNATs a service's connections to an endpoint the node's rules no
 * longer name (a pod gone after a rollout): packets of that connection keep going to the old address
 * until the entry expires or is deleted.
 */
import type { ConntrackView } from '../views/flow-timeline';
import { tupleText } from '../flows/flow-timeline';
import type { Ruleset } from '../netfilter/ruleset';
import { rulesNaming } from '../netfilter/rules-naming';
import { parseIp, type IpNumber } from '../common/ip';
import type { NodeSnapshot, TraceResult } from '../simulate';
import { stepEvidence } from './evidence';
import type { FindingEvidence, ProjectFinding } from './finding';

export interface DnatTarget {
  min: IpNumber;
  max: IpNumber;
  ports: { min: number; max: number } | null;
}

/**
 * DNAT destinations, kept compact: a kube-proxy node names thousands of endpoints, and the findings keep every
 * node's while they go through the flows. IPv4 ranges as numbers (min, max, first port, last port; -1 ports:
 * any), the others as they are.
 */
export class DnatTargets {
  private readonly v4: Float64Array;
  private readonly others: readonly DnatTarget[];

  constructor(targets: readonly DnatTarget[]) {
    const v4: number[] = [];
    const others: DnatTarget[] = [];
    for (const t of targets) {
      if (t.min.family === 'ipv4' && t.max.family === 'ipv4') v4.push(t.min.value, t.max.value, t.ports?.min ?? -1, t.ports?.max ?? -1);
      else others.push(t);
    }
    this.v4 = Float64Array.from(v4);
    this.others = others;
  }

  get size(): number {
    return this.v4.length / 4 + this.others.length;
  }

  /** Some target holds `ip` (and `port`, when both say one). */
  holds(ip: IpNumber, port: number | null): boolean {
    if (ip.family === 'ipv4') {
      const { v4 } = this;
      for (let i = 0; i < v4.length; i += 4) {
        if (ip.value < v4[i]! || ip.value > v4[i + 1]!) continue;
        if (v4[i + 2]! < 0 || port === null || (port >= v4[i + 2]! && port <= v4[i + 3]!)) return true;
      }
    }
    return this.others.some((t) => within(ip, t, port));
  }
}

/** Every DNAT destination the node's nat tables name. */
export function dnatTargets(node: NodeSnapshot): DnatTargets {
  const out: DnatTarget[] = [];
  const rulesets = [node.ruleset, node.ruleset6 ?? null].filter((r): r is Ruleset => r !== null);
  for (const rs of rulesets) {
    const nat = rs.tables.find((t) => t.name === 'nat');
    // The text names the target (`-j DNAT`, a listing's DNAT column): rules without it are not read.
    for (const { rule } of nat === undefined ? [] : rulesNaming(nat, 'DNAT')) {
      if (rule.target?.kind !== 'dnat') continue;
      for (const to of rule.target.to) {
        const min = to.minAddress === null ? null : parseIp(to.minAddress);
        const max = to.maxAddress === null ? min : parseIp(to.maxAddress);
        if (min === null || max === null) continue;
        out.push({ min, max, ports: to.ports ? { min: to.ports.min, max: to.ports.max } : null });
      }
    }
  }
  return new DnatTargets(out);
}

function within(ip: IpNumber, t: DnatTarget, port: number | null): boolean {
  if (ip.family !== t.min.family || ip.family !== t.max.family) return false;
  const inRange = ip.value >= t.min.value && ip.value <= t.max.value;
  return inRange && (t.ports === null || port === null || (port >= t.ports.min && port <= t.ports.max));
}

/** The entry DNATs (its reply comes from another address or port than the original went to). */
export function isDnat(c: ConntrackView): boolean {
  return c.reply.src !== c.original.dst || (c.reply.sport !== c.original.dport && c.original.dport !== null);
}

/** The entry's DNAT destination is not one the node's rules name (only meaningful when the node has any). */
export function dnatTargetGone(c: ConntrackView, targets: DnatTargets | null): boolean {
  if (targets === null || targets.size === 0 || !isDnat(c)) return false;
  const ip = parseIp(c.reply.src);
  return ip !== null && !targets.holds(ip, c.reply.sport);
}

/**
 * The finding, when the replay of the entry's original tuple shows the node's rules now send the
 * service elsewhere; null when the replay meets no service (then the DNAT was not kube-proxy's).
 */
/**
 * How bad a stale entry is: an error when its flow was captured failing or the entry never saw a reply;
 * for UDP always — there is no connection to close, so every datagram of the tuple goes to the removed
 * endpoint until the entry idles out (why kube-proxy deletes UDP entries of removed endpoints itself).
 * A TCP entry to an endpoint still draining may yet complete: a warning until its packets show otherwise.
 */
export function staleSeverity(c: ConntrackView, proto: string, failed: boolean): 'error' | 'warning' {
  return failed || c.unreplied || proto === 'udp' ? 'error' : 'warning';
}

export function staleEndpointFinding(
  c: ConntrackView, proto: string, replay: TraceResult, node: NodeSnapshot, flowId: number, failed: boolean, extra: FindingEvidence[],
): ProjectFinding | null {
  const hits = replay.outcomes.filter((o) => o.service !== null);
  if (hits.length === 0) return null;
  const service = hits[0]!.service!.id;
  const current = [...new Set(hits.map((o) => o.service!.endpoint).filter((e): e is string => e !== null))].sort();
  const dnatSteps = hits.flatMap((o) => o.steps.filter((s) => s.node === node.name && s.nat?.kind === 'dnat'));
  const stale = c.reply.sport === null ? c.reply.src : `${c.reply.src.includes(':') ? `[${c.reply.src}]` : c.reply.src}:${c.reply.sport}`;
  return {
    id: `stale-endpoint:${node.name}:${service}:${stale}`,
    severity: staleSeverity(c, proto, failed),
    kind: 'stale-endpoint',
    title: `${node.name}: conntrack still sends ${service} connections to ${stale}, which the rules no longer name`,
    explanation:
      `The entry was made when ${stale} backed ${service}; the node's rules now choose ${current.length ? current.join(' or ') : 'no endpoint'}. ` +
      `Packets of this connection keep going to the old address until the entry expires. Fix: delete the stale entries (conntrack -D -d ${c.original.dst}${c.original.dport !== null ? ` --dport ${c.original.dport}` : ''}) — kube-proxy does this for UDP only — and let clients reconnect.`,
    nodes: [node.name],
    service,
    flows: [flowId],
    evidence: [
      { source: c.source, text: `conntrack ${c.state ?? ''} ${tupleText(c.original)} ⇄ ${tupleText(c.reply)}${c.unreplied ? ' [UNREPLIED]' : ''}`.replace(/ +/g, ' ') },
      ...[...new Map(dnatSteps.map((s) => [s.line ?? s.rule, stepEvidence(node, s)])).values()],
      ...extra,
    ],
    trace: null,
  };
}
