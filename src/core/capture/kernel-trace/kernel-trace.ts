/**
 * The kernel's own trace of packets through netfilter, one event per line: iptables-legacy's `-j TRACE` and any
 * `-j LOG` line from dmesg (-T), /dev/kmsg, journalctl -k, kern.log or syslog; `xtables-monitor --trace` (iptables-nft);
 * `nft monitor trace`. Other kernel messages in the same log are named in a warning, never read as packets; a trace
 * line whose packet cannot be read (an address or port cut or mangled) rejects the capture at its line.
 */
import { CaptureError, clipText } from '../capture-error';
import type { CaptureNote, KernelTraceEvent, KernelTraceHook, ParsedCapture } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';
import { stampedMessage } from './line-stamp';
import { packetProblem, readLogFields, type LogFields } from './log-packet';
import { readNftLine } from './nft-trace';

type KernelTraceCapture = Extract<ParsedCapture, { kind: 'kernel-trace' }>;

/** iptables-legacy's TRACE prefix (ip_tables.c trace_packet): `TRACE: table:chain:type:rulenum `. */
const LEGACY_TRACE = /^TRACE: ([^:\s]+):([^:\s]+):(rule|return|policy|UNKNOWN):(\d+) /;
/** A kernel log line of a packet: its prefix (the LOG rule's, or TRACE's), then `IN=... OUT=...`. */
const LOG_PACKET = /(?:^|\s|:)IN=\S* OUT=\S* /;
/** journalctl's own lines (`-- Logs begin at ...`, `-- No entries --`, `-- Boot 1a2b... --`). */
const JOURNAL_MARKER = /^-- .* --$|^-- Logs begin at |^-- Journal begins at /;

/** How each tool's trace lines begin, and a logged packet's interface pair: such a line that cannot be read is bad input. */
const TRACE_SHAPED = /^\s*(?:TRACE: |PACKET: \d|trace id [0-9a-f]+ )|(?:^|\s)IN=\S* OUT=/;

const SNIFF_LINES = 200;

/** True when the text's lines are netfilter trace or packet log lines (a few other kernel messages may sit between them). */
export function looksLikeKernelTrace(head: string): boolean {
  let shaped = 0;
  let other = 0;
  for (const raw of head.split('\n').slice(0, SNIFF_LINES)) {
    const text = raw.trim();
    if (text === '' || JOURNAL_MARKER.test(text)) continue;
    const { message } = stampedMessage(text);
    if (LEGACY_TRACE.test(message) || LOG_PACKET.test(` ${message}`) || readNftLine(message) !== null) shaped++;
    else other++;
  }
  return shaped > 0 && shaped * 3 >= other;
}

/**
 * The one host a kernel log's syslog or journal stamps name (`Dec  7 22:57:06 nodea kernel: ...`), which names the
 * node as a shell prompt would; null when the lines name none or several.
 */
export function kernelLogHost(text: string): string | null {
  let host: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const named = stampedMessage(line).host;
    if (named === null) continue;
    if (host !== null && named !== host) return null;
    host = named;
  }
  return host;
}

