/**
 * Findings worth a colleague's attention, each read from captured evidence: a FORWARD chain that
 * drops by default, a Kubernetes service kube-proxy rejects for want of endpoints, conntrack entries
 * never answered, TCP flows whose SYN got no SYN-ACK.
 */
import type { ConntrackEntry, ConntrackTuple } from '../records/records';
import { assertNever } from '../common/assert-never';
import type { Ruleset } from '../netfilter/ruleset';
import type { TopologyService } from '../model/topology-view';
import type { Evidence, Finding, FindingKind } from './report-model';

export const FINDING_KINDS: readonly FindingKind[] = ['forward-drop-policy', 'service-no-endpoints', 'conntrack-unreplied', 'one-sided-tcp'];

/** A node's newest ruleset capture, as the replay reads it. */
export interface NodeRulesets {
  node: string;
  sourceFile: string;
  rulesets: Ruleset[];
}

export function forwardDropFindings(r: NodeRulesets): Finding[] {
  const out: Finding[] = [];
  for (const rs of r.rulesets) {
    for (const table of rs.tables) {
      if (table.name !== 'filter') continue;
      for (const chain of table.chains) {
        if (chain.name !== 'FORWARD' || chain.policy !== 'DROP') continue;
        const text = rs.origin.format === 'iptables-save' ? `:FORWARD DROP` : 'Chain FORWARD (policy DROP)';
        out.push({
          kind: 'forward-drop-policy', node: r.node, table: table.name, chain: chain.name,
          evidence: { source: `${r.sourceFile}:${chain.line}`, text: `${text}${rs.family === 'ipv6' ? ' (ip6tables)' : ''}` },
        });
      }
    }
  }
  return out;
}

const NO_ENDPOINTS = / has no endpoints$/;

/** `default/web:http has no endpoints` → `default/web`. */
function serviceOfComment(comment: string): string | null {
  if (!NO_ENDPOINTS.test(comment)) return null;
  const name = comment.replace(NO_ENDPOINTS, '').trim();
  const colon = name.indexOf(':');
  return colon > 0 ? name.slice(0, colon) : name;
}

/**
 * Services kube-proxy programs a REJECT for (its "has no endpoints" rules), and services the
 * cluster listed without any endpoint address.
 */
export function serviceFindings(
  all: readonly NodeRulesets[],
  services: readonly TopologyService[],
  listedAt: ReadonlyMap<string, Evidence[]> = new Map(),
): Finding[] {
  const byService = new Map<string, { nodes: string[]; evidence: Evidence[] }>();
  const entry = (name: string): { nodes: string[]; evidence: Evidence[] } => {
    let e = byService.get(name);
    if (!e) {
      e = { nodes: [], evidence: [] };
      byService.set(name, e);
    }
    return e;
  };
  for (const r of all) {
    for (const rs of r.rulesets) {
      for (const table of rs.tables) {
        for (const chain of table.chains) {
          for (const rule of chain.rules) {
            if (rule.target?.kind !== 'reject') continue;
            let service: string | null = null;
            for (const m of rule.matches) if (m.kind === 'comment') service ??= serviceOfComment(m.text);
            if (service === null) continue;
            const e = entry(service);
            if (!e.nodes.includes(r.node)) e.nodes.push(r.node);
            e.evidence.push({ source: `${r.sourceFile}:${rule.line}`, text: rule.text });
          }
        }
      }
    }
  }
  for (const s of services) {
    const name = `${s.namespace}/${s.name}`;
    if (s.endpoints.length > 0 || s.ports.length === 0 || s.type === 'ExternalName' || byService.has(name)) continue;
    if (!s.origins.includes('kubectl')) continue;
    entry(name).evidence.push(...(listedAt.get(name) ?? []));
  }
  return [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, e]) => ({ kind: 'service-no-endpoints', service, nodes: e.nodes, evidence: e.evidence }));
}

function tupleWords(t: ConntrackTuple): string {
  const ports = t.sport !== null ? ` sport=${t.sport} dport=${t.dport ?? ''}` : t.icmp ? ` type=${t.icmp.type} code=${t.icmp.code} id=${t.icmp.id}` : '';
  return `src=${t.src} dst=${t.dst}${ports}`;
}

/** The entry much as `conntrack -L` printed it. */
export function conntrackText(e: ConntrackEntry): string {
  return [e.proto, e.state, tupleWords(e.original), e.unreplied ? '[UNREPLIED]' : null, tupleWords(e.reply), e.assured ? '[ASSURED]' : null]
    .filter((w): w is string => w !== null && w !== '')
    .join(' ');
}

const endText = (addr: string, port: number | null): string => (port === null ? addr : `${addr.includes(':') ? `[${addr}]` : addr}:${port}`);

export function unrepliedFinding(node: string, sourceFile: string, e: ConntrackEntry): Finding {
  return {
    kind: 'conntrack-unreplied', node, proto: e.proto,
    tuple: `${endText(e.original.src, e.original.sport)} > ${endText(e.original.dst, e.original.dport)}`,
    evidence: { source: `${sourceFile}:${e.line}`, text: conntrackText(e) },
  };
}

export function findingEvidence(f: Finding): Evidence[] {
  switch (f.kind) {
    case 'forward-drop-policy':
    case 'conntrack-unreplied':
      return [f.evidence];
    case 'service-no-endpoints':
    case 'one-sided-tcp':
      return f.evidence;
    default:
      return assertNever(f);
  }
}

/** A finding as a title and one explaining sentence, the same in every format. */
export function findingText(f: Finding): { title: string; detail: string } {
  switch (f.kind) {
    case 'forward-drop-policy':
      return {
        title: `${f.node}: ${f.table} ${f.chain} policy DROP`,
        detail: 'Forwarded packets (pod to pod across nodes, NodePort to a remote endpoint) are dropped unless a rule accepts them first.',
      };
    case 'service-no-endpoints':
      return {
        title: `Service ${f.service} has no endpoints`,
        detail: f.nodes.length > 0
          ? `kube-proxy rejects connections to it on ${f.nodes.join(', ')} (REJECT rules below).`
          : 'The cluster lists the service with ports but without any endpoint address: connections to it fail.',
      };
    case 'conntrack-unreplied':
      return {
        title: `${f.node}: ${f.proto} ${f.tuple} [UNREPLIED]`,
        detail: 'conntrack saw the first packet of this connection but never a reply.',
      };
    case 'one-sided-tcp':
      return {
        title: `Flow ${f.flowId}: ${f.tuple} one-sided${f.service ? ` (${f.service})` : ''}`,
        detail: 'A SYN was captured but no SYN-ACK: the server did not answer, or the answer went another way.',
      };
    default:
      return assertNever(f);
  }
}
