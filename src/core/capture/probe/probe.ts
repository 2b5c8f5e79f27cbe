/**
 * The output of a probe the engineer typed — curl, wget (GNU and BusyBox), nc (OpenBSD, traditional, ncat, BusyBox),
 * telnet, ping (iputils old and new, BusyBox) — read into one record per target tried: did it answer, was it
 * refused, did it time out, which router said unreachable. The command line names the target; where the output
 * shows the address a name resolved to, that address is the one tried. A line the reader does not understand is
 * a warning at its line; an HTTP body (or what a server sent over nc/telnet) is the answer, not read further.
 */
import { CaptureError, clipText } from '../capture-error';
import { isIpAddress, isIpv6 } from '../../common/ip';
import type { CaptureNote, ParsedCapture, ProbeOutcome, ProbeRecord, ProbeTool } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';
import { probeCommandOf, urlTarget, type ProbeCommand } from './probe-command';

type ProbeCapture = Extract<ParsedCapture, { kind: 'probe' }>;

/** What one output line says. */
type LineEvent =
  /** A new target is being tried (wget's `--date--  URL` line, ping's header). */
  | { kind: 'target'; host: string; port: number | null; address: string | null }
  /** The target's address as the tool resolved it (curl -v `Trying`, telnet `Trying`, wget `Resolving`). */
  | { kind: 'address'; address: string; port: number | null }
  | { kind: 'outcome'; outcome: ProbeOutcome; detail: string; address: string | null; port: number | null; reporter: string | null }
  | { kind: 'reply' }
  | { kind: 'counts'; sent: number; received: number }
  /** The line is the tool's own (a header, progress, an HTTP header) and says nothing about the outcome. */
  | { kind: 'noise' };

/** The outcome an error message (errno text, as each tool prints it) means; null when it names none. */
export function outcomeOfMessage(message: string): ProbeOutcome | null {
  if (/connection refused/i.test(message)) return 'refused';
  if (/timed? ?out|timeout was reached|^TIMEOUT/i.test(message)) return 'timed-out';
  if (/connection reset/i.test(message)) return 'reset';
  if (/no route to host|host unreachable|host is unreachable/i.test(message)) return 'unreachable';
  if (/network is unreachable|network unreachable/i.test(message)) return 'no-route';
  if (/could not resolve|name or service not known|unknown host|bad address|temporary failure in name resolution|unable to resolve|name does not resolve|no address associated|nodename nor servname|forward host lookup failed|getaddrinfo/i.test(message)) {
    return 'name-not-resolved';
  }
  if (/operation not permitted|permission denied/i.test(message)) return 'not-permitted';
  if (/couldn't connect to server/i.test(message)) return 'failed';
  return null;
}

const outcome = (o: ProbeOutcome, detail: string, address: string | null = null, port: number | null = null, reporter: string | null = null): LineEvent =>
  ({ kind: 'outcome', outcome: o, detail: detail.trim().replace(/\.$/, ''), address, port, reporter });

const NOISE: LineEvent = { kind: 'noise' };

const port = (text: string | undefined): number | null => (text === undefined ? null : Number(text));
const bare = (address: string): string => address.replace(/^\[|\]$/g, '');

/** curl's error codes whose failure comes after a connection was made (TLS, HTTP, transfer). */
const CURL_CONNECTED = new Set([8, 16, 18, 22, 23, 35, 47, 51, 52, 53, 54, 58, 59, 60, 61, 63, 77, 80, 83, 90, 91, 92]);

function curlLine(text: string, statusCodeOnly: boolean): LineEvent | null {
  let m = /^curl: \((\d+)\) (.*)$/.exec(text);
  if (m) {
    const code = Number(m[1]);
    const message = m[2]!;
    const at = /(?:Failed to connect to|connect to) (\S+) port (\d+)/.exec(message);
    const address = at ? bare(at[1]!) : null;
    const p = at ? Number(at[2]) : null;
    // `Failed to connect to X port 80 after 3 ms: Connection refused`: the errno's words are the detail.
    const detail = at ? message.slice(message.lastIndexOf(': ') + 2) : message;
    if (code === 6) return outcome('name-not-resolved', message);
    if (code === 28) return outcome('timed-out', detail, address, p);
    if (code === 56 && /reset/i.test(message)) return outcome('reset', message, address, p);
    if (CURL_CONNECTED.has(code)) return outcome('answered', message, address, p);
    return outcome(outcomeOfMessage(message) ?? 'unknown', detail, address, p);
  }
  if ((m = /^\*\s+Trying (\[[^\]]+\]|[^\s:]+)(?::(\d+))?\.\.\.$/.exec(text))) return { kind: 'address', address: bare(m[1]!), port: port(m[2]) };
  if ((m = /^\* Connected to (\S+) \(([^)]+)\) port (\d+)/.exec(text))) return outcome('answered', `connected to ${m[2]} port ${m[3]}`, bare(m[2]!), Number(m[3]));
  if ((m = /^\* +(?:connect to (\S+) port (\d+)(?: from \S+ port \d+)? failed: (.*)|Immediate connect fail for (\S+): (.*))$/.exec(text))) {
    const message = m[3] ?? m[5]!;
    return outcome(outcomeOfMessage(message) ?? 'unknown', message, bare(m[1] ?? m[4]!), port(m[2]));
  }
  if (/^\*\s+Failed to connect to /.test(text)) {
    const at = /to (\S+) port (\d+).*?: (.*)$/.exec(text);
    return at ? outcome(outcomeOfMessage(at[3]!) ?? 'unknown', at[3]!, bare(at[1]!), Number(at[2])) : NOISE;
  }
  if ((m = /^(?:< )?(HTTP\/[\d.]+ \d{3}(?: .*)?)$/.exec(text))) return outcome('answered', m[1]!);
  if (/^[*<>](?: |$)|^[{}] \[\d+ bytes data\]$/.test(text)) return NOISE;
  // The progress meter (stderr, without -s).
  if (/^\s*% Total\s+% Received|^\s*Dload\s+Upload|^\s*\d+\s+[\d.]+[kMGT]?\s+\d+\s+[\d.]+[kMGT]?\s+\d+\s+[\d.]+[kMGT]?\s+[\d.]+[kMGT]?\s+[\d.]+[kMGT]?\s+(?:--:--:--|\d+:\d+:\d+)/.test(text)) return NOISE;
  if (statusCodeOnly && (m = /^(\d{3})$/.exec(text.trim()))) {
    return m[1] === '000' ? outcome('unknown', 'status 000: no answer (curl -s hid why)') : outcome('answered', `HTTP status ${m[1]}`);
  }
  return null;
}

