/**
 * Problems the rulesets show on their own, whether or not a captured flow met them: services kube-proxy
 * rejects for want of endpoints, chain policies that drop (and counted drops), mark bits that two
 * owners set with different meanings. Pure: nodes' snapshots in, findings out.
 */
import { commentOf, type Chain, type Rule, type Ruleset, type Table } from '../netfilter/ruleset';
import { rulesNaming } from '../netfilter/rules-naming';
import type { NodeSnapshot } from '../simulate';
import { policyEvidence, ruleEvidence } from './evidence';
import type { FindingEvidence, ProjectFinding } from './finding';
import { serviceWithoutEndpoints } from './replay-cause';

function* rulesetsOf(node: NodeSnapshot): Generator<Ruleset> {
  if (node.ruleset) yield node.ruleset;
  if (node.ruleset6) yield node.ruleset6;
}

function* chainsOf(node: NodeSnapshot): Generator<{ ruleset: Ruleset; table: Table; chain: Chain }> {
  for (const ruleset of rulesetsOf(node)) for (const table of ruleset.tables) for (const chain of table.chains) yield { ruleset, table, chain };
}

function* tablesOf(node: NodeSnapshot): Generator<Table> {
  for (const ruleset of rulesetsOf(node)) yield* ruleset.tables;
}

/** A kube-proxy REJECT rule for a service without endpoints, with the destination and port it matches. */
export interface NoEndpointsRule {
  service: string;
  node: NodeSnapshot;
  table: string;
  rule: Rule;
}

export function noEndpointsRules(world: readonly NodeSnapshot[]): NoEndpointsRule[] {
  const out: NoEndpointsRule[] = [];
  for (const node of world) {
    for (const table of tablesOf(node)) {
      // The text names the target in both syntaxes (`-j REJECT`, a listing's REJECT column): rules without it are not read.
      for (const { rule } of rulesNaming(table, 'REJECT')) {
        const service = rule.target?.kind === 'reject' ? serviceWithoutEndpoints(commentOf(rule.matches)) : null;
        if (service !== null) out.push({ service, node, table: table.name, rule });
      }
    }
  }
  return out;
}

/**
 * The no-endpoints rule whose destination address, protocol and port are the packet's: for a flow the
 * replay cannot start (its ingress unknown), the rule it would have met at the service's address.
 */
export function noEndpointsRuleFor(rules: readonly NoEndpointsRule[], proto: string, dst: string, dport: number | null): NoEndpointsRule | null {
  return rules.find(({ rule }) => {
    let address = false;
    let port = dport === null;
    for (const m of rule.matches) {
      if (m.kind === 'destination' && !m.negated) address = m.cidr.address === dst && m.cidr.prefixLength === (dst.includes(':') ? 128 : 32);
      if (m.kind === 'protocol' && !m.negated && m.proto !== proto) return false;
      if (m.kind === 'ports' && m.which === 'dport' && !m.negated) port = dport !== null && m.ranges.some((r) => dport >= r.min && dport <= r.max);
    }
    return address && port;
  }) ?? null;
}

/** kube-proxy's REJECT rules for a service without endpoints: a latent problem until a flow hits one. */
export function servicesWithoutEndpoints(world: readonly NodeSnapshot[]): ProjectFinding[] {
  return servicesWithoutEndpointsOf(noEndpointsRules(world));
}

/** servicesWithoutEndpoints from the rules noEndpointsRules found (node by node, in the world's order). */
export function servicesWithoutEndpointsOf(rules: readonly NoEndpointsRule[]): ProjectFinding[] {
  const byService = new Map<string, { nodes: string[]; evidence: FindingEvidence[] }>();
  for (const { service, node, table, rule } of rules) {
    const entry = byService.get(service) ?? { nodes: [], evidence: [] };
    if (!entry.nodes.includes(node.name)) entry.nodes.push(node.name);
    entry.evidence.push(ruleEvidence(node, table, rule));
    byService.set(service, entry);
  }
  return [...byService].map(([service, e]) => serviceFinding(service, e.nodes, e.evidence));
}

export function serviceFinding(service: string, nodes: string[], evidence: FindingEvidence[], flows: number[] = [], flowCount = flows.length): ProjectFinding {
  const hit = flowCount > 0;
  return {
    id: `service-without-endpoints:${service}`,
    severity: hit ? 'error' : 'warning',
    kind: 'service-without-endpoints',
    title: hit
      ? `Service ${service} has no endpoints: ${flowCount === 1 ? 'a captured connection was' : `${flowCount} captured connections were`} rejected`
      : `Service ${service} has no endpoints`,
    explanation:
      `kube-proxy programs a REJECT for ${service} because no ready pod backs it, so every connection to it fails at once` +
      `${hit ? ' (the captured flows below met that rule)' : ''}. Fix: make the service's selector match running, ready pods (or remove the unused service).`,
    nodes: [...nodes].sort(),
    service,
    flows,
    ...(flowCount !== flows.length ? { flowCount } : {}),
    evidence,
    trace: null,
  };
}

/**
 * FORWARD and INPUT chains whose policy is DROP. Counters showing the policy dropped packets make it
 * a warning; a DROP policy with nothing counted is normal hardening (Docker sets FORWARD DROP): info,
 * and for FORWARD only, since forwarded traffic (pods across nodes, NodePorts) depends on its rules.
 */
