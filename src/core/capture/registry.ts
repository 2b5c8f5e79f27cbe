/**
 * The only list of capture kinds and their detectors: which parser reads a text, decided from its
 * content (the command that printed it only breaks ties), and the dispatch to that parser.
 */
import { assertNever } from '../common/assert-never';
import { withoutAsideLines } from './transcript/aside-lines';
import { CaptureError } from './capture-error';
import type { CaptureUnit, SplitResult } from './capture-unit';
import { analyseCommand, iprouteSelection } from './transcript/command';
import { looksLikeBridge, parseBridge } from './iproute/bridge';
import { looksLikeBridgeFdb, parseBridgeFdb } from './iproute/bridge-fdb';
import { looksLikeConntrack, parseConntrack, readConntrack, type ConntrackSummary } from './conntrack/conntrack';
import { looksLikeIfconfig, parseIfconfig } from './iproute/ifconfig';
import { looksLikeIpAddr, parseIpAddr } from './iproute/ip-addr';
import { looksLikeIpBrief, parseIpBrief } from './iproute/ip-brief';
import { looksLikeIpNeigh, parseIpNeigh } from './iproute/ip-neigh';
import { looksLikeIpRoute, parseIpRoute } from './iproute/ip-route';
import { looksLikeIpRule, parseIpRule } from './iproute/ip-rule';
import {
  iprouteJsonKind, parseBridgeFdbJson, parseIpAddrJson, parseIpNeighJson, parseIpRouteJson, parseIpRuleJson,
} from './iproute/iproute-json';
import { parseIptablesList } from './iptables/iptables-list';
import { parseIptablesSave } from './iptables/iptables-save';
import { parseIptablesRules } from './iptables/iptables-rules';
import { looksLikeIptablesList, looksLikeIptablesRules, looksLikeIptablesSave } from './iptables/iptables-sniff';
import { looksLikeNftRuleset } from './nft/nft-sniff';
import { parseNftRuleset } from './nft/nft-ruleset';
import { kernelLogHost, looksLikeKernelTrace, parseKernelTrace } from './kernel-trace/kernel-trace';
import { looksLikeProbe, parseProbe } from './probe/probe';
import { looksLikeHeaderlessKubectl, looksLikeKubectl, parseKubectl } from './kubectl/kubectl';
import { getCommandOf } from './kubectl/kubectl-command';
import type { CaptureKind, ConntrackEntry, PacketCaptureSummary, PacketSink, ParsedCapture } from '../records/records';
import { headerlessColumnsOf, looksLikeHeaderlessRoutes, looksLikeRouteTable, parseRouteTable } from './iproute/route-table';
import { looksLikeTcpdumpText, parseTcpdumpText } from './tcpdump-text/tcpdump-text';
import type { TextInput } from './text-input';
import { looksLikeTsharkText, parseTsharkText } from './tcpdump-text/tshark-text';
import { splitText } from './transcript/transcript';
import { bareValueKeys, looksLikeBareValues, looksLikeSysctl, parseSysctl } from './sysctl/sysctl';
import { tidySplit } from './transcript/tidy-split';

type TextKind = Exclude<CaptureKind, 'pcap'>;

/**
 * Content sniffs, in the order ties are broken when the command gives no hint. A Record so that a
 * new kind does not build until it has a detector here.
 */
const DETECTORS: Readonly<Record<TextKind, (head: string) => boolean>> = {
  'iptables-save': (head) => looksLikeIptablesSave(head) || looksLikeIptablesRules(head),
  'iptables-list': looksLikeIptablesList,
  'ip-addr': (head) => looksLikeIpAddr(head) || looksLikeIfconfig(head) || looksLikeIpBrief(head) || iprouteJsonKind(head) === 'ip-addr',
  'ip-route': (head) => looksLikeIpRoute(head) || iprouteJsonKind(head) === 'ip-route',
  'ip-rule': (head) => looksLikeIpRule(head) || iprouteJsonKind(head) === 'ip-rule',
  'ip-neigh': (head) => looksLikeIpNeigh(head) || iprouteJsonKind(head) === 'ip-neigh',
  'bridge-fdb': (head) => looksLikeBridgeFdb(head) || iprouteJsonKind(head) === 'bridge-fdb',
  'route-table': looksLikeRouteTable,
  conntrack: looksLikeConntrack,
  bridge: looksLikeBridge,
  kubectl: looksLikeKubectl,
  'tcpdump-text': (head) => looksLikeTcpdumpText(head) || looksLikeTsharkText(head),
  'kernel-trace': looksLikeKernelTrace,
  'nft-ruleset': looksLikeNftRuleset,
  sysctl: looksLikeSysctl,
  probe: looksLikeProbe,
};

