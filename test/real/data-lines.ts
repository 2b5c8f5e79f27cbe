// An independent judge of which lines of a pasted capture carry data, kept apart from natlens's own
// reader on purpose: the zero-silent-loss test asks natlens to account for every line this module
// calls data, so the two must not share code or the test would only check natlens against itself.
//
// Deliberately simple: one line at a time, no context, a handful of shapes. A line is first
// unwrapped from what Markdown and terminals add around it (a `> ` quote, indentation, a trailing
// `\r`), then tested against the shapes below in order; the first that fits names its category.
// Shapes are written from how the tools print (iptables-save / iptables -S, iptables -L in its
// -n/-v/--line-numbers variants, ip addr/-br/ifconfig, brctl show, ip route/rule, route -n,
// conntrack -L and /proc/net/nf_conntrack, tcpdump and tshark one-line summaries) and err on the
// side of calling a line data: a false "data" makes natlens explain a line, a false "not data"
// would hide a loss.

export type DataCategory = 'rule' | 'address' | 'route' | 'conntrack' | 'packet';

export const DATA_CATEGORIES: readonly DataCategory[] = ['rule', 'address', 'route', 'conntrack', 'packet'];

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;
/** An IPv6 address: hex groups with at least two colons (so no IPv4, no time of day, no MAC with its five). */
const IPV6 = String.raw`(?:(?=[0-9a-fA-F:.]*::|(?:[0-9a-fA-F]{1,4}:){7})[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){1,7}(?::\d{1,3}(?:\.\d{1,3}){3})?|::ffff:\d{1,3}(?:\.\d{1,3}){3})`;
const PROTOCOLS = String.raw`(?:all|tcp|udp|udplite|icmp|icmpv6|ipv6-icmp|sctp|esp|ah|gre|\d{1,3})`;

interface Shape {
  readonly category: DataCategory;
  readonly name: string;
  readonly test: RegExp;
}

