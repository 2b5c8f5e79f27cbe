/**
 * Kubernetes services as kube-proxy wrote them into the nat table. kube-proxy names every service port
 * in chain comments ("ns/name:port cluster IP") and gives its KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and
 * KUBE-FW- chains one shared hash suffix, so frontends, service chains and endpoints can be tied without
 * the API server.
 */
import { assertNever } from '../common/assert-never';
import { commentOf, jumpTarget, type Match, type Rule, type Ruleset, type TableName, type Target } from './ruleset';
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

/**
 * `ns/name:port cluster IP` → `ns/name:port`; `ns/name:port -> 10.0.0.1:80` → `ns/name:port`. A port without
 * a name leaves kube-proxy's `ns/name:` (port name empty): that is the service `ns/name`.
 *
 * The comment's first word (words split at what `\s` matches) when it is NAMESPACE/REST, NAMESPACE a letter or
 * digit then letters, digits, `-` and `.`, REST one or more characters but `/`: what
 * `/^[a-z0-9][-a-z0-9.]*\/[^\s/]+$/i` accepts of `comment.trim().split(/\s+/)[0]`, read without a string per word
 * or a regular expression (a 10,000-service dump asks ~70,000 times).
 */
export function serviceNameOf(comment: string): string | null {
  const n = comment.length;
  let start = 0;
  while (start < n && isJsSpace(comment.charCodeAt(start))) start++;
  if (start === n || !isAsciiAlnum(comment.charCodeAt(start))) return null;
  let i = start + 1;
  for (; i < n; i++) {
    const c = comment.charCodeAt(i);
    if (c === 47 /* / */) break;
    if (!isAsciiAlnum(c) && c !== 45 && c !== 46) return null;
  }
  if (i === n) return null;
  const rest = ++i;
  for (; i < n; i++) {
    const c = comment.charCodeAt(i);
    if (c === 47) return null;
    if (isJsSpace(c)) break;
  }
  if (i === rest) return null;
  const end = comment.charCodeAt(i - 1) === 58 /* : */ ? i - 1 : i;
  return comment.slice(start, end);
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);
}

/** What `\s` matches (WhiteSpace and LineTerminator): the characters trim() takes off and split(/\s+/) splits at. */
function isJsSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function frontendKind(comment: string, chain: string): FrontendKind {
  if (chain === 'KUBE-NODEPORTS' || /node ?port/i.test(comment)) return 'node-port';
  if (/external IP/i.test(comment)) return 'external-ip';
  if (/loadbalancer IP/i.test(comment)) return 'load-balancer';
  return 'cluster-ip';
}

/**
 * What the service search reads of a nat rule. The comment and jump come cheap; matches and target are
 * asked for only by the few rules that need them, so a reader holding JSON rows parses only those.
 */
export interface NatRuleFacts {
  comment: string | null;
  /** The chain a -j or -g enters. */
  jump: string | null;
  targetKind: Target['kind'] | null;
  text: string;
  line: number;
  matches(): readonly Match[];
  target(): Target | null;
  /** What frontendOfMatches would make of the matches, when the rule's reader knows it without them. */
  knownFrontend?(): FrontendFacts | undefined;
  /** A DNAT rule's one destination as an endpoint (`10.40.0.6:8080`), when its reader knows it without a target record. */
  knownEndpoint?(): string | undefined;
}

/** Where a service frontend's rule sends packets: its last destination, `--dport` and protocol, none negated. */
export interface FrontendFacts {
  address: string | null;
  port: number | null;
  proto: string | null;
}

/** A rule whose reader can say its FrontendFacts without reading its matches (the dump reader's lexed rules). */
export interface FrontendSource {
  frontendFacts(): FrontendFacts | undefined;
}

export function frontendOfMatches(matches: readonly Match[]): FrontendFacts {
  let address: string | null = null;
  let port: number | null = null;
  let proto: string | null = null;
  for (const m of matches) {
    if (m.kind === 'destination' && !m.negated) address = m.cidr.address;
    else if (m.kind === 'ports' && m.which === 'dport' && !m.negated && m.ranges.length === 1) port = m.ranges[0]!.min;
    else if (m.kind === 'protocol' && !m.negated) proto = m.proto;
  }
  return { address, port, proto };
}

function frontendOf(rule: NatRuleFacts, chain: string): ServiceFrontend {
  const { address, port, proto } = rule.knownFrontend?.() ?? frontendOfMatches(rule.matches());
  return { kind: frontendKind(rule.comment ?? '', chain), address, port, proto, rule: rule.text, line: rule.line };
}

const ENTRY_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS'];
/** localeCompare's order, with one collator for all the comparisons of a 10,000-service sort; made when first sorted (making one costs ~15 ms). */
let byNameOrder: Intl.Collator | null = null;
const BALANCING_CHAIN = /^KUBE-(SVC|SVL)-/;

