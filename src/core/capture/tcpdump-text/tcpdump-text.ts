/**
 * tcpdump's text output (-n/-nn, with or without -e, -v/-vv, -i any, every -t form, nano precision) read into
 * PacketRecords, one per packet line. Lines that continue a packet (indented, or an encapsulated packet on a
 * line of its own) add nothing but the addresses a -v IPv4 header pushes onto the next line.
 */
import { CaptureError } from '../capture-error';
import type { PacketCaptureSummary, PacketRecord, PacketSink, PacketTunnel } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';
import { readAddressLine, readPacketLine } from './packet-line';
import { clearOpenTunnel, takeOpenTunnel } from './tunnel-header';
import { innerHasAddresses, takeInnerPacket } from '../inner-packet';
import { isoTime, readTimestamp, scaleFraction, type TcpdumpClock, type Timestamp } from './timestamp';
import { RelativeClock } from './relative-clock';

export type { TcpdumpClock } from './timestamp';

export interface TcpdumpTextSummary extends PacketCaptureSummary {
  /** How tsSec/tsNsec were derived; anything but `epoch`/`date-time` is not a time since 1970. */
  clock: TcpdumpClock;
  /** Non-blank lines that were neither packets nor their continuations (tcpdump's banner, ^C, -A payload text...). */
  skippedLines: number;
  firstSkippedLine: number | null;
}

const HALF_DAY = 43_200;

