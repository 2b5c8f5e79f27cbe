/**
 * Kubernetes services as kube-proxy wrote them into the nat table. kube-proxy names every service port
 * in chain comments ("ns/name:port cluster IP") and gives its KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and
 * KUBE-FW- chains one shared hash suffix, so frontends, service chains and endpoints can be tied without
 * the API server.
 */
import type { Chain, Match, Rule, Ruleset, Target } from './ruleset';

export type FrontendKind = 'cluster-ip' | 'external-ip' | 'load-balancer' | 'node-port';

export interface ServiceFrontend {
  kind: FrontendKind;
  /** null for a NodePort on every local address. */
  address: string | null;
  port: number | null;
  proto: string | null;
  /** The rule that catches it (text as iptables-save prints it) and where it was read. */
  rule: string;
  line: number;
}

export interface KubeProxyService {
  /** `namespace/name:port` as kube-proxy's comments write it. */
  name: string;
  /** The hash suffix shared by the service's chains. */
  hash: string;
  frontends: ServiceFrontend[];
  /** DNAT destinations of its KUBE-SEP- chains, in rule order: `10.40.0.6:8080`. */
  endpoints: string[];
}

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|XLB)-([A-Z0-9]+)$/;

export function serviceChainHash(chain: string): string | null {
  return SERVICE_CHAIN.exec(chain)?.[2] ?? null;
}

export function commentOf(matches: readonly Match[]): string | null {
  for (const m of matches) if (m.kind === 'comment') return m.text;
  return null;
}

/** `ns/name:port cluster IP` → `ns/name:port`; `ns/name:port -> 10.0.0.1:80` → `ns/name:port`. */
export function serviceNameOf(comment: string): string | null {
  const first = comment.trim().split(/\s+/)[0] ?? '';
  return /^[a-z0-9][-a-z0-9.]*\/[^\s/]+$/i.test(first) ? first : null;
}

function jumpTarget(target: Target | null): string | null {
  return target && (target.kind === 'jump' || target.kind === 'goto') ? target.chain : null;
}

function frontendKind(comment: string, chain: string): FrontendKind {
  if (chain === 'KUBE-NODEPORTS' || /node ?port/i.test(comment)) return 'node-port';
  if (/external IP/i.test(comment)) return 'external-ip';
  if (/loadbalancer IP/i.test(comment)) return 'load-balancer';
  return 'cluster-ip';
}

function frontendOf(rule: Rule, chain: string): ServiceFrontend {
  let address: string | null = null;
  let port: number | null = null;
  let proto: string | null = null;
  for (const m of rule.matches) {
    if (m.kind === 'destination' && !m.negated) address = m.cidr.address;
    else if (m.kind === 'ports' && m.which === 'dport' && !m.negated && m.ranges.length === 1) port = m.ranges[0]!.min;
    else if (m.kind === 'protocol' && !m.negated) proto = m.proto;
  }
  return { kind: frontendKind(commentOf(rule.matches) ?? '', chain), address, port, proto, rule: rule.text, line: rule.line };
}

/** Services found in a ruleset's nat table, sorted by name. */
export function kubeProxyServices(ruleset: Ruleset): KubeProxyService[] {
  const nat = ruleset.tables.find((t) => t.name === 'nat');
  if (!nat) return [];
  const chains = new Map<string, Chain>();
  for (const c of nat.chains) chains.set(c.name, c);
  const byHash = new Map<string, KubeProxyService>();
  const serviceFor = (hash: string): KubeProxyService => {
    let s = byHash.get(hash);
    if (!s) byHash.set(hash, (s = { name: '', hash, frontends: [], endpoints: [] }));
    return s;
  };
  const nameFrom = (s: KubeProxyService, matches: readonly Match[]): void => {
    if (s.name) return;
    const comment = commentOf(matches);
    const name = comment ? serviceNameOf(comment) : null;
    if (name) s.name = name;
  };
  for (const entry of ['KUBE-SERVICES', 'KUBE-NODEPORTS']) {
    for (const rule of chains.get(entry)?.rules ?? []) {
      const to = jumpTarget(rule.target);
      const hash = to ? serviceChainHash(to) : null;
      if (!hash) continue;
      const s = serviceFor(hash);
      nameFrom(s, rule.matches);
      s.frontends.push(frontendOf(rule, entry));
    }
  }
  for (const chain of nat.chains) {
    const hash = serviceChainHash(chain.name);
    if (!hash) continue;
    const s = serviceFor(hash);
    for (const rule of chain.rules) {
      nameFrom(s, rule.matches);
      const sep = jumpTarget(rule.target);
      if (!sep?.startsWith('KUBE-SEP-') || !/^KUBE-(SVC|SVL)-/.test(chain.name)) continue;
      for (const r of chains.get(sep)?.rules ?? []) {
        nameFrom(s, r.matches);
        if (r.target?.kind !== 'dnat') continue;
        for (const to of r.target.to) {
          const ep = to.minAddress && to.ports ? `${to.minAddress}:${to.ports.min}` : to.minAddress;
          if (ep && !s.endpoints.includes(ep)) s.endpoints.push(ep);
        }
      }
    }
  }
  return [...byHash.values()].filter((s) => s.name).sort((a, b) => a.name.localeCompare(b.name));
}