export function dropPolicies(world: readonly NodeSnapshot[]): ProjectFinding[] {
  const out: ProjectFinding[] = [];
  for (const node of world) {
    for (const { ruleset, table, chain } of chainsOf(node)) {
      if (table.name !== 'filter' || chain.policy !== 'DROP' || (chain.name !== 'FORWARD' && chain.name !== 'INPUT')) continue;
      const evidence = [policyEvidence(node, ruleset, table.name, chain)];
      const family = ruleset.family === 'ipv6' ? ' (ip6tables)' : '';
      const dropped = chain.counters?.packets ?? 0;
      if (dropped > 0) {
        out.push({
          id: `packet-dropped:${node.name}:filter/${chain.name}${family ? ':ipv6' : ''}:policy`,
          severity: 'warning',
          kind: 'packet-dropped',
          title: `${node.name}: filter ${chain.name} policy DROP dropped ${dropped} packet${dropped === 1 ? '' : 's'}${family}`,
          explanation:
            `The ${chain.name} chain's counters show packets that no rule accepted and the DROP policy discarded` +
            `${chain.name === 'FORWARD' ? ' (traffic routed through the node: pods on other nodes, NodePorts, containers)' : ' (traffic to the node itself)'}. ` +
            `Fix: add an ACCEPT rule for the traffic that should pass (e.g. iptables -A ${chain.name} -i <in> -d <subnet> -j ACCEPT), or find which flow it was with a capture.`,
          nodes: [node.name], service: null, flows: [], evidence, trace: null,
        });
      } else if (chain.name === 'FORWARD') {
        out.push({
          id: `forward-drop-policy:${node.name}${family ? ':ipv6' : ''}`,
          severity: 'info',
          kind: 'forward-drop-policy',
          title: `${node.name}: filter FORWARD policy DROP${family}`,
          explanation:
            'Forwarded packets (pod to pod across nodes, NodePort to a remote endpoint) are dropped unless a rule accepts them first; ' +
            'Docker sets this policy, and nothing captured was dropped by it. If forwarded traffic fails, add ACCEPT rules for it.',
          nodes: [node.name], service: null, flows: [], evidence, trace: null,
        });
      }
    }
  }
  return out;
}

/** Who a chain belongs to, by the prefixes the common agents give their chains. */
export function chainOwner(chain: string): string {
  const owners: Array<[RegExp, string]> = [
    [/^KUBE-/, 'kube-proxy'], [/^(DOCKER|docker)/, 'docker'], [/^cali-/, 'calico'], [/^(CILIUM|OLD_CILIUM)/, 'cilium'],
    [/^FLANNEL/, 'flannel'], [/^WEAVE/, 'weave'], [/^(ANTREA|antrea)/, 'antrea'], [/^(CNI-|cni-)/, 'cni'], [/^(KUBE-ROUTER|kube-router)/, 'kube-router'],
  ];
  for (const [re, owner] of owners) if (re.test(chain)) return owner;
  return `chain ${chain}`;
}

/**
 * Mark bits that more than one owner sets: kube-proxy's 0x4000 means "masquerade me" and 0x8000
 * "drop me"; another agent setting the same bit for its own purpose makes kube-proxy masquerade or
 * drop packets it never meant to, or the other agent misread kube-proxy's.
 */
const MARK_TARGET = /(?:-j|--jump) (?:CONN)?MARK(?:\s|$)/;

export function markBitConflicts(world: readonly NodeSnapshot[]): ProjectFinding[] {
  const out: ProjectFinding[] = [];
  for (const node of world) {
    // bit → owner → the rules that set it
    const bits = new Map<number, Map<string, FindingEvidence[]>>();
    for (const table of tablesOf(node)) {
      // The text names the target (`-j MARK`, `-j CONNMARK`); other rules (kube-proxy's many jumps to KUBE-MARK-MASQ) are not read.
      for (const { chain, rule } of rulesNaming(table, 'MARK')) {
        if (!MARK_TARGET.test(rule.text)) continue;
        const t = rule.target;
        if (t?.kind !== 'mark' && !(t?.kind === 'connmark' && t.mode === 'set')) continue;
        // The bits the rule sets to 1 (xmark: value within mask, or an xor when the mask is 0).
        const set = t.value >>> 0;
        if (set === 0) continue;
        const owner = chainOwner(chain.name);
        for (let bit = 0; bit < 32; bit++) {
          const b = (1 << bit) >>> 0;
          if ((set & b) === 0) continue;
          const owners = bits.get(b) ?? new Map<string, FindingEvidence[]>();
          const list = owners.get(owner) ?? [];
          list.push(ruleEvidence(node, table.name, rule));
          owners.set(owner, list);
          bits.set(b, owners);
        }
      }
    }
    for (const [bit, owners] of [...bits].sort(([a], [b]) => a - b)) {
      if (owners.size < 2) continue;
      const hex = `0x${bit.toString(16)}`;
      const names = [...owners.keys()].sort();
      out.push({
        id: `mark-bit-conflict:${node.name}:${hex}`,
        severity: 'warning',
        kind: 'mark-bit-conflict',
        title: `${node.name}: mark bit ${hex} is set by ${names.join(' and ')}`,
        explanation:
          `Each agent reads bit ${hex} of the packet mark with its own meaning${bit === 0x4000 ? ' (kube-proxy: masquerade this packet)' : bit === 0x8000 ? ' (kube-proxy: drop this packet)' : ''}, ` +
          'so packets one marked are masqueraded, dropped or routed by the other. Fix: move one agent to a free bit (kube-proxy --iptables-masquerade-bit, the CNI\'s mark mask).',
        nodes: [node.name], service: null, flows: [],
        evidence: names.flatMap((n) => owners.get(n)!.slice(0, 3)),
        trace: null,
      });
    }
  }
  return out;
}