function wgetLine(text: string): LineEvent | null {
  let m = /^--\d{4}-\d\d-\d\d \d\d:\d\d:\d\d--\s+(\S+)$/.exec(text);
  if (m) {
    const t = urlTarget(m[1]!);
    return t === null ? NOISE : { kind: 'target', host: t.host, port: t.port, address: null };
  }
  if ((m = /^Resolving (\S+) \((\S+)\)\.\.\. (.*)$/.exec(text))) {
    const rest = m[3]!;
    if (/^failed/.test(rest)) return outcome('name-not-resolved', rest.replace(/^failed: /, ''));
    const first = rest.split(',')[0]!.trim();
    return isIpAddress(first) ? { kind: 'address', address: first, port: null } : NOISE;
  }
  if ((m = /^Connecting to (.+?):(\d+)\.\.\. (.*)$/.exec(text))) {
    const via = /\|([^|]+)\|$/.exec(m[1]!);
    const address = bare(via ? via[1]! : m[1]!);
    const rest = m[3]!;
    if (/^connected\.?$/.test(rest)) return outcome('answered', 'connected', address, Number(m[2]));
    const message = rest.replace(/^failed: /, '');
    return outcome(outcomeOfMessage(message) ?? 'unknown', message, address, Number(m[2]));
  }
  if ((m = /^HTTP request sent, awaiting response\.\.\. (.*)$/.exec(text))) {
    const rest = m[1]!;
    if (/reset/i.test(rest)) return outcome('reset', rest);
    if (/timed out/i.test(rest)) return outcome('timed-out', rest);
    return outcome('answered', rest === '' ? 'HTTP request sent' : rest);
  }
  if ((m = /^wget: unable to resolve host address (.*)$/.exec(text))) return outcome('name-not-resolved', `unable to resolve host address ${m[1]}`);
  // BusyBox wget.
  if ((m = /^Connecting to (\S+) \((\[[^\]]+\]|[^\s:]+):(\d+)\)$/.exec(text))) return { kind: 'address', address: bare(m[2]!), port: Number(m[3]) };
  if ((m = /^wget: can't connect to remote host(?: \((\S+)\))?: (.*)$/.exec(text))) return outcome(outcomeOfMessage(m[2]!) ?? 'unknown', m[2]!, m[1] ?? null);
  if (/^wget: download timed out$/.test(text)) return outcome('timed-out', 'download timed out');
  if ((m = /^wget: bad address '([^']+)'$/.exec(text))) return outcome('name-not-resolved', `bad address '${m[1]}'`);
  if ((m = /^wget: server returned error: (.*)$/.exec(text))) return outcome('answered', m[1]!);
  if ((m = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ERROR (\d{3}.*)$/.exec(text))) return outcome('answered', `ERROR ${m[1]}`);
  if (/^(?:Length|Saving to|Location|Retrying|Giving up|Reusing existing connection|Read error|Spider mode|Remote file|--\d{4}|FINISHED|Total wall clock|Downloaded|saving to|writing to stdout|Proxy request sent)|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(.*\) - |^\s*\d+K[ .]|100%\s*[[|]|\d+%\s*[[|]|^\S+\s+\d+%\s*[[|]|^['‘"]?\S+['’"]? saved/.test(text)) {
    return NOISE;
  }
  return null;
}

function ncLine(text: string, proto: 'tcp' | 'udp' | null): LineEvent | null {
  let m = /^Connection to (\S+) (\d+) port \[(tcp|udp)\/[^\]]*\] succeeded!$/.exec(text);
  if (m) {
    // A UDP "success" says only that no ICMP error came back in time.
    if (m[3] === 'udp' || proto === 'udp') return outcome('unknown', 'udp: no ICMP error came back (nc says succeeded)', bare(m[1]!), Number(m[2]));
    return outcome('answered', 'succeeded', bare(m[1]!), Number(m[2]));
  }
  if ((m = /^nc: connect to (\S+) port (\d+) \((?:tcp|udp)\) (failed|timed out): (.*)$/.exec(text))) {
    if (m[3] === 'timed out') return outcome('timed-out', `timed out: ${m[4]}`, bare(m[1]!), Number(m[2]));
    return outcome(outcomeOfMessage(m[4]!) ?? 'unknown', m[4]!, bare(m[1]!), Number(m[2]));
  }
  if ((m = /^nc: getaddrinfo(?: for host "[^"]*" port \d+)?: (.*)$/.exec(text))) return outcome('name-not-resolved', m[1]!);
  // netcat-traditional: `10.96.0.10: inverse host lookup failed`, `(UNKNOWN) [10.96.0.10] 80 (http) : Connection refused`.
  if (/^\S+: inverse host lookup failed/.test(text)) return NOISE;
  if ((m = /^\S+: forward host lookup failed: (.*)$/.exec(text))) return outcome('name-not-resolved', m[1]!);
  if ((m = /^\S+ \[(\S+)\] (\d+) \([^)]*\)(?: \(\?\))? ?(?::\s*(.*)|open)$/.exec(text))) {
    if (m[3] === undefined) return proto === 'udp' ? outcome('unknown', 'udp: open (no ICMP error came back)', m[1]!, Number(m[2])) : outcome('answered', 'open', m[1]!, Number(m[2]));
    return outcome(outcomeOfMessage(m[3]) ?? 'unknown', m[3], m[1]!, Number(m[2]));
  }
  // ncat.
  if (/^Ncat: Version |^Ncat: \d+ bytes sent|^Ncat: Connection to \S+ failed: |^Ncat: Trying next address/.test(text)) {
    const failed = /^Ncat: Connection to (\S+) failed: (.*?)\.?$/.exec(text);
    return failed ? outcome(outcomeOfMessage(failed[2]!) ?? 'unknown', failed[2]!, bare(failed[1]!)) : NOISE;
  }
  if ((m = /^Ncat: Connected to (\[[^\]]+\]|[^\s:]+):(\d+)\.$/.exec(text))) return outcome('answered', 'connected', bare(m[1]!), Number(m[2]));
  if ((m = /^Ncat: (.*?)\.?$/.exec(text))) {
    const o = outcomeOfMessage(m[1]!);
    return o === null ? null : outcome(o, m[1]!);
  }
  // BusyBox nc.
  if ((m = /^nc: can't connect to remote host(?: \((\S+)\))?: (.*)$/.exec(text))) return outcome(outcomeOfMessage(m[2]!) ?? 'unknown', m[2]!, m[1] ?? null);
  if ((m = /^nc: bad address '([^']+)'$/.exec(text))) return outcome('name-not-resolved', `bad address '${m[1]}'`);
  if ((m = /^nc: (.*)$/.exec(text))) {
    const o = outcomeOfMessage(m[1]!);
    return o === null ? null : outcome(o, m[1]!);
  }
  return null;
}

function telnetLine(text: string): LineEvent | null {
  let m = /^Trying (\S+?)\.\.\.$/.exec(text);
  if (m) return isIpAddress(bare(m[1]!)) ? { kind: 'address', address: bare(m[1]!), port: null } : NOISE;
  if ((m = /^Connected to (\S+?)\.?$/.exec(text))) return outcome('answered', `connected to ${m[1]}`);
  if (/^Escape character is |^Connection closed by foreign host\.?$/.test(text)) return NOISE;
  if ((m = /^telnet: (?:Unable to connect to remote host|connect to address (\S+)): (.*)$/.exec(text))) return outcome(outcomeOfMessage(m[2]!) ?? 'unknown', m[2]!, m[1] ?? null);
  if ((m = /^telnet: could not resolve \S+: (.*)$/.exec(text))) return outcome('name-not-resolved', m[1]!);
  if ((m = /^telnet: can't connect to remote host(?: \((\S+)\))?: (.*)$/.exec(text))) return outcome(outcomeOfMessage(m[2]!) ?? 'unknown', m[2]!, m[1] ?? null);
  if ((m = /^telnet: bad address '([^']+)'$/.exec(text))) return outcome('name-not-resolved', `bad address '${m[1]}'`);
  return null;
}

function pingLine(text: string): LineEvent | null {
  let m = /^PING (\S+?) ?\(([^)]+)\)(?: from (\S+) (\S+))?:? \d+(?:\(\d+\))? (?:data )?bytes(?: of data)?\.?$/.exec(text);
  if (m) return { kind: 'target', host: m[1]!, port: null, address: m[2]! };
  if (/^\d+ bytes from \S+.*\b(?:icmp_seq|seq)=\d+/.test(text)) return { kind: 'reply' };
  if ((m = /^From (\S+?)(?: \(([^)]+)\))?:? icmp_seq=\d+ (.+)$/.exec(text))) return outcome('unreachable', m[3]!, null, null, m[2] ?? m[1]!);
  if ((m = /^(\d+) packets transmitted, (\d+)(?: packets)? received/.exec(text))) return { kind: 'counts', sent: Number(m[1]), received: Number(m[2]) };
  if (/^--- \S+ ping statistics ---$|^(?:rtt|round-trip) min\/avg\/max|^pipe \d+$|^no answer yet for icmp_seq=\d+$|^Request timeout for icmp_seq \d+$|^ping: Warning: |^WARNING: /.test(text)) return NOISE;
  if ((m = /^ping6?: (?:connect|sendmsg|sendto|socket|bind icmp socket|unknown iface \S+|SO_BINDTODEVICE \S+): (.*)$/.exec(text))) return outcome(outcomeOfMessage(m[1]!) ?? 'unknown', m[1]!);
  if ((m = /^ping6?: (?:unknown host (\S+)|(\S+): (?:Name or service not known|Temporary failure in name resolution|No address associated with hostname|Name does not resolve)|bad address '([^']+)'|cannot resolve (\S+): .*)$/.exec(text))) {
    return outcome('name-not-resolved', text.replace(/^ping6?: /, ''));
  }
  return null;
}

function lineEvent(tool: ProbeTool, text: string, command: ProbeCommand | null): LineEvent | null {
  switch (tool) {
    case 'curl':
      return curlLine(text, command?.statusCodeOnly ?? false);
    case 'wget':
      return wgetLine(text);
    case 'nc':
      return ncLine(text, command === null ? null : command.proto === 'udp' ? 'udp' : 'tcp');
    case 'telnet':
      return telnetLine(text);
    case 'ping':
      return pingLine(text);
  }
}

const TOOL_ORDER: readonly ProbeTool[] = ['ping', 'curl', 'wget', 'nc', 'telnet'];

/** Lines that only a probe prints, and that name their target: what a probe's output is known by without its command. */
const SELF_NAMING = [
  /^PING \S+? ?\([^)]+\)(?: from \S+ \S+)?:? \d+(?:\(\d+\))? (?:data )?bytes/,
  /^curl: \(\d+\) (?:Failed to connect to \S+ port \d+|Could not resolve host)/,
  /^Connection to \S+ \d+ port \[(?:tcp|udp)\/[^\]]*\] succeeded!$/,
  /^nc: connect to \S+ port \d+ \((?:tcp|udp)\) (?:failed|timed out): /,
  /^--\d{4}-\d\d-\d\d \d\d:\d\d:\d\d--\s+\S+:\/\/\S+$/,
];

/** True when the first lines of the text are a probe's own (ping's header, curl's or nc's connect error). */
export function looksLikeProbe(head: string): boolean {
  const lines = head.split('\n', 6).map((l) => l.trim()).filter((l) => l !== '');
  return lines.length > 0 && SELF_NAMING.some((re) => re.test(lines[0]!));
}

/** The tool whose lines these are, when no command says it: the first whose reader understands the first line. */
function toolOfText(input: TextInput): ProbeTool | null {
  for (const { text } of linesOf({ ...input, onLines: undefined })) {
    const t = text.trim();
    if (t === '') continue;
    return TOOL_ORDER.find((tool) => { const e = lineEvent(tool, t, null); return e !== null && e.kind !== 'noise'; }) ?? null;
  }
  return null;
}

interface Tried {
  record: ProbeRecord;
  /** An outcome set by a line that says it (not the body of an answer). */
  explicit: boolean;
  replies: number;
}

const EVIDENCE_LINES = 6;

/** Reads a probe's output; `command` is the line that ran it (null: a pasted output alone, whose lines name the target). */
export function parseProbe(input: TextInput, commandLine: readonly string[] | null): ProbeCapture {
  const command = commandLine === null ? null : probeCommandOf(commandLine);
  const tool = command?.tool ?? toolOfText(input);
  const warnings: CaptureNote[] = [];
  const tried: Tried[] = [];
  const newTarget = (host: string, p: number | null, line: number): Tried => {
    const address = isIpAddress(host) ? host : null;
    const t: Tried = {
      record: {
        tool: tool ?? 'curl', proto: command?.proto ?? (tool === 'ping' ? 'icmp' : 'tcp'),
        family: command?.family ?? (address === null ? null : isIpv6(address) ? 'ipv6' : 'ipv4'),
        target: host, dst: address, dport: p, via: command?.via ?? null, outcome: 'unknown', detail: null, reporter: null,
        sent: null, received: null, evidence: [], line,
      },
      explicit: false,
      replies: 0,
    };
    tried.push(t);
    return t;
  };
  for (const target of command?.targets ?? []) newTarget(target.host, target.port, input.firstLine);
  if (tool === null) {
    // Without a command naming the tool, the first line must be one of a probe's own.
    const first = [...linesOf({ ...input, onLines: undefined })].find((l) => l.text.trim() !== '');
    if (first === undefined) throw new CaptureError({ file: input.file, line: input.firstLine }, 'empty input: no probe output in it');
    throw new CaptureError({ file: input.file, line: first.line }, `not the output of curl, wget, nc, telnet or ping: ${clipText(first.text.trim())}`);
  }
  let current: Tried | null = tried[0] ?? null;
  /** The target an event names (by address or host, and port), else the current one. */
  const targetOf = (address: string | null, p: number | null, line: number): Tried => {
    if (address !== null) {
      const named = tried.find((t) => (t.record.dst === address || t.record.target === address) && (p === null || t.record.dport === null || t.record.dport === p));
      if (named) return named;
      // A name's address, shown by the outcome line itself (curl: `Failed to connect to web port 80` names the host).
      if (current !== null && current.record.dst === null) return current;
      if (current === null || (current.explicit && command === null)) return newTarget(address, p, line);
    }
    return current ?? newTarget(address ?? '?', p, line);
  };
  const cite = (t: Tried, line: number, text: string): void => {
    if (t.record.evidence.length < EVIDENCE_LINES) t.record.evidence.push({ line, text });
  };
  for (const { line, text: raw } of linesOf(input)) {
    const text = raw.trim();
    if (text === '') continue;
    // The interrupt the engineer typed to stop the probe (`^C`), echoed by the terminal.
    const event = text === '^C' ? NOISE : lineEvent(tool, text, command);
    const port = event !== null && (event.kind === 'outcome' || event.kind === 'address' || event.kind === 'target') ? event.port : null;
    if (port !== null && (port < 1 || port > 65535)) throw new CaptureError({ file: input.file, line }, `port ${port} out of range`);
    if (event === null) {
      // What the server sent (an HTTP body, a banner over nc/telnet): the answer itself.
      const answering = current !== null && (current.record.outcome === 'answered' || ((tool === 'curl' || tool === 'wget') && !current.explicit));
      if (answering && current !== null) {
        if (!current.explicit && current.record.outcome === 'unknown') {
          current.record.outcome = 'answered';
          current.record.detail = 'the server\'s answer was printed';
          cite(current, line, text);
        }
        continue;
      }
      warnings.push({ line, message: `not read as ${tool} output: ${clipText(text)}` });
      continue;
    }
    switch (event.kind) {
      case 'noise':
        break;
      case 'target': {
        const known = tried.find((t) => t.record.target === event.host && (event.port === null || t.record.dport === event.port) && t.record.evidence.length === 0);
        current = known ?? (command === null || tried.length === 0 ? newTarget(event.host, event.port, line) : tried.find((t) => t.record.evidence.length === 0) ?? current);
        if (current !== null && event.address !== null && isIpAddress(event.address)) current.record.dst = event.address;
        if (current !== null && tool === 'ping') cite(current, line, text);
        break;
      }
      case 'address': {
        const t = targetOf(event.address, event.port, line);
        if (t.record.dst === null && isIpAddress(event.address)) t.record.dst = event.address;
        if (t.record.dport === null && event.port !== null) t.record.dport = event.port;
        current = t;
        break;
      }
      case 'outcome': {
        const t = targetOf(event.address, event.port, line);
        if (t.record.dst === null && event.address !== null && isIpAddress(event.address)) t.record.dst = event.address;
        else if (event.address !== null && isIpAddress(event.address) && t.record.dst !== event.address) {
          warnings.push({ line, message: `the output names ${event.address}, the command ${t.record.dst}: read as the command's target` });
        }
        if (t.record.dport === null && event.port !== null) t.record.dport = event.port;
        // The first ICMP error of a ping names the router; later ones repeat it.
        // The first ICMP error of a ping names the router, later ones repeat it; a vaguer last word (curl 8's
        // `Couldn't connect to server` after the connect line's errno) does not undo a clear one.
        const vague = (o: ProbeOutcome): boolean => o === 'unknown' || o === 'failed';
        const vaguer = t.explicit && vague(event.outcome) && !vague(t.record.outcome);
        if (!(tool === 'ping' && t.explicit && event.outcome === 'unreachable') && !vaguer) {
          t.record.outcome = event.outcome;
          t.record.detail = event.detail;
          if (event.reporter !== null) t.record.reporter = event.reporter;
        }
        t.explicit = true;
        t.record.line = t.record.evidence.length === 0 ? line : t.record.line;
        cite(t, line, text);
        current = t;
        break;
      }
      case 'reply': {
        const t = current ?? targetOf(null, null, line);
        if (t.replies === 0) cite(t, line, text);
        t.replies++;
        break;
      }
      case 'counts': {
        const t = current ?? targetOf(null, null, line);
        t.record.sent = event.sent;
        t.record.received = event.received;
        cite(t, line, text);
        break;
      }
    }
  }
  for (const t of tried) finish(t, warnings, input);
  return { kind: 'probe', probes: tried.map((t) => t.record), takenAt: null, warnings };
}

/** A ping's outcome from its replies and counts; an outcome the output never showed is warned about. */
function finish(t: Tried, warnings: CaptureNote[], input: TextInput): void {
  const r = t.record;
  if (r.tool === 'ping') {
    const received = r.received ?? t.replies;
    if (received > 0) {
      r.outcome = 'answered';
      r.detail = r.sent !== null ? `${received} of ${r.sent} answered` : `${received} answered`;
    } else if (!t.explicit && r.sent !== null && r.sent > 0) {
      r.outcome = 'timed-out';
      r.detail = `${r.sent} sent, none answered`;
    }
  }
  if (r.evidence.length > 0) r.line = r.evidence[0]!.line;
  if (r.outcome === 'unknown' && r.detail === null) {
    warnings.push({ line: r.evidence[0]?.line ?? input.firstLine, message: `${r.tool} to ${r.target}${r.dport === null ? '' : ` port ${r.dport}`}: the output does not show what happened` });
  }
}