export function parseKernelTrace(input: TextInput): KernelTraceCapture {
  const events: KernelTraceEvent[] = [];
  const warnings: CaptureNote[] = [];
  /** The latest packet each nftables trace id was seen with, for the rule/policy lines that print none. */
  const packetOf = new Map<string, LogFields>();
  /** xtables-monitor prints a rule's PACKET line after it in some versions: such rules wait for their id's next packet. */
  const waiting = new Map<string, KernelTraceEvent[]>();
  let first: number | null = null;
  for (const { line, text } of linesOf(input)) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    first ??= line;
    if (JOURNAL_MARKER.test(trimmed)) continue;
    const { time, host, message } = stampedMessage(trimmed);
    const nft = readNftLine(message);
    const nftFields = nft === null ? null : nft.fields;
    const nftProblem = nftFields === null ? null : packetProblem(nftFields.packet);
    // A trace line whose packet cannot be read is bad input, as a mangled rule is to iptables-save's reader.
    if (nftProblem !== null) throw new CaptureError({ file: input.file, line }, `${nftProblem}: ${clipText(trimmed)}`);
    if (nft !== null) {
      if (nft.kind === 'xt-packet') {
        packetOf.set(nft.traceId, nft.fields);
        for (const event of waiting.get(nft.traceId) ?? []) fill(event, nft.fields);
        waiting.delete(nft.traceId);
        continue;
      }
      const format = nft.familyNumber === null ? 'nft-monitor' : 'xtables-monitor';
      const fields = nft.fields ?? packetOf.get(nft.traceId) ?? null;
      if (nft.fields !== null) packetOf.set(nft.traceId, nft.fields);
      const event = eventOf(format, nft.traceId, host, time, nft.hook, fields, line, trimmed);
      if (fields === null) {
        const list = waiting.get(nft.traceId) ?? [];
        list.push(event);
        waiting.set(nft.traceId, list);
      }
      events.push(event);
      continue;
    }
    const legacy = LEGACY_TRACE.exec(message);
    const logged = legacy === null ? LOG_PACKET.exec(` ${message}`) : null;
    // Where `IN=` starts in the message (the match ran on it with a space in front): a LOG rule's prefix ends there.
    const packetAt = logged === null ? 0 : Math.max(0, logged.index + logged[0].indexOf('IN=') - 1);
    const fields = legacy ? readLogFields(message.slice(legacy[0].length)) : logged ? readLogFields(message.slice(packetAt)) : null;
    if (fields === null) {
      if (TRACE_SHAPED.test(message)) throw new CaptureError({ file: input.file, line }, `a netfilter trace line that cannot be read: ${clipText(trimmed)}`);
      warnings.push({ line, message: `not a netfilter trace or packet log line, not read: ${clipText(trimmed)}` });
      continue;
    }
    const problem = packetProblem(fields.packet);
    if (problem !== null) throw new CaptureError({ file: input.file, line }, `${problem}: ${clipText(trimmed)}`);
    if (legacy?.[3] === 'UNKNOWN') {
      warnings.push({ line, message: `the kernel named no trace type (UNKNOWN) for ${legacy[1]}:${legacy[2]}: not read as a hook` });
      continue;
    }
    const hook: KernelTraceHook = legacy
      ? legacyHook(legacy[1]!, legacy[2]!, legacy[3]!, Number(legacy[4]))
      : { kind: 'log', prefix: message.slice(0, packetAt).trim() };
    events.push(eventOf('kernel-log', null, host, time, hook, fields, line, trimmed));
  }
  for (const list of waiting.values()) {
    for (const event of list) warnings.push({ line: event.line, message: `trace ${event.traceId ?? ''}: no packet line names this packet; its addresses are unknown` });
  }
  if (events.length === 0) {
    throw new CaptureError({ file: input.file, line: first ?? input.firstLine }, 'no netfilter trace or packet log line here');
  }
  const takenAt = events.find((e) => e.time.iso !== null)?.time.iso ?? null;
  return warnings.length > 0 ? { kind: 'kernel-trace', events, takenAt, warnings } : { kind: 'kernel-trace', events, takenAt };
}

function legacyHook(table: string, chain: string, type: string, position: number): KernelTraceHook {
  if (type === 'rule') return { kind: 'rule', table, chain, position, handle: null, verdict: null, ruleText: null };
  return type === 'return' ? { kind: 'return', table, chain, position, verdict: null } : { kind: 'policy', table, chain, position, verdict: null };
}

function eventOf(
  format: KernelTraceEvent['format'], traceId: string | null, host: string | null, time: KernelTraceEvent['time'],
  hook: KernelTraceHook, fields: LogFields | null, line: number, text: string,
): KernelTraceEvent {
  const event: KernelTraceEvent = {
    format, traceId, host, time, hook, in: null, out: null, mark: null, line, text,
    packet: { family: null, proto: null, src: null, dst: null, sport: null, dport: null, icmp: null, ipId: null, tcpFlags: null, length: null },
  };
  if (fields !== null) fill(event, fields);
  return event;
}

function fill(event: KernelTraceEvent, fields: LogFields): void {
  event.in = fields.in;
  event.out = fields.out;
  event.mark = fields.mark;
  event.packet = { ...fields.packet };
}