const DETECTION_ORDER = Object.keys(DETECTORS) as TextKind[];

/** Sniffs look at the start of a text only: the same cost for 10 MB as for 1 KB. */
const SNIFF_CHARS = 65_536;

/** The kind of a text capture, from its content; `command` (the line that printed it) only breaks ties. */
export function detectCaptureKind(text: string, command?: string | null): CaptureKind | null {
  // A probe's output is whatever the server answered (an HTML page, a banner): its command line, not its content, tells.
  if (command && analyseCommand(command).kindHint === 'probe' && !analyseCommand(command).reshaped) return 'probe';
  const head = withoutAsideLines(text.length > SNIFF_CHARS ? text.slice(0, SNIFF_CHARS) : text);
  const candidates = DETECTION_ORDER.filter((kind) => DETECTORS[kind](head));
  // Rows greped out of a `kubectl get` or `route -n` table: the command line names their columns.
  if (candidates.length === 0) {
    const info = command ? analyseCommand(command) : null;
    // `| awk '{print $1}'` may have changed the columns the command names.
    if (info === null || info.reshaped) return null;
    if (looksLikeHeaderlessKubectl(head, getCommandOf(info.argv))) return 'kubectl';
    // `sysctl -n KEY`, `cat /proc/sys/...`: bare values whose keys the command names.
    const keys = bareValueKeys(info.argv);
    if (keys !== null && looksLikeBareValues(head, keys)) return 'sysctl';
    return looksLikeHeaderlessRoutes(head, headerlessColumnsOf(info.argv)) ? 'route-table' : null;
  }
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
  const split = tidySplit(input, splitText(input, (text, command) => detectCaptureKind(text, command)));
  return { ...split, units: split.units.map(withLoggedHost) };
}

/** A kernel log read from journalctl or syslog names its host on every line: the node, where no prompt named one. */
function withLoggedHost(unit: CaptureUnit): CaptureUnit {
  if (unit.kind !== 'kernel-trace' || unit.node !== null) return unit;
  const host = kernelLogHost(unit.input.text);
  return host === null ? unit : { ...unit, node: host };
}

