/** Text mutations of real captures: byte damage, line surgery, truncation, splices, hostile tokens, line-ending mixes. */
import type { Random } from './prng';

/** Characters that break parsers: NUL, 0xFF, line breaks, quotes, negation, option dashes, separators, digits. */
const SPECIAL_CHARS = [
  '\0', '\xff', '\r', '\n', '"', "'", '!', '-', '/', ':', '.', ',', '=', '[', ']', '(', ')', '<', '>', '\\',
  '#', '*', '%', '@', ' ', '\t', '0', '1', '5', '9', '\u00a0', '\ufffd', '\u2026',
];

/** Option names and keywords of every format read, so that mutations reach past the first check of a line. */
const VOCABULARY = [
  // iptables
  '-A', '-I', '-N', '-P', '-j', '-g', '-m', '-p', '-s', '-d', '-i', '-o', '!', '-f', '--dport', '--sport', '--dports',
  '--sports', '--to-destination', '--to-source', '--to-ports', '--to', '--set-xmark', '--set-mark', '--mark',
  '--comment', '--ctstate', '--state', '--probability', '--every', '--packet', '--mode', '--tcp-flags',
  '--icmp-type', '--match-set', '--physdev-in', '--physdev-is-bridged', '--rcheck', '--seconds', '--hitcount',
  '--reject-with', '--log-prefix', '--random-fully', '--dst-type', '--src-type', '--limit-iface-in', '-c',
  'comment', 'multiport', 'conntrack', 'statistic', 'recent', 'addrtype', 'mark', 'MASQUERADE', 'DNAT', 'SNAT',
  'REJECT', 'ACCEPT', 'DROP', 'RETURN', 'KUBE-SERVICES', 'COMMIT', '*nat', '*filter', ':KUBE-X - [0:0]',
  'Chain', '(policy', 'references)', 'dpt:', 'spt:', 'dpts:', 'to:', '/*', '*/', 'ctstate', 'NEW', 'tcp', 'udp',
  // iproute2, net-tools, bridge
  'via', 'dev', 'src', 'metric', 'table', 'scope', 'proto', 'nexthop', 'weight', 'inet', 'inet6', 'link/ether',
  'brd', 'peer', 'mtu', 'master', 'state', 'qdisc', 'default', 'local', 'blackhole', 'prefixlen', 'netmask',
  'broadcast', 'flags=4163<UP,RUNNING>', 'Link', 'encap:Ethernet', 'addr:', 'Mask:', 'Bcast:', 'Kernel',
  'Destination', 'Gateway', 'Genmask', 'UG', '!H',
  // conntrack, kubectl, tcpdump
  'src=', 'dst=', 'sport=', 'dport=', 'type=', 'code=', 'id=', 'mark=', 'zone=', 'use=', '[ASSURED]', '[UNREPLIED',
  'ipv4', 'ipv6', 'ESTABLISHED', 'NAME', 'AGE', 'CLUSTER-IP', 'PORT(S)', 'ClusterIP', '80:30000/TCP', '<none>',
  'IP', 'IP6', 'ARP,', 'Flags', '[S.],', 'seq', 'ack', 'win', 'length', '>', 'ethertype', 'vlan', 'In', 'Out',
  'ICMP', 'echo', 'request,', 'UDP,', 'ttl', 'frag',
];

/** Values that overflow, go negative, or are addresses in the wrong place. */
const HOSTILE_VALUES = [
  '99999999999999999999', '9'.repeat(400), '-1', '-0', '0', '65535', '65536', '70000', '99999', '4294967295',
  '4294967296', '0x', '0xffffffffff', '1e309', 'NaN', 'Infinity', '007', '08', '::', ':::', '::1', '::/0', '::/129',
  'fe80::1%eth0', '1.2.3.4.5', '256.1.1.1', '10.0.0.0/40', '10.0.0.1/33', '10.0.0.1/-1', '0.0.0.0/0',
  '255.255.0.255', '[::1]:80', '1.2.3.4:99999', '1.2.3.4:0-70000', '""', '"', "'", '\\', '${x}', '', ' ',
];

const NUMBER_REPLACEMENTS = ['99999999999999999999', '-1', '65536', '70000', '4294967296', '9'.repeat(40), '0', '00', '1.5', '-0', '1e3'];

export interface Mutation {
  text: string;
  /** What was done, for the failure report. */
  ops: string[];
}

type Operator = (text: string, rnd: Random, donors: readonly string[]) => { text: string; op: string };

function lineSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      spans.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < text.length) spans.push([start, text.length]);
  return spans;
}

/** Start offsets of whitespace-separated tokens (at most a few thousand looked at). */
function tokenStarts(text: string, rnd: Random): number[] {
  const starts: number[] = [];
  // Look at a window, not the whole text: mutating a 100 KB dump must stay cheap.
  const from = text.length > 4000 ? rnd.int(text.length - 4000) : 0;
  const to = Math.min(text.length, from + 4000);
  for (let i = from; i < to; i++) {
    if ((i === 0 || isBreak(text.charCodeAt(i - 1))) && !isBreak(text.charCodeAt(i))) starts.push(i);
  }
  return starts;
}

function isBreak(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function tokenEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && !isBreak(text.charCodeAt(i))) i++;
  return i;
}

const OPERATORS: ReadonlyArray<readonly [string, Operator]> = [
  ['bit flip', (text, rnd) => {
    if (text === '') return { text, op: 'bit flip (empty)' };
    const at = rnd.int(text.length);
    const bit = rnd.int(8);
    return { text: text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << bit)) + text.slice(at + 1), op: `flip bit ${bit} at ${at}` };
  }],
  ['substitute', (text, rnd) => {
    const at = rnd.int(text.length + 1);
    const c = rnd.pick(SPECIAL_CHARS);
    return { text: text.slice(0, at) + c + text.slice(at + 1), op: `put ${JSON.stringify(c)} at ${at}` };
  }],
  ['delete line', (text, rnd) => {
    const spans = lineSpans(text);
    if (spans.length === 0) return { text, op: 'delete line (none)' };
    const i = rnd.int(spans.length);
    const [a, b] = spans[i] as [number, number];
    return { text: text.slice(0, a) + text.slice(b), op: `delete line ${i + 1}` };
  }],
  ['duplicate line', (text, rnd) => {
    const spans = lineSpans(text);
    if (spans.length === 0) return { text, op: 'duplicate line (none)' };
    const i = rnd.int(spans.length);
    const [a, b] = spans[i] as [number, number];
    const line = text.slice(a, b);
    return { text: text.slice(0, b) + (/[\r\n]$/.test(line) ? line : `\n${line}`) + text.slice(b), op: `duplicate line ${i + 1}` };
  }],
  ['swap lines', (text, rnd) => {
    const spans = lineSpans(text);
    if (spans.length < 2) return { text, op: 'swap lines (too few)' };
    let i = rnd.int(spans.length);
    let j = rnd.int(spans.length);
    if (i === j) return { text, op: 'swap lines (same)' };
    if (i > j) [i, j] = [j, i];
    const [a1, b1] = spans[i] as [number, number];
    const [a2, b2] = spans[j] as [number, number];
    const l1 = text.slice(a1, b1).replace(/[\r\n]+$/, '');
    const l2 = text.slice(a2, b2).replace(/[\r\n]+$/, '');
    const end1 = text.slice(a1, b1).slice(l1.length);
    const end2 = text.slice(a2, b2).slice(l2.length);
    return { text: text.slice(0, a1) + l2 + end1 + text.slice(b1, a2) + l1 + end2 + text.slice(b2), op: `swap lines ${i + 1} and ${j + 1}` };
  }],
  ['truncate', (text, rnd) => {
    const at = rnd.int(text.length + 1);
    return { text: text.slice(0, at), op: `truncate at ${at}` };
  }],
  ['splice', (text, rnd, donors) => {
    const other = rnd.pick(donors);
    const cut = rnd.int(text.length + 1);
    const from = rnd.int(other.length + 1);
    const to = from + rnd.int(Math.min(4000, other.length - from) + 1);
    return { text: text.slice(0, cut) + other.slice(from, to) + text.slice(cut + (rnd.chance(0.5) ? 0 : to - from)), op: `splice ${to - from} chars of another input at ${cut}` };
  }],
  ['insert token', (text, rnd) => {
    const starts = tokenStarts(text, rnd);
    const at = starts.length > 0 ? rnd.pick(starts) : rnd.int(text.length + 1);
    const token = rnd.chance(0.5) ? rnd.pick(VOCABULARY) : rnd.pick(HOSTILE_VALUES);
    return { text: `${text.slice(0, at)}${token} ${text.slice(at)}`, op: `insert ${JSON.stringify(token)} at ${at}` };
  }],
  ['replace token', (text, rnd) => {
    const starts = tokenStarts(text, rnd);
    if (starts.length === 0) return { text, op: 'replace token (none)' };
    const at = rnd.pick(starts);
    const end = tokenEnd(text, at);
    const token = rnd.chance(0.6) ? rnd.pick(HOSTILE_VALUES) : rnd.pick(VOCABULARY);
    return { text: text.slice(0, at) + token + text.slice(end), op: `replace ${JSON.stringify(text.slice(at, Math.min(end, at + 40)))} at ${at} with ${JSON.stringify(token)}` };
  }],
  ['replace number', (text, rnd) => {
    const from = text.length > 4000 ? rnd.int(text.length - 4000) : 0;
    const window = text.slice(from, from + 4000);
    const runs = [...window.matchAll(/\d+/g)];
    if (runs.length === 0) return { text, op: 'replace number (none)' };
    const run = rnd.pick(runs);
    const at = from + (run.index ?? 0);
    const value = rnd.pick(NUMBER_REPLACEMENTS);
    return { text: text.slice(0, at) + value + text.slice(at + run[0].length), op: `replace number ${run[0]} at ${at} with ${value}` };
  }],
  ['line endings', (text, rnd) => {
    const style = rnd.pick(['\r\n', '\r', 'mixed'] as const);
    let k = 0;
    const out = text.replace(/\r\n|\r|\n/g, () => (style === 'mixed' ? ['\n', '\r\n', '\r'][k++ % 3] as string : style));
    return { text: out, op: `line endings ${JSON.stringify(style)}` };
  }],
];

