/**
 * The only list of capture kinds and their detectors: which parser reads a text, decided from its
 * content (the command that printed it only breaks ties), and the dispatch to that parser.
 */
import { assertNever } from '../common/assert-never';
import { setAsideLines, withoutAsideLines } from './aside-lines';
import { CaptureError } from './capture-error';
import type { CaptureUnit, SplitResult, TextBlock } from './capture-unit';
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
import { isRouteLookup, isRouteLookupCommand, looksLikeRouteLookup } from './route-lookup';
import { looksLikeRouteTable, parseRouteTable } from './route-table';
import { looksLikeTcpdumpText, parseTcpdumpText } from './tcpdump-text';
import type { TextInput } from './text-input';
import { splitText } from './transcript';

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
  'tcpdump-text': looksLikeTcpdumpText,
};

const DETECTION_ORDER = Object.keys(DETECTORS) as TextKind[];

const ROUTE_LOOKUP = 'a route lookup result (`ip route get`), not the route table';

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
 * One capture when the whole text is one; otherwise the captures of a transcript or Markdown document.
 * Each unit comes with its elisions and stray messages set aside (aside-lines.ts), each named in a warning.
 */
export function splitTextCapture(input: TextInput): SplitResult {
  const split = splitText(input, (text, command) => detectCaptureKind(text, command));
  const warnings = [...split.warnings];
  const kept: TextBlock[] = [];
  const lookup = (block: TextBlock): TextBlock => {
    warnings.push({ file: block.file, line: block.firstLine, message: `${ROUTE_LOOKUP}: kept as text` });
    return { ...block, reason: ROUTE_LOOKUP };
  };
  // One lookup's answer is not routes of a table: kept as text (with a warning naming it), so the table gets no route it lacks.
  let lines: string[] | null = null;
  for (const block of split.kept) {
    const text = (): string => (lines ??= input.text.split(/\r\n|\r|\n/)).slice(block.firstLine - input.firstLine, block.lastLine - input.firstLine + 1).join('\n');
    const isLookup = (block.command !== null && isRouteLookupCommand(block.command)) || (block.lastLine - block.firstLine < 64 && looksLikeRouteLookup(text()));
    kept.push(isLookup ? lookup(block) : block);
  }
  const units: CaptureUnit[] = [];
  for (const unit of split.units) {
    if (isRouteLookup(unit)) {
      kept.push(lookup({ node: unit.node, file: unit.file, firstLine: unit.firstLine, lastLine: unit.lastLine, command: unit.command, reason: '' }));
      continue;
    }
    const aside = setAsideLines(unit);
    warnings.push(...aside.warnings);
    units.push(aside.unit);
  }
  warnings.sort((a, b) => a.line - b.line);
  kept.sort((a, b) => a.firstLine - b.firstLine);
  return { units, kept, warnings };
}

/** Parses a non-packet unit; throws CaptureError when its parser cannot read it. */
export function parseCaptureUnit(unit: CaptureUnit): ParsedCapture {
  const kind = unit.kind;
  switch (kind) {
    case 'iptables-save':
      return parseIptablesSave(unit.input, { partial: unit.partial });
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
  return parseTcpdumpText(unit.input, sink);
}