/** What the service search keeps of a nat chain that matters to it. */
type ChainGist =
  /** KUBE-SERVICES, KUBE-NODEPORTS: the rules that lead to a service chain. */
  | { kind: 'entry'; rules: Array<{ hash: string; name: string | null; frontend: ServiceFrontend }> }
  /** A service chain (KUBE-SVC-, -SVL-, -EXT-, -FW-, -XLB-). */
  | {
      kind: 'service';
      hash: string;
      /** SVC and SVL chains balance over endpoint chains. */
      balances: boolean;
      /** The first service name its rules' comments give. */
      name: string | null;
      /**
       * Endpoint chains jumped to before the rule that gave `name`: their comments come first. This and `seps` are
       * made by the first rule that needs them, not with the gist: an empty array literal made on the chain path and
       * first filled with objects on the rule path changes its allocation site's element kind after the chain path
       * was optimized, and V8 then throws that code away.
       */
      sepsBefore: SepRef[] | null;
      /** The endpoint chains it balances over, in rule order (null: none yet). */
      seps: SepRef[] | null;
    }
  /**
   * A KUBE-SEP- chain: the first service name its comments give and its DNAT destinations, `10.40.0.6:8080`
   * (null until the first: a 10,000-service dump has 50,000 endpoint chains, nearly all with one).
   */
  | { kind: 'endpoints'; name: string | null; endpoints: string[] | null };

type EndpointsGist = Extract<ChainGist, { kind: 'endpoints' }>;
type EntryGist = Extract<ChainGist, { kind: 'entry' }>;
/** An endpoint chain jumped to: its gist, or its name while no chain of that name is declared (looked up at the end). */
type SepRef = EndpointsGist | string;

function addEndpoints(target: Target | null, gist: EndpointsGist): void {
  if (target === null || target.kind !== 'dnat') return;
  for (const to of target.to) {
    const ep = to.minAddress && to.ports ? `${to.minAddress}:${to.ports.min}` : to.minAddress;
    if (!ep) continue;
    if (gist.endpoints === null) gist.endpoints = [ep];
    else gist.endpoints.push(ep);
  }
}

/** A parsed rule's facts, read lazily: one instance serves every rule. */
export class RuleFacts implements NatRuleFacts {
  rule: Rule | null = null;
  /** The rule's comment when its reader knows it without the rule's matches; undefined: read them. */
  knownComment: string | null | undefined = undefined;
  /** The rule as its reader knows it without its matches, for its frontend; null: read them. */
  frontendSource: FrontendSource | null = null;
  knownFrontend(): FrontendFacts | undefined {
    return this.frontendSource?.frontendFacts();
  }
  private get r(): Rule {
    return this.rule!;
  }
  get comment(): string | null {
    return this.knownComment !== undefined ? this.knownComment : commentOf(this.r.matches);
  }
  get jump(): string | null {
    return jumpTarget(this.r.target);
  }
  get targetKind(): Target['kind'] | null {
    return this.r.target?.kind ?? null;
  }
  get text(): string {
    return this.r.text;
  }
  get line(): number {
    return this.r.line;
  }
  matches(): readonly Match[] {
    return this.r.matches;
  }
  target(): Target | null {
    return this.r.target;
  }
}

/**
 * Gathers kube-proxy's services from the nat table as a reader hands it over (rules in order, as
 * iptables-save writes them), keeping per chain only what ties services, frontends and endpoints together.
 * Chains are kept by number: the reader's (`numbered`, a NumberedRulesetSink's numbers), or the index's own,
 * given to names as they come.
 */
export class KubeProxyIndex implements RulesetSink {
  private inNat = false;
  /** kube-proxy's entry chains' gists, whether or not the nat table declares them. */
  private readonly entries = new Map<string, EntryGist>(ENTRY_CHAINS.map((c) => [c, { kind: 'entry', rules: [] }]));
  /** The gists of the nat chains that matter, by chain number. */
  private readonly gists: Array<ChainGist | undefined> = [];
  /** The same, with their names, in the order they were declared. */
  private readonly declared: Array<[string, ChainGist]> = [];
  /** Without `numbered`: the numbers this index gave to chain names. */
  private readonly own = new Map<string, number>();
  private readonly ruleFacts = new RuleFacts();
  /** The number of the last rule's chain and its gist: a chain's rules come one after another. */
  private lastChain = -1;
  private lastGist: ChainGist | undefined = undefined;

  constructor(private readonly numbered = false) {}

  table(name: TableName): void {
    this.inNat = name === 'nat';
  }

