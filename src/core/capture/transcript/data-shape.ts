/**
 * Whether a line of text looks like data natlens reads: a netfilter rule or chain, an interface
 * address, a route, a conntrack entry or a captured packet (tcpdump's, or a line of the kernel's packet trace). The importer counts such lines and
 * warns about every one that no capture read, so nothing that looks like data is dropped silently.
 *
 * A line is classified from its first HEAD characters, with at most a few anchored tests chosen
 * by its first character: counting a 170,000-rule dump costs one pass with no regex on most lines.
 */
import { stripAnsi } from '../prompt';
import { lineTicker } from '../text-input';

export type DataShape = 'rule' | 'address' | 'route' | 'conntrack' | 'packet';

export const DATA_SHAPES: readonly DataShape[] = ['rule', 'address', 'route', 'conntrack', 'packet'];

const HEAD = 256;

// ---- rules: iptables-save / -S lines, iptables -L chain headers and rows --------------------------
const SAVE_RULE = /^-[AIND] \S/;
/** `iptables-save -c`: `[packets:bytes] -A CHAIN ...`. */
const SAVE_COUNTED_RULE = /^\[\d+:\d+\] -[AI] \S/;
const SAVE_POLICY = /^-P \S+ (?:ACCEPT|DROP|QUEUE|RETURN)\b/;
const CHAIN_DECLARATION = /^:[^\s:]+ (?:ACCEPT|DROP|QUEUE|RETURN|-)\s/;
const LIST_CHAIN = /^Chain \S+ \((?:policy \S+|\d+ references?)/;
/** `[num] [pkts bytes] [TARGET] PROT OPT ...`: the option column (`--`, `-f`) gives a row away. */
const LIST_ROW = /^\s*(?:\d+\s+)?(?:\d+[KMGTP]?\s+\d+[KMGTP]?\s+)?(?:[\w.-]+\s+)?!?\s?(?:all|tcp|udp|udplite|icmp|icmpv6|ipv6-icmp|sctp|dccp|esp|ah|gre|ipip|\d{1,3})\s+(?:--|-f|!f)\s/;

// ---- addresses: ip addr / ip -o addr / ip -br / ifconfig / ip neigh ------------------------------
const IP_LINK_HEADER = /^\d+: [^\s:]+: </;
const IP_ONE_LINE = /^\d+: [^\s:]+\s+inet6? [\da-fA-F.:]+\//;
const INET = /^\s*inet6? (?:addr: ?)?[\da-fA-F.:]+[/ ]/;
const LINK_ETHER = /^\s*link\/\w+ (?:[\da-f]{2}:){5}[\da-f]{2}\b/;
const IFCONFIG_HEADER = /^[\w.@-]+: flags=\d+<|^[\w.@:-]+\s+Link encap:/;
const IP_BRIEF = /^[\w.@-]+\s+(?:UP|DOWN|UNKNOWN|LOWERLAYERDOWN|DORMANT)\s+(?:[\da-fA-F.:]+\/\d+|(?:[\da-f]{2}:){5}[\da-f]{2})/;
const NEIGHBOUR = /^[\da-fA-F.:]+ dev \S+ (?:lladdr (?:[\da-f]{2}:){5}[\da-f]{2}|FAILED|INCOMPLETE)\b/;
const IP_JSON_LINK = /^\[\{"ifindex":/;
/** `brctl show`: `cni0   8000.d223dd36e701   no   veth086d1546`: a bridge and (maybe) its first port. */
const BRCTL_BRIDGE = /^\S+\s+[\da-f]{4}\.[\da-f]{12}\s+(?:yes|no)\b/;
/** `bridge fdb`: `52:54:00:12:34:56 dev veth1 master cni0`: a MAC, which the route test would take for an address. */
const FDB = /^(?:[\da-fA-F]{2}:){5}[\da-fA-F]{2} (?:dev|vlan|master) /;

// ---- routes: ip route / route -n / netstat -rn / ip rule -----------------------------------------
const IP_ROUTE = /^(?:(?:unicast|local|broadcast|multicast|throw|unreachable|prohibit|blackhole|nat|anycast) )?(?:default|[\da-fA-F.:]+(?:\/\d+)?) (?:via|dev|proto|table|scope|metric|src)\s/;
const ROUTE_N = /^[\d.]+\s+[\d.*]+\s+[\d.]+\s+[UGHRDMAC!]+\s+\d+\s/;
/** `route -n -A inet6`: `fd00:99::/64   fd00:77:2::2   UG   1024 1   0 rb`. */
const ROUTE_N6 = /^[\da-fA-F:]+\/\d{1,3}\s+[\da-fA-F:]+\s+[UGHRDMACn!]+\s+\d+\s/;
const IP_RULE = /^\d+:\s+(?:not )?from \S+ /;
const IP_JSON_ROUTE = /^\[\{"(?:type|dst)":/;

// ---- conntrack entries ---------------------------------------------------------------------------
/** `conntrack -E`: `[NEW] tcp 6 120 SYN_SENT src=...`. */
const CONNTRACK_EVENT = /^\[(?:NEW|UPDATE|DESTROY)\]\s+/;
const CONNTRACK = /^(?:ipv[46]\s+\d+\s+)?(?:tcp|udp|udplite|icmp|icmpv6|sctp|dccp|gre|unknown)\s+\d+\s+(?:\d+\s+)?(?:[A-Z_]+\s+)?src=/;

// ---- packets: tcpdump text -----------------------------------------------------------------------
const PACKET_TIME = /^(?:\d{4}-\d\d-\d\d )?\d{1,2}:\d\d:\d\d(?:\.\d+)?\s|^\d{9,10}\.\d+\s/;
/** `tcpdump -t`: no time at all. */
const PACKET_UNTIMED = /^IP6? \S+ > \S+: |^ARP, (?:Request|Reply) /;
/** tshark's one-line summary: `1   0.000000   10.64.1.1 -> 10.64.1.7   DNS 90 Standard query ...` (→ since 1.x). */
const TSHARK_SUMMARY = /^\d+\s+\d+(?:\.\d+)?\s+\S+\s+(?:->|→)\s+\S+\s+\S/;
const PACKET_BODY = /\s(?:IP6?|ARP|ethertype|Flags \[)[\s,]| > [\w.:-]+: /;

/** The shape of `line`, or null when it looks like none of the data natlens reads. */
export function dataShapeOf(line: string): DataShape | null {
  let text = line.length > HEAD ? line.slice(0, HEAD) : line;
  if (text.includes('\x1b')) text = stripAnsi(text);
  let k = 0;
  while (k < text.length && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
  if (k === text.length) return null;
  const c = text.charCodeAt(k);
  // Quoted pastes (`> -A INPUT ...`) are data behind the quote marks.
  if (c === 62 /* > */) return dataShapeOf(text.slice(text.charCodeAt(k + 1) === 32 ? k + 2 : k + 1));
  // Data indented as a whole (a Markdown indented block, output pasted under its command) is data:
  // every shape below is told from the line's own words, never from its indentation.
  if (k > 0) text = text.slice(k);
  if (c === 45 /* - */) return SAVE_RULE.test(text) || SAVE_POLICY.test(text) ? 'rule' : null;
  if (c === 58 /* : */) return CHAIN_DECLARATION.test(text) ? 'rule' : null;
  if (c === 67 /* C */ && LIST_CHAIN.test(text)) return 'rule';
  if ((c === 73 /* I */ || c === 65 /* A */) && PACKET_UNTIMED.test(text)) return 'packet';
  // `grep -n`/`grep -r` output: `kube-proxy.log:7231:-A KUBE-SERVICES ...` is a rule behind a file and line.
  if (isGrepPrefixStart(c)) {
    const prefix = GREP_PREFIX.exec(text);
    // An IPv6 prefix (`fd00:99::/64 via ...`) starts like `file:99:`: a file name is not all hex digits.
    if (prefix !== null && !HEX_WORD.test(prefix[1]!)) return dataShapeOf(text.slice(prefix[0].length));
  }
  if (c === 105 /* i */ && INET.test(text)) return 'address';
  if (c === 108 /* l */ && LINK_ETHER.test(text)) return 'address';
  if (c === 91 /* [ */) {
    if (SAVE_COUNTED_RULE.test(text)) return 'rule';
    const event = CONNTRACK_EVENT.exec(text);
    if (event !== null) return CONNTRACK.test(text.slice(event[0].length)) ? 'conntrack' : null;
    if (IP_JSON_LINK.test(text)) return 'address';
    if (IP_JSON_ROUTE.test(text)) return 'route';
    // dmesg's `[85447.184040] TRACE: ...` / `[Mon Dec  7 ...] KUBE-DROP: IN=...`.
    return text.includes(' OUT=') && KERNEL_PACKET.test(text) ? 'packet' : null;
  }
  if (isDigit(c)) {
    if (IP_LINK_HEADER.test(text) || IP_ONE_LINE.test(text)) return 'address';
    if (IP_RULE.test(text)) return 'route';
    if (PACKET_TIME.test(text) && PACKET_BODY.test(text)) return 'packet';
    if (TSHARK_SUMMARY.test(text)) return 'packet';
  }
  // A neighbour entry (`IP dev X lladdr MAC`) and a bridge fdb entry begin like a host route: tested first.
  if (NEIGHBOUR.test(text) || FDB.test(text)) return 'address';
  if (IP_ROUTE.test(text) || ROUTE_N.test(text) || ROUTE_N6.test(text)) return 'route';
  // The last tests are tried on most lines: a substring every match holds is looked for first.
  if (text.includes('src=') && CONNTRACK.test(text)) return 'conntrack';
  if ((text.includes(' -- ') || text.includes(' -f ') || text.includes('!f ')) && LIST_ROW.test(text)) return 'rule';
  if (IFCONFIG_HEADER.test(text) || IP_BRIEF.test(text) || BRCTL_BRIDGE.test(text)) return 'address';
  // The kernel's packet log (iptables TRACE / LOG, behind any stamp) and nf_tables' trace monitors.
  if (text.includes(' OUT=') && KERNEL_PACKET.test(text)) return 'packet';
  if ((c === 84 /* T */ || c === 80 /* P */ || c === 116 /* t */) && NF_TRACE.test(text)) return 'packet';
  // nft's ruleset listing: table and chain lines, and rules with their counter (iptables-nft gives every rule one).
  if (isLower(c) && (NFT_BLOCK.test(text) || (text.includes('counter packets ') && NFT_COUNTED_RULE.test(text)))) return 'rule';
  return null;
}

const NFT_BLOCK = /^(?:table (?:ip|ip6|inet|arp|bridge|netdev) \S+|chain \S+) \{/;
const NFT_COUNTED_RULE = /^(?:[a-z][^=]*? )?counter packets \d+ bytes \d+(?: |$)/;

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

const KERNEL_PACKET = /(?:^|\s)IN=\S* OUT=\S* .*\bSRC=/;
const NF_TRACE = /^(?:TRACE|PACKET): \d+ [0-9a-f]+ |^trace id [0-9a-f]+ (?:ip6?|inet|bridge|arp|netdev) /;

const GREP_PREFIX = /^([\w./-]{1,128}):\d{1,9}[:-](?=\S)/;
const HEX_WORD = /^[\da-fA-F]+$/;

function isGrepPrefixStart(c: number): boolean {
  return c === 46 || c === 47 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The data-shaped lines of a text, in order: their 1-based line numbers and shapes. */
export class DataLines {
  readonly lines: number[] = [];
  readonly shapes: DataShape[] = [];

  /** Lines must be added in increasing order. */
  add(line: number, shape: DataShape): void {
    this.lines.push(line);
    this.shapes.push(shape);
  }

  get count(): number {
    return this.lines.length;
  }

  /** How many data lines lie in [first, last]. */
  countIn(first: number, last: number): number {
    return this.indexAfter(last) - this.indexAfter(first - 1);
  }

  /** Index of the first data line after `line`. */
  indexAfter(line: number): number {
    let lo = 0;
    let hi = this.lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lines[mid]! <= line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Classifies every line of a text (LF, CRLF or CR breaks), numbering from `firstLine`.
 * Returns the data lines and the number of lines. `onLines` is called every LINES_PER_REPORT lines (a long
 * file's import hears a cancel there).
 */
export function dataLinesOf(text: string, firstLine = 1, onLines?: (line: number) => void): { data: DataLines; lineCount: number } {
  const data = new DataLines();
  const passed = lineTicker(onLines);
  const n = text.length;
  // Without a CR, lines end at LFs only: indexOf finds them faster than a loop over characters.
  const crFree = !text.includes('\r');
  let line = firstLine;
  let start = 0;
  while (start < n) {
    let stop = crFree ? text.indexOf('\n', start) : lineBreakAt(text, start);
    if (stop < 0) stop = n;
    if (stop > start) {
      const shape = isSaveRuleAt(text, start, stop) ? 'rule' : dataShapeOf(text.slice(start, Math.min(stop, start + HEAD)));
      if (shape !== null) data.add(line, shape);
    }
    line++;
    start = stop + (text.charCodeAt(stop) === 13 && text.charCodeAt(stop + 1) === 10 ? 2 : 1);
    passed(line);
  }
  return { data, lineCount: line - firstLine };
}

/** `-A X`, `-I X`, `-N X`, `-D X` at `start`, told from the characters alone: a dump's rules need no slice and no regex. */
function isSaveRuleAt(text: string, start: number, stop: number): boolean {
  if (stop - start < 4 || text.charCodeAt(start) !== 45 || text.charCodeAt(start + 2) !== 32) return false;
  const verb = text.charCodeAt(start + 1);
  const next = text.charCodeAt(start + 3);
  return (verb === 65 || verb === 73 || verb === 78 || verb === 68) && next !== 32 && next !== 9;
}

function lineBreakAt(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return -1;
}
