/**
 * The only list of capture kinds and their detectors: which parser reads a text, decided from its
 * content (the command that printed it only breaks ties), and the dispatch to that parser.
 */
import { assertNever } from '../common/assert-never';
import { withoutAsideLines } from './aside-lines';
import { CaptureError } from './capture-error';
import type { CaptureUnit, SplitResult } from './capture-unit';
import { analyseCommand } from './command';
import { looksLikeBridge, parseBridge } from './bridge';
import { looksLikeConntrack, parseConntrack } from './conntrack';
import { looksLikeIfconfig, parseIfconfig } from './ifconfig';
import { looksLikeIpAddr, parseIpAddr } from './ip-addr';
import { looksLikeIpRoute, parseIpRoute } from './ip-route';
import { parseIptablesList } from './iptables-list';
import { parseIptablesSave } from './iptables-save';
import { looksLikeIptablesList, looksLikeIptablesSave } from './iptables-sniff';
import { looksLikeKubectl, parseKubectl } from './kubectl';
import type { CaptureKind, PacketCaptureSummary, PacketSink, ParsedCapture } from './records';
import { looksLikeRouteTable, parseRouteTable } from './route-table';
import { looksLikeTcpdumpText, parseTcpdumpText } from './tcpdump-text';
import type { TextInput } from './text-input';
import { looksLikeTsharkText, parseTsharkText } from './tshark-text';
import { splitText } from './transcript';
import { tidySplit } from './tidy-split';

type TextKind = Exclude<CaptureKind, 'pcap'>;

/**
 * Content sniffs, in the order ties are broken when the command gives no hint. A Record so that a
 * new kind does not build until it has a detector here.
 */
const DETECTORS: Readonly<Record<TextKind, (head: string) => boolean>> = {
  'iptables-save': looksLikeIptablesSave,
  'iptables-list': looksLikeIptablesList,
  'ip-addr': (head) => looksLikeIpAddr(head) || looksLikeIfconfig(head),
  'ip-route': looksLikeIpRoute,
  'route-table': looksLikeRouteTable,
  conntrack: looksLikeConntrack,
  bridge: looksLikeBridge,
  kubectl: looksLikeKubectl,
  'tcpdump-text': (head) => looksLikeTcpdumpText(head) || looksLikeTsharkText(head),
};

const DETECTION_ORDER = Object.keys(DETECTORS) as TextKind[];

/** Sniffs look at the start of a text only: the same cost for 10 MB as for 1 KB. */
const SNIFF_CHARS = 65_536;

/** The kind of a text capture, from its content; `command` (the line that printed it) only breaks ties. */
export function detectCaptureKind(text: string, command?: string | null): CaptureKind | null {
  const head = withoutAsideLines(text.length > SNIFF_CHARS ? text.slice(0, SNIFF_CHARS) : text);
  const candidates = DETECTION_ORDER.filter((kind) => DETECTORS[kind](head));
  if (candidates.length === 0) return null;
  if (candidates.length > 1 && command) {
    const hint = analyseCommand(command).kindHint;
    if (hint !== null && (candidates as CaptureKind[]).includes(hint)) return hint;
  }
  return candidates[0]!;
}

/**
 * One capture when the whole text is one; otherwise the captures of a transcript or Markdown document,
 * tidied (tidy-split.ts): elisions and stray messages set aside, route lookups kept as text.
 */
export function splitTextCapture(input: TextInput): SplitResult {
  return tidySplit(input, splitText(input, (text, command) => detectCaptureKind(text, command)));
}

/** Parses a non-packet unit; throws CaptureError when its parser cannot read it. */
export function parseCaptureUnit(unit: CaptureUnit): ParsedCapture {
  const kind = unit.kind;
  switch (kind) {
    case 'iptables-save':
      return parseIptablesSave(unit.input, { fragment: unit.partial, excerpt: unit.elided === true });
    case 'iptables-list':
      return parseIptablesList(unit.input, unit.table === null ? { partial: unit.partial } : { partial: unit.partial, table: unit.table });
    case 'ip-addr':
      return looksLikeIpAddr(unit.input.text) || !looksLikeIfconfig(unit.input.text) ? parseIpAddr(unit.input) : parseIfconfig(unit.input);
    case 'ip-route':
      return parseIpRoute(unit.input);
    case 'route-table':
      return parseRouteTable(unit.input);
    case 'conntrack':
      return parseConntrack(unit.input);
    case 'bridge':
      return parseBridge(unit.input);
    case 'kubectl':
      return parseKubectl(unit.input);
    case 'tcpdump-text':
    case 'pcap':
      throw new CaptureError({ file: unit.file, line: unit.firstLine }, `${kind} is a packet capture: read it with parseTcpdumpUnit`);
    default:
      return assertNever(kind);
  }
}

/** Streams the packets of a tcpdump-text unit into `sink`. */
export function parseTcpdumpUnit(unit: CaptureUnit, sink: PacketSink): PacketCaptureSummary {
  if (unit.kind !== 'tcpdump-text') {
    throw new CaptureError({ file: unit.file, line: unit.firstLine }, `${unit.kind} is not tcpdump text`);
  }
  // tshark's one-line summary is packets too; tcpdump's own form wins where both could read it.
  if (!looksLikeTcpdumpText(unit.input.text) && looksLikeTsharkText(unit.input.text)) return parseTsharkText(unit.input, sink);
  return parseTcpdumpText(unit.input, sink);
}
