/**
 * Kubernetes services as kube-proxy wrote them into the nat table. kube-proxy names every service port
 * in chain comments ("ns/name:port cluster IP") and gives its KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and
 * KUBE-FW- chains one shared hash suffix, so frontends, service chains and endpoints can be tied without
 * the API server.
 */
import { commentOf, jumpTarget, type Match, type Rule, type Ruleset, type TableName, type Target } from './ruleset';
import { replayRuleset, type ChainHead, type RulesetSink } from './ruleset-sink';
import { Float64Column, Int32Column } from '../common/grow-columns';

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

const ENTRY_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS'];
/** localeCompare's order, with one collator for all the comparisons of a 10,000-service sort; made when first sorted (making one costs ~15 ms). */
let byNameOrder: Intl.Collator | null = null;
const BALANCING_CHAIN = /^KUBE-(SVC|SVL)-/;
const FRONTEND_KINDS: readonly FrontendKind[] = ['cluster-ip', 'external-ip', 'load-balancer', 'node-port'];

/** What a nat chain is to the service search (the chain kind column; NOT_KEPT: nothing, or not declared). */
const NOT_KEPT = 0;
/** A KUBE-EXT-, -FW- or -XLB- chain: named by its rules' comments. */
const SERVICE = 1;
/** A KUBE-SVC- or -SVL- chain: also balances over endpoint chains. */
const BALANCING = 2;
/** A KUBE-SEP- chain: a name and DNAT destinations. */
const ENDPOINTS = 3;
/** KUBE-SERVICES or KUBE-NODEPORTS: the rules that lead to a service chain. */
const ENTRY = 4;

/**
 * A DNAT target's destinations as endpoints (`10.40.0.6:8080`), each handed to `add`.
 */
function eachEndpoint(target: Target | null, add: (ep: string) => void): void {
  if (target === null || target.kind !== 'dnat') return;
  for (const to of target.to) {
    const ep = to.minAddress && to.ports ? `${to.minAddress}:${to.ports.min}` : to.minAddress;
    if (ep) add(ep);
  }
}

/**
 * kube-proxy's services as the block writer reads them (kube-proxy-records.ts): service i's name, endpoints and
 * frontends, each frontend a number (firstFrontend, then nextFrontend until -1). The index hands its columns over so,
 * and a list of KubeProxyService objects is read through serviceListOf.
 */
export interface KubeProxyServiceList {
  readonly count: number;
  name(i: number): string;
  endpoints(i: number): readonly string[];
  firstFrontend(i: number): number;
  nextFrontend(f: number): number;
  frontendKind(f: number): FrontendKind;
  frontendAddress(f: number): string | null;
  frontendPort(f: number): number | null;
  frontendProto(f: number): string | null;
  frontendLine(f: number): number;
}