/** One to three mutations of `text`; `donors` are other real inputs for splices. */
export function mutate(text: string, rnd: Random, donors: readonly string[]): Mutation {
  let out = text;
  const ops: string[] = [];
  const count = 1 + rnd.int(3);
  for (let i = 0; i < count; i++) {
    const [, operator] = rnd.pick(OPERATORS);
    const step = operator(out, rnd, donors);
    out = step.text;
    ops.push(step.op);
  }
  return { text: out, ops };
}

/**
 * About `size` characters more of one thing: a token of the input (mutated or not) repeated into one long
 * line, or one of its lines (or a blank one) repeated over many lines. These are the shapes that expose a
 * regex or a scan that is quadratic in the length of a line or in the number of lines.
 */
export function enlarge(text: string, rnd: Random, size: number): Mutation {
  return rnd.chance(0.5) ? longLine(text, rnd, size) : manyLines(text, rnd, size);
}

function longLine(text: string, rnd: Random, size: number): Mutation {
  const starts = tokenStarts(text, rnd);
  const at = starts.length > 0 ? rnd.pick(starts) : 0;
  const end = Math.max(at + 1, tokenEnd(text, at));
  let token = text.slice(at, end) || 'x';
  if (rnd.chance(0.5)) token = mutate(token, rnd, [token]).text || token;
  const separator = rnd.pick(['', ' ', ',', ':', '.', '\t']);
  const unit = token + separator;
  const repeated = unit.repeat(Math.ceil(size / Math.max(1, unit.length))).slice(0, size);
  // The run replaces the token, so the line keeps its real head and the parser reads on into the run.
  return {
    text: text.slice(0, at) + repeated + text.slice(end),
    ops: [`replace ${JSON.stringify(token.slice(0, 40))} at ${at} with ${size} chars of ${JSON.stringify(unit.slice(0, 40))} repeated`],
  };
}

function manyLines(text: string, rnd: Random, size: number): Mutation {
  const spans = lineSpans(text);
  const [a, b] = spans.length > 0 ? rnd.pick(spans) : [0, 0];
  let line = text.slice(a, b).replace(/[\r\n]+$/, '');
  const choice = rnd.int(4);
  if (choice === 0) line = '';
  else if (choice === 1) line = rnd.pick([' ', '\t', '   \t ']);
  else if (choice === 2) line = mutate(line, rnd, [line]).text.replace(/[\r\n]/g, ' ');
  const ending = rnd.pick(['\n', '\r\n', '\r']);
  const run = (line + ending).repeat(Math.ceil(size / (line.length + ending.length)));
  return {
    text: text.slice(0, b) + (b > 0 && !/[\r\n]$/.test(text.slice(a, b)) ? ending : '') + run + text.slice(b),
    ops: [`insert ${run.length} chars of ${JSON.stringify((line + ending).slice(0, 40))} repeated after offset ${b}`],
  };
}