/** Parses a non-packet unit; throws CaptureError when its parser cannot read it. */
export function parseCaptureUnit(unit: CaptureUnit): ParsedCapture {
  const kind = unit.kind;
  switch (kind) {
    case 'iptables-save': {
      const family = iptablesFamily(unit.command);
      // A grep of a dump keeps its `:CHAIN` lines but not its `*table` ones: rules whose table the command or they tell.
      if (looksLikeIptablesSave(unit.input.text.slice(0, SNIFF_CHARS)) && !(unit.partial && !TABLE_LINE.test(unit.input.text))) {
        return parseIptablesSave(unit.input, { fragment: unit.partial, excerpt: unit.elided === true, ...(family === undefined ? {} : { family }) });
      }
      return parseIptablesRules(unit.input, { table: unit.table, partial: unit.partial, ...(family === undefined ? {} : { family }) });
    }
    case 'iptables-list': {
      const family = iptablesFamily(unit.command);
      return parseIptablesList(unit.input, {
        partial: unit.partial, ...(unit.table === null ? {} : { table: unit.table }), ...(family === undefined ? {} : { family }),
      });
    }
    case 'ip-addr':
      return parseAddresses(unit.input);
    case 'ip-route': {
      const { table, family, dev } = iprouteSelection(unit.command);
      return isJson(unit.input.text) ? parseIpRouteJson(unit.input, { table, family, dev }) : parseIpRoute(unit.input, { table, family, dev });
    }
    case 'ip-rule': {
      const { family } = iprouteSelection(unit.command);
      return isJson(unit.input.text) ? parseIpRuleJson(unit.input, { family }) : parseIpRule(unit.input, { family });
    }
    case 'ip-neigh': {
      const { dev } = iprouteSelection(unit.command);
      return isJson(unit.input.text) ? parseIpNeighJson(unit.input, { dev }) : parseIpNeigh(unit.input, { dev });
    }
    case 'bridge-fdb': {
      const { dev } = iprouteSelection(unit.command);
      return isJson(unit.input.text) ? parseBridgeFdbJson(unit.input, { dev }) : parseBridgeFdb(unit.input, { dev });
    }
    case 'route-table': {
      const headed = looksLikeRouteTable(unit.input.text.slice(0, SNIFF_CHARS));
      return parseRouteTable(unit.input, headed || unit.command === null ? null : headerlessColumnsOf(analyseCommand(unit.command).argv));
    }
    case 'conntrack':
      return parseConntrack(unit.input);
    case 'bridge':
      return parseBridge(unit.input);
    case 'kubectl': {
      const get = unit.command === null ? null : kubectlGetOf(unit.command);
      // `kubens NS` earlier in the transcript: a get without -n lists that namespace.
      const namespace = get?.namespace ?? (get?.allNamespaces === false ? (unit.kubeNamespace ?? null) : null);
      return parseKubectl(unit.input, get === null ? null : { ...get, namespace });
    }
    case 'kernel-trace':
      return parseKernelTrace(unit.input);
    case 'nft-ruleset':
      return parseNftRuleset(unit.input, { partial: unit.partial || unit.elided === true });
    case 'sysctl':
      return parseSysctl(unit.input, unit.command === null ? null : bareValueKeys(analyseCommand(unit.command).argv));
    case 'probe':
      return parseProbe(unit.input, unit.command === null ? null : analyseCommand(unit.command).argv);
    case 'tcpdump-text':
    case 'pcap':
      throw new CaptureError({ file: unit.file, line: unit.firstLine }, `${kind} is a packet capture: read it with parseTcpdumpUnit`);
    default:
      return assertNever(kind);
  }
}

function kubectlGetOf(command: string) {
  return getCommandOf(analyseCommand(command).argv);
}

const TABLE_LINE = /^\*(?:raw|mangle|nat|filter|security)\s*$/m;

/** ip6tables* prints IPv6 rules, iptables* IPv4 ones; unknown without the command. */
function iptablesFamily(command: string | null): 'ipv4' | 'ipv6' | undefined {
  const program = command === null ? null : analyseCommand(command).program;
  if (program === null) return undefined;
  if (program.startsWith('ip6tables')) return 'ipv6';
  return program.startsWith('iptables') ? 'ipv4' : undefined;
}

/** `ip addr` in its long, one-line, brief or JSON form, or `ifconfig`. */
function parseAddresses(input: TextInput): ParsedCapture {
  const head = input.text.length > SNIFF_CHARS ? input.text.slice(0, SNIFF_CHARS) : input.text;
  if (isJson(head)) return parseIpAddrJson(input);
  if (looksLikeIpAddr(head)) return parseIpAddr(input);
  if (looksLikeIpBrief(head)) return parseIpBrief(input);
  return looksLikeIfconfig(head) ? parseIfconfig(input) : parseIpAddr(input);
}

/** iproute2's `-j` output: a JSON array (`[{...` or, pretty, `[ {`). */
function isJson(text: string): boolean {
  return /^\s*\[\s*(\{|\])/.test(text.slice(0, 256));
}

/** Streams the entries of a conntrack unit into `sink` (parseCaptureUnit's reading, without holding them). */
export function parseConntrackUnit(unit: CaptureUnit, sink: (entry: ConntrackEntry) => void): ConntrackSummary {
  if (unit.kind !== 'conntrack') {
    throw new CaptureError({ file: unit.file, line: unit.firstLine }, `${unit.kind} is not conntrack output`);
  }
  return readConntrack(unit.input, sink);
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
