/**
 * Kubernetes services as kube-proxy wrote them into the nat table. kube-proxy names every service port
 * in chain comments ("ns/name:port cluster IP") and gives its KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and
 * KUBE-FW- chains one shared hash suffix, so frontends, service chains and endpoints can be tied without
 * the API server.
 */
import { ownString } from '../common/own-string';
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
  return {
    kind: frontendKind(comment ?? '', chain), address: address === null ? null : ownString(address), port, proto,
    rule: ownString(rule.text), line: rule.line,
  };
}

const ENTRY_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS'];
const BALANCING_CHAIN = /^KUBE-(SVC|SVL)-/;

/** A rule of KUBE-SERVICES or KUBE-NODEPORTS that leads to a service chain. */
interface EntryGist {
  hash: string;
  name: string | null;
  frontend: ServiceFrontend;
}

/** A service chain (KUBE-SVC-, -SVL-, -EXT-, -FW-, -XLB-) as the service search needs it. */
interface ServiceChainGist {
  hash: string;
  /** The first service name its rules' comments give. */
  name: string | null;
  /** Endpoint chains jumped to before the rule that gave `name`: their comments come first. */
  sepsBefore: string[];
  /** The KUBE-SEP- chains an SVC or SVL chain balances over, in rule order. */
  seps: string[];
}

/** A KUBE-SEP- chain: the first service name its comments give and its DNAT destinations, `10.40.0.6:8080`. */
interface EndpointChainGist {
  name: string | null;
  endpoints: string[];
}

function endpointsOf(target: Target | null, into: string[]): void {
  if (target?.kind !== 'dnat') return;
  for (const to of target.to) {
    const ep = to.minAddress && to.ports ? `${to.minAddress}:${to.ports.min}` : to.minAddress;
    if (ep) into.push(ownString(ep));
  }
}

/**
 * Gathers kube-proxy's services from the nat table as a reader hands it over (rules in order, as
 * iptables-save writes them), keeping per chain only what ties services, frontends and endpoints together.
 */
export class KubeProxyIndex implements RulesetSink {
  private inNat = false;
  private readonly entries = new Map<string, EntryGist[]>(ENTRY_CHAINS.map((c) => [c, []]));
  private readonly serviceChains = new Map<string, ServiceChainGist>();
  private readonly endpointChains = new Map<string, EndpointChainGist>();
  /** Comment → the service it names: kube-proxy repeats each comment on many rules. */
  private readonly names = new Map<string, string | null>();

  table(name: TableName): void {
    this.inNat = name === 'nat';
  }

  chain(head: ChainHead): void {
    if (!this.inNat) return;
    const hash = serviceChainHash(head.name);
    if (hash !== null && !this.serviceChains.has(head.name)) {
      this.serviceChains.set(head.name, { hash, name: null, sepsBefore: [], seps: [] });
    } else if (head.name.startsWith('KUBE-SEP-') && !this.endpointChains.has(head.name)) {
      this.endpointChains.set(head.name, { name: null, endpoints: [] });
    }
  }

  rule(chain: string, _at: number, rule: Rule): void {
    if (!this.inNat) return;
    const entry = this.entries.get(chain);
    if (entry !== undefined) {
      const jump = jumpTarget(rule.target);
      const hash = jump === null ? null : serviceChainHash(jump);
      if (hash === null) return;
      const comment = commentOf(rule.matches);
      entry.push({ hash, name: this.nameOf(comment), frontend: frontendOf(rule, chain, comment) });
      return;
    }
    const service = this.serviceChains.get(chain);
    if (service !== undefined) {
      if (service.name === null) service.name = this.nameOf(commentOf(rule.matches));
      const jump = jumpTarget(rule.target);
      if (jump === null || !jump.startsWith('KUBE-SEP-') || !BALANCING_CHAIN.test(chain)) return;
      service.seps.push(jump);
      if (service.name === null) service.sepsBefore.push(jump);
      return;
    }
    const endpoints = this.endpointChains.get(chain);
    if (endpoints !== undefined) {
      if (endpoints.name === null) endpoints.name = this.nameOf(commentOf(rule.matches));
      endpointsOf(rule.target, endpoints.endpoints);
    }
  }

  commit(): void {
    this.inNat = false;
  }

  /** Services found, sorted by name. */
  services(): KubeProxyService[] {
    const byHash = new Map<string, KubeProxyService>();
    const serviceFor = (hash: string): KubeProxyService => {
      let s = byHash.get(hash);
      if (!s) byHash.set(hash, (s = { name: '', hash, frontends: [], endpoints: [] }));
      return s;
    };
    const name = (s: KubeProxyService, found: string | null | undefined): void => {
      if (!s.name && found) s.name = found;
    };
    for (const entry of ENTRY_CHAINS) {
      for (const gist of this.entries.get(entry)!) {
        const s = serviceFor(gist.hash);
        name(s, gist.name);
        s.frontends.push(gist.frontend);
      }
    }
    for (const gist of this.serviceChains.values()) {
      const s = serviceFor(gist.hash);
      for (const sep of gist.sepsBefore) name(s, this.endpointChains.get(sep)?.name);
      name(s, gist.name);
      for (const sep of gist.seps) {
        for (const ep of this.endpointChains.get(sep)?.endpoints ?? []) if (!s.endpoints.includes(ep)) s.endpoints.push(ep);
      }
    }
    return [...byHash.values()].filter((s) => s.name).sort((a, b) => a.name.localeCompare(b.name));
  }

  private nameOf(comment: string | null): string | null {
    if (comment === null) return null;
    let name = this.names.get(comment);
    if (name === undefined) this.names.set(comment, (name = serviceNameOf(comment)));
    return name;
  }
}

/** Services found in a ruleset's nat table, sorted by name. */
export function kubeProxyServices(ruleset: Ruleset): KubeProxyService[] {
  const index = new KubeProxyIndex();
  replayRuleset(ruleset.tables.filter((t) => t.name === 'nat'), index);
  return index.services();
}
