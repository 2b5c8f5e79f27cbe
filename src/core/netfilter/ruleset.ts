/**
 * The vendor-independent netfilter model: what iptables-save and `iptables -L` both parse into,
 * what the store keeps (as JSON per rule) and what the simulator reads back without reparsing.
 */

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
export const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];

export interface Counters {
  packets: number;
  bytes: number;
}

/** An address with a prefix length; `address` is the textual IPv4 or IPv6 address as written. */
export interface Cidr {
  address: string;
  prefixLength: number;
}

/** Inclusive port range; a single port has min === max. */
export interface PortRange {
  min: number;
  max: number;
}

/** A NAT destination/source: `1.2.3.4`, `1.2.3.4-1.2.3.9`, `1.2.3.4:80`, `:80-90`, `[::1]:80`. */
export interface NatRange {
  minAddress: string | null;
  maxAddress: string | null;
  ports: PortRange | null;
}

export type AddrType =
  | 'UNSPEC' | 'UNICAST' | 'LOCAL' | 'BROADCAST' | 'ANYCAST' | 'MULTICAST'
  | 'BLACKHOLE' | 'UNREACHABLE' | 'PROHIBIT' | 'THROW' | 'NAT' | 'XRESOLVE';

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED' | 'SNAT' | 'DNAT';

export interface Negatable<T> {
  value: T;
  negated: boolean;
}

export type Match =
  | { kind: 'source'; cidr: Cidr; negated: boolean }
  | { kind: 'destination'; cidr: Cidr; negated: boolean }
  /** `name` may end in `+` (prefix wildcard), as iptables writes it. */
  | { kind: 'in-interface'; name: string; negated: boolean }
  | { kind: 'out-interface'; name: string; negated: boolean }
  /** `proto` lower-case as iptables-save prints it: tcp, udp, icmp, ipv6-icmp, sctp, all, or a number. */
  | { kind: 'protocol'; proto: string; negated: boolean }
  | { kind: 'fragment'; negated: boolean }
  /** --sport/--dport (tcp, udp, sctp) and multiport --sports/--dports/--ports. */
  | { kind: 'ports'; which: 'sport' | 'dport' | 'either'; ranges: PortRange[]; negated: boolean }
  | { kind: 'tcp-flags'; mask: string[]; set: string[]; negated: boolean }
  | { kind: 'icmp-type'; type: number | null; code: number | null; name: string; negated: boolean }
  | { kind: 'comment'; text: string }
  | {
      kind: 'addrtype';
      src: Negatable<AddrType[]> | null;
      dst: Negatable<AddrType[]> | null;
      limitIfaceIn: boolean;
      limitIfaceOut: boolean;
    }
  /** -m mark --mark value/mask (mask 0xffffffff when absent). */
  | { kind: 'mark'; value: number; mask: number; negated: boolean }
  | { kind: 'connmark'; value: number; mask: number; negated: boolean }
  | {
      kind: 'conntrack';
      ctstate: Negatable<CtState[]> | null;
      ctproto: Negatable<string> | null;
      ctorigsrc: Negatable<Cidr> | null;
      ctorigdst: Negatable<Cidr> | null;
      ctreplsrc: Negatable<Cidr> | null;
      ctrepldst: Negatable<Cidr> | null;
      ctorigsrcport: Negatable<PortRange> | null;
      ctorigdstport: Negatable<PortRange> | null;
      ctreplsrcport: Negatable<PortRange> | null;
      ctrepldstport: Negatable<PortRange> | null;
      ctstatus: Negatable<string[]> | null;
      ctdir: 'ORIGINAL' | 'REPLY' | null;
    }
  | { kind: 'state'; states: CtState[]; negated: boolean }
  | { kind: 'statistic'; mode: 'random'; probability: number; negated: boolean }
  | { kind: 'statistic'; mode: 'nth'; every: number; packet: number; negated: boolean }
  | {
      kind: 'recent';
      op: 'set' | 'rcheck' | 'update' | 'remove';
      name: string;
      side: 'source' | 'dest';
      seconds: number | null;
      hitcount: number | null;
      reap: boolean;
      rttl: boolean;
      mask: string | null;
      negated: boolean;
    }
  | {
      kind: 'physdev';
      physdevIn: Negatable<string> | null;
      physdevOut: Negatable<string> | null;
      isIn: Negatable<true> | null;
      isOut: Negatable<true> | null;
      isBridged: Negatable<true> | null;
    }
  | { kind: 'set'; name: string; flags: Array<'src' | 'dst'>; negated: boolean }
  /** A module natlens keeps but does not interpret (limit, owner, socket, nfacct, ...). The simulator answers `unknown` if it must decide on it. */
  | { kind: 'unsupported'; module: string; args: string[] };