const SHAPES: readonly Shape[] = [
  // iptables-save / iptables -S: appended rules, policies, chain creation, save-format chain headers.
  { category: 'rule', name: 'save rule', test: /^-[AIPN] \S+/ },
  { category: 'rule', name: 'save chain header', test: /^:[\w.-]+ (?:ACCEPT|DROP|RETURN|-) \[\d+:\d+\]/ },
  // iptables -L: a chain header that states a policy, and any rule row — target, prot, opt, source —
  // wherever it sits on the line (terminal wrapping can glue a row to the header line before it).
  { category: 'rule', name: 'listing policy', test: /^Chain \S+ \(policy (?:ACCEPT|DROP)/ },
  { category: 'rule', name: 'listing row', test: new RegExp(String.raw`(?:^|\s)[A-Za-z][\w.-]*\s+${PROTOCOLS}\s+(?:--|-f|!f)\s+!?\S+`) },
  // Addresses and the interfaces that hold them.
  { category: 'address', name: 'ip addr inet', test: /^inet6? [0-9a-fA-F:.]+\/\d+/ },
  { category: 'address', name: 'ip link header', test: /^\d+: [^\s:]+(?:@\S+)?: <[A-Z_,-]*>/ },
  { category: 'address', name: 'ip -br addr', test: new RegExp(String.raw`^\S+\s+(?:UP|DOWN|UNKNOWN|LOWERLAYERDOWN|DORMANT)\s+(?:${IPV4}/\d+|[0-9a-f:]+/\d+)`) },
  { category: 'address', name: 'ifconfig inet', test: new RegExp(String.raw`^inet6? (?:addr: ?)?(?:${IPV4}|[0-9a-fA-F:]+(?:%\S+)?)\s+(?:netmask|Bcast|Mask|prefixlen|-->)`) },
  { category: 'address', name: 'ifconfig header', test: /^[\w.@-]+:? (?:flags=\d+<|\s*Link encap:)/ },
  { category: 'address', name: 'brctl bridge', test: /^\S+\s+[0-9a-f]{4}\.[0-9a-f]{12}\s+(?:yes|no)\b/ },
  { category: 'route', name: 'ip route', test: new RegExp(String.raw`^(?:(?:unicast|local|broadcast|multicast|blackhole|unreachable|prohibit|throw)\s+)?(?:default|${IPV4}(?:/\d{1,2})?)\s+(?:via|dev|proto|scope|metric|src|table|onlink)\b`) },
  { category: 'route', name: 'ip route type only', test: new RegExp(String.raw`^(?:blackhole|unreachable|prohibit|throw)\s+(?:default|${IPV4}(?:/\d{1,2})?)`) },
  { category: 'route', name: 'ip -6 route', test: new RegExp(String.raw`^(?:(?:unicast|local|broadcast|multicast|anycast|blackhole|unreachable|prohibit|throw)\s+)?(?:default|${IPV6}(?:/\d{1,3})?)\s+(?:via|dev|from|proto|metric|table|expires|pref)\b`) },
  { category: 'route', name: 'route -6 -n', test: new RegExp(String.raw`^${IPV6}/\d{1,3}\s+${IPV6}\s+[UGHRDMACef!n]+\s+\d+\s+\d+\s+\d+\s+\S+$`) },
  { category: 'route', name: 'ip rule', test: /^\d+:\s+(?:not\s+)?from\s+\S+/ },
  { category: 'route', name: 'route -n', test: new RegExp(String.raw`^${IPV4}\s+${IPV4}\s+${IPV4}\s+[UGHRDMAC!]+\s+\d+`) },
  { category: 'conntrack', name: 'conntrack entry', test: /^(?:ipv[46]\s+\d+\s+)?(?:tcp|udp|udplite|icmp|icmpv6|sctp|dccp|gre|unknown)\s+\d+\s+\d+\s+.*\bsrc=\S+\s+dst=\S+/ },
  // conntrack -E: an event tag, then the entry (a DESTROY event prints no timeout).
  { category: 'conntrack', name: 'conntrack event', test: /^\[(?:NEW|UPDATE|DESTROY)\]\s+(?:ipv[46]\s+\d+\s+)?[a-z]+\s+\d+\s+.*\bsrc=\S+\s+dst=\S+/ },
  { category: 'packet', name: 'tcpdump', test: /^(?:\d{4}-\d\d-\d\d )?\d{2}:\d{2}:\d{2}\.\d{6}\s+\S/ },
  // tcpdump -t (or a paste that lost the times): `IP 10.11.0.5.37273 > 10.220.254.1.443: Flags [S], ...`.
  { category: 'packet', name: 'tcpdump without time', test: /^IP6? \S+ > \S+: / },
  { category: 'packet', name: 'tshark summary', test: /^\d+\s+[\d.]+\s+\S+\s+(?:->|→)\s+/ },
];

/** What Markdown and terminals wrap around a captured line, removed before the line is judged. */
export function unwrapLine(raw: string): string {
  let line = raw.replace(/\r$/, '');
  for (;;) {
    const next = line.replace(/^\s*>\s?/, '');
    if (next === line) break;
    line = next;
  }
  return line.trim();
}

export function classifyLine(raw: string): { category: DataCategory; shape: string } | null {
  const line = unwrapLine(raw);
  if (line === '') return null;
  for (const shape of SHAPES) {
    if (shape.test.test(line)) return { category: shape.category, shape: shape.name };
  }
  return null;
}

export interface DataLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly category: DataCategory;
  readonly shape: string;
}

/** `brctl show` port names on continuation lines are bridge membership: data of the same bridge. */
const BRCTL_CONTINUATION = /^\s{24,}[\w.@-]+\s*$/;
const BRCTL_HEADER = /^\s*bridge name\s+bridge id\s+STP enabled\s+interfaces/;

export function dataLines(text: string): DataLine[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out: DataLine[] = [];
  let inBrctl = false;
  lines.forEach((raw, i) => {
    if (BRCTL_HEADER.test(raw)) inBrctl = true;
    const hit = classifyLine(raw);
    if (hit) {
      out.push({ line: i + 1, ...hit });
      return;
    }
    if (inBrctl && BRCTL_CONTINUATION.test(raw)) {
      out.push({ line: i + 1, category: 'address', shape: 'brctl port' });
      return;
    }
    if (unwrapLine(raw) === '' || /^```/.test(unwrapLine(raw))) inBrctl = false;
  });
  return out;
}