/** A list of services as a KubeProxyServiceList: frontends numbered one after another, service by service. */
export function serviceListOf(services: readonly KubeProxyService[]): KubeProxyServiceList {
  const frontends: ServiceFrontend[] = [];
  const first: number[] = [];
  const last: number[] = [];
  for (const s of services) {
    first.push(s.frontends.length === 0 ? -1 : frontends.length);
    for (const f of s.frontends) frontends.push(f);
    last.push(frontends.length - 1);
  }
  const owner: number[] = [];
  services.forEach((s, i) => s.frontends.forEach(() => owner.push(i)));
  return {
    count: services.length,
    name: (i) => services[i]!.name,
    endpoints: (i) => services[i]!.endpoints,
    firstFrontend: (i) => first[i]!,
    nextFrontend: (f) => (f < last[owner[f]!]! ? f + 1 : -1),
    frontendKind: (f) => frontends[f]!.kind,
    frontendAddress: (f) => frontends[f]!.address,
    frontendPort: (f) => frontends[f]!.port,
    frontendProto: (f) => frontends[f]!.proto,
    frontendLine: (f) => frontends[f]!.line,
  };
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
 *
 * What it keeps is in typed columns, not an object per chain, rule or endpoint (a 10,000-service dump has
 * 60,000 chains and 70,000 rules that matter): per chain number its kind, first service name, hash and a
 * list of values (the endpoint chains a service chain balances over, an endpoint chain's destinations); per
 * entry rule its service hash, name and frontend. Strings (names, endpoints, addresses, rule text) are numbers
 * into one table. `keepRuleText` false: the entry rules' text is not kept, and only serviceList() answers.
 */
export class KubeProxyIndex implements RulesetSink {
  private inNat = false;
  /** Without `numbered`: the numbers this index gave to chain names. */
  private readonly own = new Map<string, number>();
  private readonly ruleFacts = new RuleFacts();
  /** The number of the last rule's chain and its kind (-1: not kept) and place: a chain's rules come one after another. */
  private lastChain = -1;
  private lastKind = NOT_KEPT;
  private lastPlace = -1;

  private readonly strings: string[] = [];
  private readonly hashIds = new Map<string, number>();
  private readonly hashes: string[] = [];

  /** By chain number: kind, first service name (string), hash (or entry chain 0/1), list head and tail, values before the name. */
  private readonly chainKind = new Int32Column();
  private readonly chainName = new Int32Column();
  private readonly chainHash = new Int32Column();
  private readonly chainHead = new Int32Column();
  private readonly chainTail = new Int32Column();
  private readonly chainBefore = new Int32Column();
  /** Kept chains but the entry chains, in the order declared, and their names. */
  private readonly declaredChains = new Int32Column();
  private readonly declaredNames: string[] = [];
  /**
   * List cells: a value and the next cell (-1: the last). A balancing chain's values are endpoint chains, by number
   * (>= 0), or by name while no endpoint chain of that name is declared (-2 - the name's string, looked up at the end);
   * an endpoint chain's are its destinations (strings).
   */
  private readonly cellValue = new Int32Column();
  private readonly cellNext = new Int32Column();

  /** Entry rules of KUBE-SERVICES and KUBE-NODEPORTS: two lists (head, tail), then per rule its columns. */
  private readonly entryHead = [-1, -1];
  private readonly entryTail = [-1, -1];
  private readonly entryNext = new Int32Column();
  private readonly entryHash = new Int32Column();
  private readonly entryName = new Int32Column();
  private readonly entryKind = new Int32Column();
  private readonly entryAddress = new Int32Column();
  private readonly entryProto = new Int32Column();
  /** NaN: none. */
  private readonly entryPort = new Float64Column();
  private readonly entryLine = new Float64Column();
  private readonly entryText = new Int32Column();

  constructor(
    private readonly numbered = false,
    private readonly keepRuleText = true,
  ) {}

  table(name: TableName): void {
    this.inNat = name === 'nat';
  }

  chain(head: Pick<ChainHead, 'name'>, number = -1): void {
    const { name } = head;
    if (!this.inNat || !name.startsWith('KUBE-')) return;
    const k = this.numbered ? number : this.ownNumber(name);
    if (k < 0 || this.chainKind.at(k, NOT_KEPT) !== NOT_KEPT) return;
    this.lastChain = -1;
    const entry = ENTRY_CHAINS.indexOf(name);
    if (entry >= 0) {
      this.keep(k, ENTRY, entry);
      return;
    }
    if (name.startsWith('KUBE-SEP-')) this.keep(k, ENDPOINTS, -1);
    else {
      const hash = serviceChainHash(name);
      if (hash === null) return;
      this.keep(k, BALANCING_CHAIN.test(name) ? BALANCING : SERVICE, this.hashId(hash));
    }
    this.declaredChains.push(k);
    this.declaredNames.push(name);
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
      const kind = k >= 0 ? this.chainKind.at(k, NOT_KEPT) : NOT_KEPT;
      // An entry chain the table does not declare still counts.
      const entry = k < 0 ? ENTRY_CHAINS.indexOf(chain) : -1;
      this.lastKind = entry >= 0 ? ENTRY : kind;
      this.lastPlace = entry >= 0 ? entry : kind === ENTRY ? this.chainHash.values[k]! : k;
    }
    const at = this.lastPlace;
    switch (this.lastKind) {
      case NOT_KEPT:
        return;
      case ENTRY: {
        const hash = rule.jump === null ? null : serviceChainHash(rule.jump);
        if (hash !== null) this.entryRule(at, this.hashId(hash), rule, chain);
        return;
      }
      case SERVICE:
      case BALANCING: {
        const names = this.chainName.values;
        if (names[at] === -1) names[at] = this.nameOf(rule.comment);
        const { jump } = rule;
        if (this.lastKind === SERVICE || jump === null || !jump.startsWith('KUBE-SEP-')) return;
        const j = this.numbered ? jumpNumber : (this.own.get(jump) ?? -1);
        this.append(at, j >= 0 && this.chainKind.at(j, NOT_KEPT) === ENDPOINTS ? j : -2 - this.text(jump));
        if (names[at] === -1) this.chainBefore.values[at]!++;
        return;
      }
      case ENDPOINTS: {
        const names = this.chainName.values;
        if (names[at] === -1) names[at] = this.nameOf(rule.comment);
        if (rule.targetKind !== 'dnat') return;
        const known = rule.knownEndpoint?.();
        if (known === undefined) eachEndpoint(rule.target(), (ep) => this.append(at, this.text(ep)));
        else this.append(at, this.text(known));
        return;
      }
      default:
        throw new Error(`kube-proxy index: no chain kind ${this.lastKind}`);
    }
  }

  commit(): void {
    this.inNat = false;
  }

  /** Services found, sorted by name. */
  services(): KubeProxyService[] {
    if (!this.keepRuleText) throw new Error('kube-proxy index: the entry rules\' text was not kept; read serviceList()');
    const list = this.serviceList();
    const out: KubeProxyService[] = [];
    for (let i = 0; i < list.count; i++) {
      const frontends: ServiceFrontend[] = [];
      for (let f = list.firstFrontend(i); f >= 0; f = list.nextFrontend(f)) {
        frontends.push({
          kind: list.frontendKind(f), address: list.frontendAddress(f), port: list.frontendPort(f), proto: list.frontendProto(f),
          rule: this.strings[this.entryText.values[f]!]!, line: list.frontendLine(f),
        });
      }
      out.push({ name: list.name(i), hash: list.hash(i), frontends, endpoints: [...list.endpoints(i)] });
    }
    return out;
  }

  /**
   * The services found, sorted by name, read from the columns. A service is a hash: it is met first in the entry
   * rules (KUBE-SERVICES', then KUBE-NODEPORTS') or else at its first declared service chain, and that order breaks ties
   * of the (stable) sort. Its name is the first of: its entry rules' names, then per service chain the names of the
   * endpoint chains it jumped to before its own name, then its own name. Its endpoints: those of the endpoint chains its
   * service chains balance over, in order, each once.
   */
  serviceList(): KubeProxyServiceList & { hash(i: number): string } {
    const hashCount = this.hashes.length;
    const order: number[] = [];
    const met = new Uint8Array(hashCount);
    const nameOf = new Int32Array(hashCount).fill(-1);
    const frontHead = new Int32Array(hashCount).fill(-1);
    const frontTail = new Int32Array(hashCount).fill(-1);
    const frontNext = new Int32Array(this.entryHash.length).fill(-1);
    const endpoints: Array<string[] | null> = new Array<string[] | null>(hashCount).fill(null);
    const meet = (h: number): void => {
      if (met[h] === 0) {
        met[h] = 1;
        order.push(h);
      }
    };
    const entryHash = this.entryHash.values;
    const entryName = this.entryName.values;
    for (const head of this.entryHead) {
      for (let e = head; e >= 0; e = this.entryNext.values[e]!) {
        const h = entryHash[e]!;
        meet(h);
        if (nameOf[h] === -1) nameOf[h] = entryName[e]!;
        if (frontTail[h] === -1) frontHead[h] = e;
        else frontNext[frontTail[h]!] = e;
        frontTail[h] = e;
      }
    }
    const kinds = this.chainKind.values;
    const chainNames = this.chainName.values;
    const cellValue = this.cellValue.values;
    const cellNext = this.cellNext.values;
    let byName: Map<string, number> | null = null;
    const endpointChain = (value: number): number => {
      if (value >= 0) return value;
      if (byName === null) {
        byName = new Map();
        for (let d = 0; d < this.declaredNames.length; d++) {
          const n = this.declaredNames[d]!;
          if (!byName.has(n)) byName.set(n, this.declaredChains.values[d]!);
        }
      }
      const k = byName.get(this.strings[-2 - value]!);
      return k !== undefined && kinds[k] === ENDPOINTS ? k : -1;
    };
    for (let d = 0; d < this.declaredChains.length; d++) {
      const k = this.declaredChains.values[d]!;
      if (kinds[k] !== SERVICE && kinds[k] !== BALANCING) continue;
      const h = this.chainHash.values[k]!;
      meet(h);
      let before = this.chainBefore.values[k]!;
      for (let c = this.chainHead.values[k]!; c >= 0 && before > 0; c = cellNext[c]!, before--) {
        const sep = endpointChain(cellValue[c]!);
        if (nameOf[h] === -1 && sep >= 0) nameOf[h] = chainNames[sep]!;
      }
      if (nameOf[h] === -1) nameOf[h] = chainNames[k]!;
      for (let c = this.chainHead.values[k]!; c >= 0; c = cellNext[c]!) {
        const sep = endpointChain(cellValue[c]!);
        if (sep < 0) continue;
        let list = endpoints[h] ?? null;
        for (let e = this.chainHead.values[sep]!; e >= 0; e = cellNext[e]!) {
          const ep = this.strings[cellValue[e]!]!;
          if (list === null) endpoints[h] = list = [ep];
          else if (!list.includes(ep)) list.push(ep);
        }
      }
    }
    const { strings } = this;
    const named = order.filter((h) => nameOf[h] !== -1);
    const collator = (byNameOrder ??= new Intl.Collator());
    named.sort((a, b) => collator.compare(strings[nameOf[a]!]!, strings[nameOf[b]!]!));
    const none: readonly string[] = [];
    const str = (id: number): string | null => (id < 0 ? null : strings[id]!);
    const port = this.entryPort.values;
    const line = this.entryLine.values;
    const kind = this.entryKind.values;
    const address = this.entryAddress.values;
    const proto = this.entryProto.values;
    return {
      count: named.length,
      name: (i) => strings[nameOf[named[i]!]!]!,
      hash: (i) => this.hashes[named[i]!]!,
      endpoints: (i) => endpoints[named[i]!] ?? none,
      firstFrontend: (i) => frontHead[named[i]!]!,
      nextFrontend: (f) => frontNext[f]!,
      frontendKind: (f) => FRONTEND_KINDS[kind[f]!]!,
      frontendAddress: (f) => str(address[f]!),
      frontendPort: (f) => (Number.isNaN(port[f]!) ? null : port[f]!),
      frontendProto: (f) => str(proto[f]!),
      frontendLine: (f) => line[f]!,
    };
  }

  private keep(k: number, kind: number, hash: number): void {
    this.chainKind.set(k, kind, NOT_KEPT);
    this.chainName.set(k, -1);
    this.chainHash.set(k, hash);
    this.chainHead.set(k, -1);
    this.chainTail.set(k, -1);
    this.chainBefore.set(k, 0, 0);
  }

  /** Appends `value` to chain k's list. */
  private append(k: number, value: number): void {
    const cell = this.cellValue.push(value);
    this.cellNext.push(-1);
    const tail = this.chainTail.values[k]!;
    if (tail === -1) this.chainHead.values[k] = cell;
    else this.cellNext.values[tail] = cell;
    this.chainTail.values[k] = cell;
  }

  private entryRule(entry: number, hash: number, rule: NatRuleFacts, chain: string): void {
    const { address, port, proto } = rule.knownFrontend?.() ?? frontendOfMatches(rule.matches());
    const e = this.entryHash.push(hash);
    this.entryNext.push(-1);
    this.entryName.push(this.nameOf(rule.comment));
    this.entryKind.push(FRONTEND_KINDS.indexOf(frontendKind(rule.comment ?? '', chain)));
    this.entryAddress.push(address === null ? -1 : this.text(address));
    this.entryProto.push(proto === null ? -1 : this.text(proto));
    this.entryPort.push(port === null ? Number.NaN : port);
    this.entryLine.push(rule.line);
    this.entryText.push(this.keepRuleText ? this.text(rule.text) : -1);
    const tail = this.entryTail[entry]!;
    if (tail === -1) this.entryHead[entry] = e;
    else this.entryNext.values[tail] = e;
    this.entryTail[entry] = e;
  }

  private text(s: string): number {
    return this.strings.push(s) - 1;
  }

  private hashId(hash: string): number {
    let id = this.hashIds.get(hash);
    if (id === undefined) {
      id = this.hashes.push(hash) - 1;
      this.hashIds.set(hash, id);
    }
    return id;
  }

  /** A comment's service name, as a string of the table (-1: none). */
  private nameOf(comment: string | null): number {
    const name = comment === null ? null : serviceNameOf(comment);
    return name === null ? -1 : this.text(name);
  }

  private ownNumber(name: string): number {
    let k = this.own.get(name);
    if (k === undefined) this.own.set(name, (k = this.own.size));
    return k;
  }
}

/** Services found in a ruleset's nat table, sorted by name. */
export function kubeProxyServices(ruleset: Ruleset): KubeProxyService[] {
  return kubeProxyIndexOf(ruleset, true).services();
}

/** The index of a ruleset's nat table; `keepRuleText` false when only its serviceList() will be read. */
export function kubeProxyIndexOf(ruleset: Ruleset, keepRuleText: boolean): KubeProxyIndex {
  const index = new KubeProxyIndex(false, keepRuleText);
  replayRuleset(ruleset.tables.filter((t) => t.name === 'nat'), index);
  return index;
}