export type MatchKind = Match['kind'];

export type Target =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'return' }
  | { kind: 'reject'; with: string | null }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  | { kind: 'dnat'; to: NatRange[]; random: boolean; persistent: boolean }
  | { kind: 'snat'; to: NatRange[]; random: boolean; randomFully: boolean; persistent: boolean }
  | { kind: 'masquerade'; ports: PortRange | null; random: boolean; randomFully: boolean }
  | { kind: 'redirect'; ports: PortRange | null; random: boolean }
  /** Every MARK form normalised to xmark semantics: mark = (mark & ~mask) ^ value. */
  | { kind: 'mark'; value: number; mask: number }
  | { kind: 'connmark'; mode: 'set'; value: number; mask: number }
  | { kind: 'connmark'; mode: 'save' | 'restore'; nfmask: number; ctmask: number }
  | { kind: 'log'; prefix: string | null; level: string | null }
  | { kind: 'trace' }
  | { kind: 'notrack' }
  | { kind: 'ct'; notrack: boolean; zone: number | null; helper: string | null; args: string[] }
  /** An extension target natlens keeps but does not interpret (TCPMSS, CHECKSUM, NFLOG, NFQUEUE, TPROXY, ...). */
  | { kind: 'other'; name: string; args: string[] };

export type TargetKind = Target['kind'];

export interface Rule {
  /** 1-based position within its chain. */
  position: number;
  /** The rule as iptables-save prints it (`-A CHAIN ...`, without `[p:b]` counters); synthesised for listings. */
  text: string;
  /** Line in the source file the rule was read from. */
  line: number;
  counters: Counters | null;
  matches: Match[];
  /** null for a rule without -j/-g (it only counts packets). */
  target: Target | null;
}

export interface Chain {
  name: string;
  builtin: boolean;
  /** Built-in chains only. */
  policy: 'ACCEPT' | 'DROP' | null;
  counters: Counters | null;
  line: number;
  rules: Rule[];
}

export interface Table {
  name: TableName;
  line: number;
  chains: Chain[];
}

/** How much of the node's ruleset a capture shows: the simulator must not take a fragment for the whole. */
export interface RulesetOrigin {
  /** `nft`: `nft list ruleset` of the tables iptables-nft wrote; each rule's text is nft's own line. */
  format: 'iptables-save' | 'iptables-list' | 'nft';
  /** Interface columns were shown (`-v` listings, and every iptables-save dump). */
  interfacesShown: boolean;
  countersShown: boolean;
  /** A filtered or cut listing (piped through grep/head, one chain only, one table only): never the whole ruleset. */
  partial: boolean;
}

export interface Ruleset {
  family: 'ipv4' | 'ipv6';
  origin: RulesetOrigin;
  tables: Table[];
}

export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** A dump (iptables-save, nft list ruleset): a table it lacks is empty, not unshown, when it is not partial. */
export function isDumpFormat(format: RulesetOrigin['format']): boolean {
  return format !== 'iptables-list';
}

/** The text of a rule's first `-m comment`. */
export function commentOf(matches: readonly Match[]): string | null {
  for (const m of matches) if (m.kind === 'comment') return m.text;
  return null;
}

/** The chain a rule's -j or -g enters. */
export function jumpTarget(target: Target | null): string | null {
  return target !== null && (target.kind === 'jump' || target.kind === 'goto') ? target.chain : null;
}