  chain(head: Pick<ChainHead, 'name'>, number = -1): void {
    const { name } = head;
    if (!this.inNat || !name.startsWith('KUBE-')) return;
    const k = this.numbered ? number : this.ownNumber(name);
    if (k < 0 || this.gists[k] !== undefined) return;
    this.lastChain = -1;
    let gist: ChainGist | undefined = this.entries.get(name);
    if (gist === undefined && name.startsWith('KUBE-SEP-')) gist = { kind: 'endpoints', name: null, endpoints: null };
    if (gist === undefined) {
      const hash = serviceChainHash(name);
      if (hash === null) return;
      gist = { kind: 'service', hash, balances: BALANCING_CHAIN.test(name), name: null, sepsBefore: null, seps: null };
    }
    this.gists[k] = gist;
    if (gist.kind !== 'entry') this.declared.push([name, gist]);
  }

  rule(chain: string, _at: number, rule: Rule): void {
    this.ruleFacts.rule = rule;
    this.facts(chain, this.ruleFacts);
  }

  /**
   * The next rule of `chain`; only the nat table's count (filter has a KUBE-SERVICES chain too). With `numbered`,
   * `number` is the chain's and `jumpNumber` that of the chain the rule jumps to (-1: none, or not numbered).
   */
  facts(chain: string, rule: NatRuleFacts, number = -1, jumpNumber = -1): void {
    if (!this.inNat) return;
    const k = this.numbered ? number : (this.own.get(chain) ?? -2);
    if (k !== this.lastChain) {
      this.lastChain = k;
      this.lastGist = k >= 0 ? this.gists[k] : this.entries.get(chain);
    }
    const gist = this.lastGist;
    if (gist === undefined) return;
    switch (gist.kind) {
      case 'entry': {
        const hash = rule.jump === null ? null : serviceChainHash(rule.jump);
        if (hash !== null) gist.rules.push({ hash, name: this.nameOf(rule.comment), frontend: frontendOf(rule, chain) });
        return;
      }
      case 'service': {
        if (gist.name === null) gist.name = this.nameOf(rule.comment);
        const { jump } = rule;
        if (!gist.balances || jump === null || !jump.startsWith('KUBE-SEP-')) return;
        const j = this.numbered ? jumpNumber : (this.own.get(jump) ?? -1);
        const sep = j >= 0 ? this.gists[j] : undefined;
        const ref = sep?.kind === 'endpoints' ? sep : jump;
        if (gist.seps === null) gist.seps = [ref];
        else gist.seps.push(ref);
        if (gist.name !== null) return;
        if (gist.sepsBefore === null) gist.sepsBefore = [ref];
        else gist.sepsBefore.push(ref);
        return;
      }
      case 'endpoints': {
        if (gist.name === null) gist.name = this.nameOf(rule.comment);
        if (rule.targetKind !== 'dnat') return;
        const known = rule.knownEndpoint?.();
        if (known === undefined) addEndpoints(rule.target(), gist);
        else if (gist.endpoints === null) gist.endpoints = [known];
        else gist.endpoints.push(known);
        return;
      }
      default:
        assertNever(gist);
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
    const name = (s: KubeProxyService, found: string | null): void => {
      if (!s.name && found) s.name = found;
    };
    // An endpoint chain named before it was declared: found by name, once the table is read.
    let byName: Map<string, ChainGist> | null = null;
    const endpointChain = (sep: SepRef): EndpointsGist | null => {
      if (typeof sep !== 'string') return sep;
      if (byName === null) {
        byName = new Map();
        for (const [n, g] of this.declared) if (!byName.has(n)) byName.set(n, g);
      }
      const gist = byName.get(sep);
      return gist?.kind === 'endpoints' ? gist : null;
    };
    for (const entry of ENTRY_CHAINS) {
      for (const rule of this.entries.get(entry)!.rules) {
        const s = serviceFor(rule.hash);
        name(s, rule.name);
        s.frontends.push(rule.frontend);
      }
    }
    for (const [, gist] of this.declared) {
      if (gist.kind !== 'service') continue;
      const s = serviceFor(gist.hash);
      for (const sep of gist.sepsBefore ?? []) name(s, endpointChain(sep)?.name ?? null);
      name(s, gist.name);
      for (const sep of gist.seps ?? []) {
        for (const ep of endpointChain(sep)?.endpoints ?? []) if (!s.endpoints.includes(ep)) s.endpoints.push(ep);
      }
    }
    const collator = (byNameOrder ??= new Intl.Collator());
    return [...byHash.values()].filter((s) => s.name).sort((a, b) => collator.compare(a.name, b.name));
  }

  private nameOf(comment: string | null): string | null {
    return comment === null ? null : serviceNameOf(comment);
  }

  private ownNumber(name: string): number {
    let k = this.own.get(name);
    if (k === undefined) this.own.set(name, (k = this.own.size));
    return k;
  }
}

/** Services found in a ruleset's nat table, sorted by name. */
export function kubeProxyServices(ruleset: Ruleset): KubeProxyService[] {
  const index = new KubeProxyIndex();
  replayRuleset(ruleset.tables.filter((t) => t.name === 'nat'), index);
  return index.services();
}
