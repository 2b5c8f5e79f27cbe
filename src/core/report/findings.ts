/**
 * Findings worth a colleague's attention, each read from captured evidence: a FORWARD chain that
 * drops by default, a Kubernetes service kube-proxy rejects for want of endpoints, conntrack entries
 * never answered, TCP flows whose SYN got no SYN-ACK. Each is handed on in the findings contract's
 * shape (diagnose/finding.ts), as every face shows findings.
 */
import type { ConntrackEntry, ConntrackTuple } from '../capture/records';
import { assertNever } from '../common/assert-never';
import type { FindingSeverity, FindingTrace, ProjectFinding } from '../diagnose/finding';
import type { Ruleset } from '../netfilter/ruleset';
import type { TopologyService } from '../model/topology-view';
import type { Evidence } from './report-model';

export type Finding =
  | { kind: 'forward-drop-policy'; node: string; table: string; chain: string; evidence: Evidence }
  | { kind: 'service-no-endpoints'; service: string; nodes: string[]; evidence: Evidence[] }
  | { kind: 'conntrack-unreplied'; node: string; proto: string; tuple: string; evidence: Evidence }
  | { kind: 'one-sided-tcp'; flowId: number; tuple: string; service: string | null; evidence: Evidence[]; trace: FindingTrace | null };

export type FindingKind = Finding['kind'];

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

const SEVERITY: Record<FindingKind, FindingSeverity> = {
  'forward-drop-policy': 'warning',
  'service-no-endpoints': 'warning',
  'conntrack-unreplied': 'info',
  'one-sided-tcp': 'error',
};

/** What would fix it, one sentence. */
function fixOf(f: Finding): string {
  switch (f.kind) {
    case 'forward-drop-policy':
      return 'Accept the cluster\'s forwarded traffic before the policy (kube-proxy\'s KUBE-FORWARD, the CNI\'s rules) or set the policy to ACCEPT.';
    case 'service-no-endpoints':
      return 'Give the service ready endpoints: check its selector matches running, ready pods (kubectl get endpoints).';
    case 'conntrack-unreplied':
      return 'Find where the first packet went (natlens trace on the node) and why nothing answered.';
    case 'one-sided-tcp':
      return 'Replay the SYN (the trace below) to see where it was dropped, rejected or sent, and check the reply path.';
    default:
      return assertNever(f);
  }
}

/** The finding in the findings contract's shape. */
export function projectFindingOf(f: Finding): ProjectFinding {
  const { title, detail } = findingText(f);
  const base = { severity: SEVERITY[f.kind], kind: f.kind, title, explanation: `${detail} ${fixOf(f)}`, evidence: findingEvidence(f) };
  switch (f.kind) {
    case 'forward-drop-policy':
      return { ...base, id: `${f.kind}:${f.node}:${f.table}/${f.chain}`, nodes: [f.node], service: null, flows: [], trace: null };
    case 'service-no-endpoints':
      return { ...base, id: `${f.kind}:${f.service}`, nodes: f.nodes, service: f.service, flows: [], trace: null };
    case 'conntrack-unreplied':
      return { ...base, id: `${f.kind}:${f.node}:${f.proto} ${f.tuple}`, nodes: [f.node], service: null, flows: [], trace: null };
    case 'one-sided-tcp':
      return { ...base, id: `${f.kind}:${f.flowId}`, nodes: f.trace ? [f.trace.node] : [], service: f.service, flows: [f.flowId], trace: f.trace };
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
