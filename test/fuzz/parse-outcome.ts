/**
 * Runs one parser (or the registry's split-then-parse) on one input and judges the outcome: a well-formed
 * result, a CaptureError placed at `file:line:` inside the input, or anything else, which is a bug.
 */
import { parseKernelTrace } from '../../src/core/capture/kernel-trace/kernel-trace';
import { parseProbe } from '../../src/core/capture/probe/probe';
import { CaptureError } from '../../src/core/capture/capture-error';
import { parseBridge } from '../../src/core/capture/iproute/bridge';
import { parseConntrack } from '../../src/core/capture/conntrack/conntrack';
import { parseIfconfig } from '../../src/core/capture/iproute/ifconfig';
import { parseIpAddr } from '../../src/core/capture/iproute/ip-addr';
import { parseIpRoute } from '../../src/core/capture/iproute/ip-route';
import { parseIpBrief } from '../../src/core/capture/iproute/ip-brief';
import { parseIpRule } from '../../src/core/capture/iproute/ip-rule';
import { parseIpNeigh } from '../../src/core/capture/iproute/ip-neigh';
import { parseBridgeFdb } from '../../src/core/capture/iproute/bridge-fdb';
import {
  iprouteJsonKind, parseBridgeFdbJson, parseIpAddrJson, parseIpNeighJson, parseIpRouteJson, parseIpRuleJson,
} from '../../src/core/capture/iproute/iproute-json';
import { parseIptablesList } from '../../src/core/capture/iptables/iptables-list';
import { parseIptablesRules } from '../../src/core/capture/iptables/iptables-rules';
import { parseIptablesSave } from '../../src/core/capture/iptables/iptables-save';
import { parseKubectl } from '../../src/core/capture/kubectl/kubectl';
import type { PacketRecord, ParsedCapture } from '../../src/core/records/records';
import { parseCaptureUnit, parseTcpdumpUnit, splitTextCapture } from '../../src/core/capture/registry';
import { parseRouteTable } from '../../src/core/capture/iproute/route-table';
import { parseTcpdumpText } from '../../src/core/capture/tcpdump-text/tcpdump-text';
import type { TextInput } from '../../src/core/capture/text-input';
import { assertNever } from '../../src/core/common/assert-never';
import type { FuzzTarget, Seed } from './seed-corpus';
import { parseNftRuleset } from '../../src/core/capture/nft/nft-ruleset';
import { problemsOfCapture, problemsOfPacket, problemsOfSplit, type LineRange } from './well-formed';

export type Outcome =
  | { kind: 'parsed'; records: number }
  | { kind: 'rejected'; message: string }
  /** `signature` names the kind of failure (stable while a reproducer is shrunk); `detail` says what exactly. */
  | { kind: 'broken'; signature: string; detail: string };

/** The lines `linesOf` yields for this input: an error or a record may point at any of them. */
export function lineRangeOf(input: TextInput): LineRange {
  const { text } = input;
  let breaks = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) breaks++;
  for (let i = text.indexOf('\r'); i >= 0; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== 10) breaks++;
  const lines = breaks + (text.length > 0 && !/[\r\n]$/.test(text) ? 1 : 0);
  return { first: input.firstLine, last: input.firstLine + Math.max(0, lines - 1) };
}

function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A problem with its values blanked, so that shrinking keeps chasing the same failure. */
function shape(problem: string): string {
  return problem.replace(/"[^"]*"/g, '"…"').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, 'N').slice(0, 80);
}

/** Judges a thrown value: only a CaptureError naming this file and a line of this input is acceptable. */
export function judgeError(err: unknown, input: TextInput, range: LineRange): Exclude<Outcome, { kind: 'parsed' }> {
  if (!(err instanceof CaptureError)) {
    const name = err instanceof Error ? err.constructor.name : typeof err;
    const message = err instanceof Error ? `${err.message}\n${(err.stack ?? '').split('\n').slice(1, 4).join('\n')}` : String(err);
    return { kind: 'broken', signature: `threw ${name}`, detail: `threw ${name}: ${clip(message, 400)}` };
  }
  const { file, line } = err.place;
  if (file !== input.file) return { kind: 'broken', signature: 'error names another file', detail: `CaptureError for file ${file}: ${err.message}` };
  if (line === undefined) return { kind: 'broken', signature: 'error without a line', detail: `CaptureError without a line: ${err.message}` };
  if (line < range.first || line > range.last || !Number.isInteger(line)) {
    return { kind: 'broken', signature: 'error line outside the input', detail: `CaptureError at line ${line}, input has lines ${range.first}..${range.last}: ${clip(err.message)}` };
  }
  if (!err.message.startsWith(`${file}:${line}:`)) return { kind: 'broken', signature: 'error message not file:line:', detail: `message ${JSON.stringify(clip(err.message))}` };
  if (err.reason.trim() === '') return { kind: 'broken', signature: 'error without a reason', detail: err.message };
  return { kind: 'rejected', message: err.message };
}

function judgeCapture(capture: ParsedCapture, range: LineRange): Outcome {
  const problems = problemsOfCapture(capture, range);
  if (problems.length > 0) return { kind: 'broken', signature: `ill-formed: ${shape(problems[0] as string)}`, detail: `accepted with ${problems.slice(0, 5).join('; ')}` };
  return { kind: 'parsed', records: 1 };
}