export function parseTcpdumpText(input: TextInput, sink: PacketSink): TcpdumpTextSummary {
  let form: Timestamp['form'] | 'none' | null = null;
  let precision = 6;
  let frame = 0;
  let current: PacketRecord | null = null;
  let awaitingAddresses = false;
  // A tunnel `current` came in whose inner packet is still to be read: on the next line (inner null), or its -v
  // header read and its addresses on the next line.
  let tunnel: PacketTunnel | null = null;
  let inner: PacketRecord | null = null;
  let skippedLines = 0;
  let firstSkippedLine: number | null = null;
  let firstPacketAt: string | null = null;
  let dayOffset = 0;
  let previousTimeOfDay = -1;
  const interfaces = new Set<string>();
  const relative = new RelativeClock((p) => deliver(p));
  let emitted = 0;

  function deliver(p: PacketRecord): void {
    if (emitted === 0 && (form === 'epoch' || form === 'date-time')) firstPacketAt = isoTime(p.tsSec, p.tsNsec);
    emitted++;
    sink(p);
  }

  /** After a line of `current` was read: the tunnel it opened, its inner packet read when on the same line. */
  function noteTunnel(text: string, line: number): void {
    const open = takeOpenTunnel();
    if (open === null || current === null) return;
    tunnel = open.tunnel;
    inner = null;
    if (open.innerBare !== null && open.innerAt !== null) {
      const p = newTextPacket(0, 0, 0, line);
      p.network = open.innerBare;
      readAddressLine(p, text.slice(open.innerAt));
      clearOpenTunnel();
      inner = p;
      closeTunnel();
    } else if (open.innerAt !== null) {
      readInner(text, open.innerAt, line);
    }
  }

  /** The inner packet's line (or the rest of the outer's, from `at`); false when it is not a packet line. */
  function readInner(text: string, at: number, line: number): boolean {
    const p = newTextPacket(0, 0, 0, line);
    const reading = readPacketLine(p, text, at);
    // One level: a tunnel the inner packet opens stays its own UDP/IPIP fields.
    clearOpenTunnel();
    if (!reading.recognised) return false;
    inner = p;
    if (!reading.awaitingAddresses) closeTunnel();
    return true;
  }

  function closeTunnel(): void {
    if (current === null || tunnel === null) return;
    if (inner !== null && innerHasAddresses(inner)) takeInnerPacket(current, inner, tunnel);
    else current.tunnelProblem = `the ${tunnel.kind} inner packet line has no addresses tcpdump printed: kept as the outer packet`;
    tunnel = null;
    inner = null;
  }

  function flush(): void {
    if (current === null) return;
    if (tunnel !== null && inner === null) {
      current.tunnelProblem = `no inner packet line follows this ${tunnel.kind} packet: kept as the outer packet`;
      tunnel = null;
    }
    closeTunnel();
    if (current.iface !== null) interfaces.add(current.iface);
    if (form === 'relative') relative.push(current);
    else deliver(current);
    current = null;
    awaitingAddresses = false;
  }

  function skip(line: number): void {
    skippedLines++;
    if (firstSkippedLine === null) firstSkippedLine = line;
  }

  for (const { line, text } of linesOf(input)) {
    if (isBlank(text)) continue;
    const ts = readTimestamp(text);
    if (ts !== null && form !== 'none') {
      if (form === null) {
        form = startsAtZero(ts) ? 'relative' : ts.form;
        precision = Math.min(9, ts.fraction.length);
      }
      const time = scaleFraction(ts.sec, ts.fraction, precision);
      if (ts.negative && (time.sec > 0 || time.nsec > 0)) {
        // A negative delta, kept as whole seconds below zero plus a nanosecond part (-0.000005 s is -1 s + 999995000 ns);
        // the relative clock sums it into the time since the first packet.
        time.sec = -time.sec - (time.nsec > 0 ? 1 : 0);
        time.nsec = time.nsec > 0 ? 1e9 - time.nsec : 0;
      }
      if (form === 'time-of-day') {
        // No date is printed: a jump back by more than half a day is the clock passing midnight.
        if (previousTimeOfDay >= 0 && time.sec + dayOffset < previousTimeOfDay - HALF_DAY) dayOffset += 86_400;
        time.sec += dayOffset;
        previousTimeOfDay = time.sec;
      }
      flush();
      const p = newTextPacket(++frame, time.sec, time.nsec, line);
      awaitingAddresses = readPacketLine(p, text, ts.end).awaitingAddresses;
      current = p;
      noteTunnel(text, line);
      continue;
    }
    const indented = text.charCodeAt(0) === 32 || text.charCodeAt(0) === 9;
    if (current !== null && tunnel !== null && !awaitingAddresses) {
      // The inner packet: its line (after VXLAN, or Geneve -v's tab), or the addresses its -v header pushed down.
      if (inner === null && readInner(text, 0, line)) continue;
      if (inner !== null && indented) {
        readAddressLine(inner, text);
        clearOpenTunnel();
        closeTunnel();
        continue;
      }
    }
    if (indented && current !== null) {
      if (awaitingAddresses) {
        readAddressLine(current, text);
        awaitingAddresses = false;
        noteTunnel(text, line);
      }
      continue;
    }
    if (!indented && (form === null || form === 'none')) {
      const p = newTextPacket(frame + 1, 0, 0, line);
      const reading = readPacketLine(p, text, 0);
      // Once -t output is established, every line but tcpdump's own messages is a packet, named or not.
      if (reading.recognised || (form === 'none' && !isTcpdumpMessage(text))) {
        form = 'none';
        frame++;
        flush();
        awaitingAddresses = reading.awaitingAddresses;
        current = p;
        noteTunnel(text, line);
        continue;
      }
    }
    // An encapsulated packet (VXLAN, Geneve...) is printed on a line of its own, without a timestamp.
    if (current !== null && form !== 'none' && isInnerPacket(text)) continue;
    skip(line);
  }
  flush();
  relative.finish();

  if (emitted === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no tcpdump packet line found');
  return {
    packets: emitted,
    firstPacketAt,
    linkTypes: [],
    interfaces: [...interfaces],
    clock: clockOf(form, relative),
    skippedLines,
    firstSkippedLine,
  };
}

/** A cheap look at the first lines: does this read like tcpdump's packet output? */
export function looksLikeTcpdumpText(text: string): boolean {
  const head = text.slice(0, 16_384);
  let seen = 0;
  for (const line of head.split(/\r\n|\r|\n/)) {
    if (isBlank(line)) continue;
    if (++seen > 40) break;
    const ts = readTimestamp(line);
    const p = newTextPacket(1, 0, 0, 1);
    if (readPacketLine(p, line, ts === null ? 0 : ts.end).recognised && (ts !== null || p.src !== null || p.network === 'arp')) return true;
  }
  return false;
}

function clockOf(form: Timestamp['form'] | 'none' | null, relative: RelativeClock): TcpdumpClock {
  switch (form) {
    case 'epoch':
    case 'date-time':
    case 'time-of-day':
      return form;
    case 'relative':
      return relative.kind;
    case 'none':
    case null:
      return 'none';
  }
}

/** `-ttt` output cut out of a terminal may have lost its leading space; its first packet is at 00:00:00.000000. */
function startsAtZero(ts: Timestamp): boolean {
  return ts.form === 'time-of-day' && ts.sec === 0 && /^0+$/.test(ts.fraction);
}

const TCPDUMP_MESSAGE = /^(?:tcpdump: |listening on |reading from file |\^C|\d+ packets? (?:captured|received by filter|dropped by (?:kernel|interface))|root@|\$ |# )/;

/** tcpdump's banner and closing counts, and a shell prompt when the text was cut from a terminal. */
function isTcpdumpMessage(text: string): boolean {
  return TCPDUMP_MESSAGE.test(text);
}

function isInnerPacket(text: string): boolean {
  return text.startsWith('IP ') || text.startsWith('IP6 ') || text.startsWith('ARP, ');
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function newTextPacket(frame: number, tsSec: number, tsNsec: number, line: number): PacketRecord {
  return {
    frame, tsSec, tsNsec, iface: null, direction: null, linkType: null, capLen: 0, origLen: 0,
    srcMac: null, dstMac: null, vlan: null, network: 'other', etherType: null, src: null, dst: null,
    ipProto: null, ipId: null, ttl: null, fragMf: false, fragOffset: 0, sport: null, dport: null,
    tcpFlags: null, seq: null, ack: null, payloadLen: null, icmpType: null, icmpCode: null, icmpId: null, arpOp: null,
    truncated: null, line, offset: null,
  };
}
