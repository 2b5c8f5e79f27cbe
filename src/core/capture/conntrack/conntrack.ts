/** `conntrack -L` (plain, `-o extended`, `-o timestamp`, `-E` events) and `/proc/net/nf_conntrack`. */
import { CaptureError, clipText } from '../capture-error';
import { familyOfAddress, isIpAddress } from '../../common/ip';
import { leadingLines } from '../leading-lines';
import type { CaptureNote, ConntrackEntry, ConntrackTuple, ParsedCapture } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type ConntrackCapture = Extract<ParsedCapture, { kind: 'conntrack' }>;

/** conntrack-tools prints its summary on stderr, so it lands anywhere in a pasted output, sometimes glued to an entry. */
const TOOL_BANNER = /^conntrack v[\d.]+ \(conntrack-tools\):\s*/;
/** The banner with its first letters clipped by a paste (`onntrack v1.4.3 (conntrack-tools): 364 flow entries...`). */
const CLIPPED_BANNER = /^[a-z]{0,9} v[\d.]+ \(conntrack-tools\):\s*/;
/** The name conntrack-tools prints for each layer-4 protocol the kernel tracks; any other (or one whose tracker is not loaded) is `unknown`. */
const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'icmp'], [6, 'tcp'], [17, 'udp'], [33, 'dccp'], [47, 'gre'], [58, 'icmpv6'], [132, 'sctp'], [136, 'udplite'],
]);
const SUMMARY = /^(\d+) flow entries have been shown\.\s*$/;
const FAMILIES = new Set(['ipv4', 'ipv6']);
/** An address a poster replaced by placeholders: `dst=xxx.xxx.xxx.xxx`, `src=x.x.x.x`, `src=yyy.yyy.yyy.yyy`. */
const REDACTED_ADDRESS = /\b(?:src|dst)=((?:[xyzXYZ*#]{1,3}\.){3}[xyzXYZ*#]{1,3}|[xX]{4,})(?=\s|$)/;
const ENTRY_HEAD = /^(?:\[[^\]]*\]\s+)*(?:ipv[46]\s+\d+\s+)?[a-z][a-z0-9-]*\s+\d+\s/;
const TUPLE_KEYS = new Set(['src', 'dst', 'sport', 'dport', 'type', 'code', 'id', 'packets', 'bytes']);

export function parseConntrack(input: TextInput): ConntrackCapture {
  const entries: ConntrackEntry[] = [];
  const { warnings } = readConntrack(input, (entry) => entries.push(entry));
  return warnings.length > 0 ? { kind: 'conntrack', entries, takenAt: null, warnings } : { kind: 'conntrack', entries, takenAt: null };
}

/** What readConntrack found beside the entries it handed on. */
export interface ConntrackSummary {
  entries: number;
  warnings: CaptureNote[];
}

/**
 * Hands each entry to `sink` as its line is read, so a table of a busy node (10^5-10^6 entries) is never held
 * whole; throws CaptureError at the first line that is not an entry (the caller's transaction drops what it stored).
 */
export function readConntrack(input: TextInput, sink: (entry: ConntrackEntry) => void): ConntrackSummary {
  let count = 0;
  const warnings: CaptureNote[] = [];
  let emptyTableShown = false;
  let redactedLines = 0;
  for (const { line, text } of linesOf(input)) {
    let body = text.trim();
    if (body === '') continue;
    const banner = TOOL_BANNER.exec(body) ?? CLIPPED_BANNER.exec(body);
    if (banner) body = body.slice(banner[0].length);
    const summary = SUMMARY.exec(body);
    if (summary) {
      if (summary[1] === '0') emptyTableShown = true;
      continue;
    }
    if (body === '') continue;
    const redacted = REDACTED_ADDRESS.exec(body);
    if (redacted) {
      redactedLines++;
      warnings.push({ line, message: `the address ${redacted[1]} was blanked out by whoever posted it: entry skipped` });
      continue;
    }
    const entry = entryFromLine(body, line, (reason) => { throw new CaptureError({ file: input.file, line }, reason); });
    const named = PROTOCOL_NAMES.get(entry.protoNumber);
    if (named !== undefined && named !== entry.proto && entry.proto !== 'unknown') {
      // conntrack prints the name from the number: a name that is not the number's was cut short by the paste.
      warnings.push({ line, message: `protocol "${entry.proto}" is not what conntrack prints for protocol ${entry.protoNumber}: read as ${named} (the line's start looks clipped)` });
      entry.proto = named;
    }
    sink(entry);
    count++;
  }
  if (count === 0 && !emptyTableShown) {
    const why = redactedLines > 0 ? `no conntrack entry left: every one of the ${redactedLines} entries has an address blanked out (xxx.xxx.xxx.xxx)` : 'no conntrack entry found';
    throw new CaptureError({ file: input.file, line: input.firstLine }, why);
  }
  return { entries: count, warnings };
}

function emptyTuple(): ConntrackTuple {
  return { src: '', dst: '', sport: null, dport: null, icmp: null, packets: null, bytes: null };
}

function entryFromLine(body: string, line: number, fail: (reason: string) => never): ConntrackEntry {
  // Judge the head before splitting, so a huge line that is not an entry fails at once.
  if (!ENTRY_HEAD.test(body.slice(0, 200))) fail(`not a conntrack entry: "${clipText(body)}"`);
  const tokens = body.split(/\s+/);
  let i = 0;
  // `-o timestamp` / `-E` prefixes: `[1700000000.123456]`, `[NEW]`, `[DESTROY]`.
  while (i < tokens.length && /^\[[^\]=]*\]$/.test(tokens[i] ?? '')) i++;
  let family: 'ipv4' | 'ipv6' | null = null;
  if (FAMILIES.has(tokens[i] ?? '')) {
    family = tokens[i] as 'ipv4' | 'ipv6';
    if (!/^\d+$/.test(tokens[i + 1] ?? '')) fail(`expected the l3 protocol number after "${family}"`);
    i += 2;
  }
  const proto = tokens[i] ?? '';
  const protoNumber = tokens[i + 1] ?? '';
  if (!/^[a-z][a-z0-9-]*$/.test(proto) || !/^\d+$/.test(protoNumber)) fail(`not a conntrack entry: "${clipText(body)}"`);
  const protoValue = integer(protoNumber, 'protocol number', fail, U8);
  i += 2;
  let timeout: number | null = null;
  if (/^\d+$/.test(tokens[i] ?? '')) timeout = integer(tokens[i++] ?? '', 'timeout', fail, U32);
  let state: string | null = null;
  if (/^[A-Z][A-Z0-9_]*$/.test(tokens[i] ?? '')) state = tokens[i++] ?? null;

  const original = emptyTuple();
  const reply = emptyTuple();
  let tuple: ConntrackTuple | null = null;
  let tuples = 0;
  let trailer = false;
  const entry: ConntrackEntry = {
    family: family ?? 'ipv4', proto, protoNumber: protoValue, timeout, state, original, reply,
    unreplied: false, assured: false, mark: null, zone: null, use: null, flags: [], line,
  };
  for (; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (token.startsWith('[')) {
      if (!token.endsWith(']')) fail(`unclosed flag "${clipText(token)}"`);
      const flag = token.slice(1, -1);
      if (flag === 'UNREPLIED') entry.unreplied = true;
      else if (flag === 'ASSURED') entry.assured = true;
      else if (!flag.includes('=')) entry.flags.push(flag); // OFFLOAD, HW_OFFLOAD...; `[start=...]` times are dropped
      if (tuples === 2) trailer = true;
      continue;
    }
    const eq = token.indexOf('=');
    if (eq <= 0) fail(`unexpected "${clipText(token)}" in conntrack entry`);
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    if (key === 'src' && !trailer) {
      tuples++;
      if (tuples > 2) fail('more than two tuples in one conntrack entry');
      tuple = tuples === 1 ? original : reply;
    }
    if (tuple && !trailer && TUPLE_KEYS.has(key)) {
      readTupleValue(tuple, key, value, fail);
      continue;
    }
    // Anything else ends the tuples: mark, zone, use, secctx, labels, delta-time, conntrack id...
    if (tuples > 0) trailer = tuples === 2 || trailer;
    switch (key) {
      case 'mark': entry.mark = integer(value, key, fail, U32); break;
      case 'zone': entry.zone = integer(value, key, fail, U16); break;
      case 'use': entry.use = integer(value, key, fail); break;
      default: break;
    }
  }
  if (tuples < 2) fail('conntrack entry without its reply tuple');
  if (original.src === '' || original.dst === '' || reply.src === '' || reply.dst === '') fail('conntrack tuple without src and dst');
  if (family === null) entry.family = familyOfAddress(original.src);
  sameFamily(entry.family, original.src, fail);
  sameFamily(entry.family, original.dst, fail);
  sameFamily(entry.family, reply.src, fail);
  sameFamily(entry.family, reply.dst, fail);
  return entry;
}

function sameFamily(family: 'ipv4' | 'ipv6', address: string, fail: (reason: string) => never): void {
  const own = familyOfAddress(address);
  if (own !== family) fail(`${own} address ${address} in an ${family} entry`);
}

function readTupleValue(tuple: ConntrackTuple, key: string, value: string, fail: (reason: string) => never): void {
  switch (key) {
    case 'src':
    case 'dst':
      if (!isIpAddress(value)) fail(`not an address: ${key}=${clipText(value)}`);
      tuple[key] = value;
      return;
    case 'sport':
    case 'dport':
      tuple[key] = integer(value, key, fail, U16);
      return;
    case 'packets':
    case 'bytes':
      tuple[key] = integer(value, key, fail);
      return;
    case 'type':
    case 'code':
    case 'id': {
      const icmp = tuple.icmp ?? { type: 0, code: 0, id: 0 };
      icmp[key] = integer(value, key, fail, key === 'id' ? U16 : U8);
      tuple.icmp = icmp;
      return;
    }
    default:
      return;
  }
}

const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffff_ffff;

/** A decimal field no wider than `max` (ports and ids 16 bits, ICMP type/code and protocols 8, marks 32); counters are 64-bit. */
function integer(value: string, key: string, fail: (reason: string) => never, max: number | null = null): number {
  // /^\d{1,20}$/, without a regexp: six of these a line on tables of 10^5-10^6 lines.
  const digits = value.length;
  if (digits === 0 || digits > 20) fail(`not a number: ${key}=${clipText(value)}`);
  for (let i = 0; i < digits; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) fail(`not a number: ${key}=${clipText(value)}`);
  }
  const n = Number(value);
  if (max !== null && n > max) fail(`${key}=${clipText(value)} out of range 0..${max}`);
  return n;
}

/** An entry (`tcp 6 ... src=`, `ipv4 2 tcp 6 ...`) or the conntrack-tools banner among the first lines. */
export function looksLikeConntrack(text: string): boolean {
  const lines = leadingLines(text, 3);
  return lines.some((l) => {
    const body = l.trim();
    if (TOOL_BANNER.test(body)) return true;
    return ENTRY_HEAD.test(body.slice(0, 200)) && /\ssrc=/.test(body.slice(0, 200));
  });
}
