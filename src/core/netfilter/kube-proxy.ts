/**
 * Kubernetes services as kube-proxy wrote them into the nat table. kube-proxy names every service port
 * in chain comments ("ns/name:port cluster IP") and gives its KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and
 * KUBE-FW- chains one shared hash suffix, so frontends, service chains and endpoints can be tied without
 * the API server.
 */
import type { Match, Rule, Ruleset, TableName, Target } from './ruleset';
import { replayRuleset, type ChainHead, type RulesetSink } from './ruleset-sink';

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

function frontendOf(rule: Rule, chain: string, comment: string | null): ServiceFrontend {
  let address: string | null = null;
  let port: number | null = null;
  let proto: string | null = null;
  for (const m of rule.matches) {
    if (m.kind === 'destination' && !m.negated) address = m.cidr.address;
    else if (m.kind === 'ports' && m.which === 'dport' && !m.negated && m.ranges.length === 1) port = m.ranges[0]!.min;
    else if (m.kind === 'protocol' && !m.negated) proto = m.proto;
  }
  return { kind: frontendKind(comment ?? '', chain), address, port, proto, rule: rule.text, line: rule.line };
}

const ENTRY_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS'];

/** What the service search needs of one nat rule, kept instead of the rule. */
interface RuleGist {
  comment: string | null;
  jump: string | null;
  /** For a rule of KUBE-SERVICES or KUBE-NODEPORTS. */
  frontend: ServiceFrontend | null;
  /** A DNAT's destinations, `10.40.0.6:8080`. */
  endpoints: string[] | null;
}

function endpointsOf(target: Target | null): string[] | null {
  if (target?.kind !== 'dnat') return null;
  const out: string[] = [];
  for (const to of target.to) {
    const ep = to.minAddress && to.ports ? `${to.minAddress}:${to.ports.min}` : to.minAddress;
    if (ep) out.push(ep);
  }
  return out;
}

/**
 * Gathers kube-proxy's services from the nat table as a reader hands it over, keeping a few fields per
 * rule of the chains that matter rather than the rules.
 */
export class KubeProxyIndex implements RulesetSink {
  private inNat = false;
  /** The nat table's chains in order, with the gist of each rule. */
  private readonly chains = new Map<string, RuleGist[]>();

  table(name: TableName): void {
    this.inNat = name === 'nat';
  }

  chain(head: ChainHead): void {
    if (this.inNat && !this.chains.has(head.name)) this.chains.set(head.name, []);
  }

  rule(chain: string, at: number, rule: Rule): void {
    if (!this.inNat) return;
    const comment = commentOf(rule.matches);
    const gist: RuleGist = {
      comment,
      jump: jumpTarget(rule.target),
      frontend: ENTRY_CHAINS.includes(chain) ? frontendOf(rule, chain, comment) : null,
      endpoints: endpointsOf(rule.target),
    };
    const gists = this.chains.get(chain)!;
    if (at === gists.length) gists.push(gist);
    else gists.splice(at, 0, gist);
  }

  commit(): void {
    this.inNat = false;
  }

  /** Services found, sorted by name. */
  services(): KubeProxyService[] {
    const { chains } = this;
    const byHash = new Map<string, KubeProxyService>();
    const serviceFor = (hash: string): KubeProxyService => {
      let s = byHash.get(hash);
      if (!s) byHash.set(hash, (s = { name: '', hash, frontends: [], endpoints: [] }));
      return s;
    };
    const nameFrom = (s: KubeProxyService, comment: string | null): void => {
      if (s.name || !comment) return;
      const name = serviceNameOf(comment);
      if (name) s.name = name;
    };
    for (const entry of ENTRY_CHAINS) {
      for (const rule of chains.get(entry) ?? []) {
        const hash = rule.jump ? serviceChainHash(rule.jump) : null;
        if (!hash) continue;
        const s = serviceFor(hash);
        nameFrom(s, rule.comment);
        s.frontends.push(rule.frontend!);
      }
    }
    for (const [chain, rules] of chains) {
      const hash = serviceChainHash(chain);
      if (!hash) continue;
      const s = serviceFor(hash);
      const balances = /^KUBE-(SVC|SVL)-/.test(chain);
      for (const rule of rules) {
        nameFrom(s, rule.comment);
        if (!balances || !rule.jump?.startsWith('KUBE-SEP-')) continue;
        for (const r of chains.get(rule.jump) ?? []) {
          nameFrom(s, r.comment);
          for (const ep of r.endpoints ?? []) if (!s.endpoints.includes(ep)) s.endpoints.push(ep);
        }
      }
    }
    return [...byHash.values()].filter((s) => s.name).sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Services found in a ruleset's nat table, sorted by name. */
export function kubeProxyServices(ruleset: Ruleset): KubeProxyService[] {
  const index = new KubeProxyIndex();
  replayRuleset(ruleset.tables.filter((t) => t.name === 'nat'), index);
  return index.services();
}