/** Streams packets through `read` into a checking sink; the summary must count what the sink got. */
function judgePackets(read: (sink: (p: PacketRecord) => void) => { packets: number }, range: LineRange): Outcome {
  let previous = 0;
  const problems: string[] = [];
  const summary = read((p) => {
    if (problems.length < 5) problems.push(...problemsOfPacket(p, previous, range));
    previous = p.frame;
  });
  if (summary.packets !== previous) problems.push(`summary says ${summary.packets} packets, sink got ${previous}`);
  if (problems.length > 0) return { kind: 'broken', signature: `ill-formed: ${shape(problems[0] as string)}`, detail: `accepted with ${problems.slice(0, 5).join('; ')}` };
  return { kind: 'parsed', records: previous };
}

/** The parser's own result for a non-packet target (throws what the parser throws). */
export function parseDirect(target: Exclude<FuzzTarget, 'registry' | 'tcpdump-text'>, seed: Seed): ParsedCapture {
  const { input } = seed;
  switch (target) {
    case 'iptables-save': return parseIptablesSave(input);
    case 'iptables-rules': return parseIptablesRules(input, { table: seed.table, partial: seed.partial });
    case 'iptables-list': return parseIptablesList(input, seed.table === null ? { partial: seed.partial } : { partial: seed.partial, table: seed.table });
    case 'ip-addr': return parseIpAddr(input);
    case 'ifconfig': return parseIfconfig(input);
    case 'ip-route': return parseIpRoute(input);
    case 'route-table': return parseRouteTable(input);
    case 'conntrack': return parseConntrack(input);
    case 'bridge': return parseBridge(input);
    case 'kubectl': return parseKubectl(input);
    case 'ip-brief': return parseIpBrief(input);
    case 'ip-rule': return parseIpRule(input);
    case 'ip-neigh': return parseIpNeigh(input);
    case 'bridge-fdb': return parseBridgeFdb(input);
    case 'iproute-json': return parseIprouteJson(input);
    case 'kernel-trace': return parseKernelTrace(input);
    case 'nft-ruleset': return parseNftRuleset(input, { partial: seed.partial });
    // Without its command line: the output alone must name its target, or be warned about.
    case 'probe': return parseProbe(input, null);
    default: return assertNever(target);
  }
}

/** The JSON reader the text's first object points to (the registry's choice); ip addr's when it points to none. */
function parseIprouteJson(input: TextInput): ParsedCapture {
  switch (iprouteJsonKind(input.text) ?? 'ip-addr') {
    case 'ip-addr': return parseIpAddrJson(input);
    case 'ip-route': return parseIpRouteJson(input);
    case 'ip-rule': return parseIpRuleJson(input);
    case 'ip-neigh': return parseIpNeighJson(input);
    case 'bridge-fdb': return parseBridgeFdbJson(input);
  }
}

/** Split, then parse every unit: the split never throws, each unit parses or is rejected at one of its own lines. */
function parseThroughRegistry(input: TextInput, range: LineRange): Outcome {
  let split;
  try {
    split = splitTextCapture(input);
  } catch (err) {
    const judged = judgeError(err, input, range);
    return judged.kind === 'broken' ? judged : { kind: 'broken', signature: 'split threw', detail: `splitTextCapture threw ${judged.message}` };
  }
  const problems = problemsOfSplit(split, input.file, range);
  if (problems.length > 0) return { kind: 'broken', signature: `split: ${shape(problems[0] as string)}`, detail: problems.slice(0, 5).join('; ') };
  let records = 0;
  for (const unit of split.units) {
    const unitRange = lineRangeOf(unit.input);
    if (unitRange.first < unit.firstLine || unitRange.last > unit.lastLine) {
      return { kind: 'broken', signature: 'unit text beyond its lines', detail: `${unit.kind} unit ${unit.firstLine}..${unit.lastLine} holds lines ${unitRange.first}..${unitRange.last}` };
    }
    let outcome: Outcome;
    try {
      outcome = unit.kind === 'tcpdump-text'
        ? judgePackets((sink) => parseTcpdumpUnit(unit, sink), unitRange)
        : judgeCapture(parseCaptureUnit(unit), unitRange);
    } catch (err) {
      outcome = judgeError(err, unit.input, unitRange);
    }
    if (outcome.kind === 'broken') return { ...outcome, detail: `${unit.kind} unit at lines ${unit.firstLine}..${unit.lastLine}: ${outcome.detail}` };
    if (outcome.kind === 'parsed') records += outcome.records;
  }
  return { kind: 'parsed', records };
}

export function outcomeOf(target: FuzzTarget, seed: Seed): Outcome {
  const range = lineRangeOf(seed.input);
  if (target === 'registry') return parseThroughRegistry(seed.input, range);
  try {
    if (target === 'tcpdump-text') return judgePackets((sink) => parseTcpdumpText(seed.input, sink), range);
    return judgeCapture(parseDirect(target, seed), range);
  } catch (err) {
    return judgeError(err, seed.input, range);
  }
}
