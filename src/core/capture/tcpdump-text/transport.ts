/** Everything after `SRC > DST: `: the transport tcpdump names (TCP flags, `UDP, length`, ICMP words) or an application. */
import type { PacketRecord } from '../../records/records';
import { icmp6Kind, icmpKind, unreachableHeader } from './icmp-message';
import type { TextCursor } from './text-cursor';
import { fieldValue, fragmentUnits, U16, U32, U8 } from './header-field';

const TCP_FLAG_BITS: Readonly<Record<string, number>> = {
  F: 0x01, S: 0x02, R: 0x04, P: 0x08, '.': 0x10, U: 0x20, E: 0x40, W: 0x80,
};

const SEQ = /seq (\d{1,10})(?::(\d{1,10}))?/y;
const ACK = /ack (\d{1,20})/y;
const LENGTH = /length:? (\d{1,10})/y;
const PORTS = /(\d{1,5}) > (\d{1,5}): /y;
const FRAG6 = /frag \((?:0x[0-9a-f]{1,8}:)?(\d{1,20})\|(\d{1,20})\) ?/y;
const TRUNCATION = /\[\|([a-z0-9_-]{1,20})\]/y;
const KEY = /[a-z]{1,12}/y;

/** Protocol numbers of the words tcpdump opens a portless payload with. */
const PAYLOAD_PROTOCOLS: readonly (readonly [string, number])[] = [
  ['GREv', 47], ['OSPFv', 89], ['ESP(', 50], ['AH(', 51], ['igmp', 2], ['IGMP', 2], ['VRRPv', 112],
  ['PIMv', 103], ['EIGRP', 88], ['CARPv', 112], ['sctp', 132], ['mobility', 135],
];

const TRUNCATED_PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, icmp6: 58, sctp: 132 };

/** Reads the payload part of an IP packet line. `p.ipProto` may already hold what a -v header said. */
export function readTransport(p: PacketRecord, c: TextCursor, portsPrinted: boolean): void {
  skipIpv6Extensions(p, c);
  if (p.fragOffset !== 0 && !portsPrinted) return;
  if (!portsPrinted) {
    const ports = c.match(PORTS);
    if (ports) {
      p.sport = fieldValue(ports[1], U16);
      p.dport = fieldValue(ports[2], U16);
      portsPrinted = true;
    }
  }
  skipNotes(c);
  const truncated = c.match(TRUNCATION);
  if (truncated) {
    p.truncated = truncated[1]!;
    const proto = TRUNCATED_PROTOCOLS[truncated[1]!];
    if (proto !== undefined) p.ipProto = proto;
    return;
  }
  if (c.eat('Flags [')) return readTcp(p, c);
  if (c.eat('UDP, ')) {
    p.ipProto = 17;
    const len = c.match(LENGTH);
    if (len) p.payloadLen = Number(len[1]);
    return;
  }
  if (c.eat('ICMP6, ')) return readIcmp6(p, c);
  if (c.eat('ICMP ')) return readIcmp(p, c);
  if (portsPrinted) {
    if (p.ipProto === null) p.ipProto = c.startsWith('sctp') ? 132 : c.startsWith('DCCP') ? 33 : 17;
    return;
  }
  const ipProto = /ip-proto-(\d{1,3})/y;
  const named = c.match(ipProto);
  if (named) {
    p.ipProto = fieldValue(named[1], U8);
    return;
  }
  for (const [word, proto] of PAYLOAD_PROTOCOLS) {
    if (c.startsWith(word)) {
      p.ipProto = proto;
      return;
    }
  }
}

/** `HBH (rtalert: 0x0000) (padn) `, `RT6 (...) `, `DSTOPT (...) `, `frag (0|1448) ` before the upper layer. */
function skipIpv6Extensions(p: PacketRecord, c: TextCursor): void {
  if (p.network !== 'ipv6') return;
  for (;;) {
    c.skipSpaces();
    if (c.eat('HBH ') || c.eat('DSTOPT ') || c.eat('RT6 ')) {
      while (c.startsWith('(') && c.skipGroup()) c.skipSpaces();
      continue;
    }
    const frag = c.match(FRAG6);
    if (frag) {
      p.fragOffset = fragmentUnits(frag[1]) ?? p.fragOffset;
      continue;
    }
    return;
  }
}

/** `[udp sum ok] `, `[icmp6 sum ok] `, `[bad udp cksum 0x1 -> 0x2!] ` — but not `[|tcp]`, which says the capture ends there. */
function skipNotes(c: TextCursor): void {
  for (;;) {
    c.skipSpaces();
    if (!c.startsWith('[') || c.startsWith('[|')) return;
    if (!c.skipGroup()) return;
  }
}

function readTcp(p: PacketRecord, c: TextCursor): void {
  p.ipProto = 6;
  let flags = 0;
  if (c.eat('none]')) {
    flags = 0;
  } else {
    while (!c.done && !c.eat(']')) {
      flags |= TCP_FLAG_BITS[c.text[c.pos]!] ?? 0;
      c.pos++;
    }
  }
  p.tcpFlags = flags;
  for (;;) {
    if (!c.eat(', ')) return;
    const fieldStart = c.pos;
    const key = c.match(KEY);
    if (key) {
      switch (key[0]) {
        case 'seq':
          c.pos = fieldStart;
          readSeq(p, c);
          continue;
        case 'ack': {
          c.pos = fieldStart;
          const ack = c.match(ACK);
          if (ack) p.ack = fieldValue(ack[1], U32);
          continue;
        }
        case 'length': {
          c.pos = fieldStart;
          const len = c.match(LENGTH);
          if (len) p.payloadLen = Number(len[1]);
          return;
        }
        default:
          break;
      }
    }
    c.pos = fieldStart;
    skipField(c);
  }
}

function readSeq(p: PacketRecord, c: TextCursor): void {
  const seq = c.match(SEQ);
  if (seq) p.seq = fieldValue(seq[1], U32);
}

/** Moves to just before the next top-level `, ` (or to the end). */
function skipField(c: TextCursor): void {
  const before = c.pos;
  c.skipPastComma();
  if (c.pos > before && c.text.charCodeAt(c.pos - 2) === 44 && c.text.charCodeAt(c.pos - 1) === 32) c.pos -= 2;
}

/** Text up to the next top-level `, `, consumed along with it. */
function field(c: TextCursor): string {
  const start = c.pos;
  c.skipPastComma();
  const end = c.text.charCodeAt(c.pos - 2) === 44 && c.text.charCodeAt(c.pos - 1) === 32 ? c.pos - 2 : c.pos;
  return c.text.slice(start, end);
}

function readIcmp(p: PacketRecord, c: TextCursor): void {
  p.ipProto = 1;
  const text = field(c);
  const kind = icmpKind(text);
  if (kind) {
    p.icmpType = kind.type;
    p.icmpCode = kind.code;
    if (kind.type === 3 && p.dst !== null) p.icmpError = unreachableHeader(text, p.dst);
    if (kind.type === 8 || kind.type === 0) readEchoId(p, c);
  }
  readIcmpLength(p, c);
}

function readIcmp6(p: PacketRecord, c: TextCursor): void {
  p.ipProto = 58;
  const messageStart = c.pos;
  const message = field(c);
  if (message.startsWith('length ')) {
    c.pos = messageStart;
    return readIcmpLength(p, c);
  }
  const detailStart = c.pos;
  const detail = field(c);
  c.pos = detailStart;
  const kind = icmp6Kind(message, detail);
  if (kind) {
    p.icmpType = kind.type;
    p.icmpCode = kind.code;
    if (kind.type === 128 || kind.type === 129) readEchoId(p, c);
  }
  readIcmpLength(p, c);
}

const ECHO_ID = /id (\d{1,5})(?:, |$)/y;

/** `id 10999` after an echo request/reply (print-icmp.c, print-icmp6.c): the id conntrack keys a ping on. */
function readEchoId(p: PacketRecord, c: TextCursor): void {
  const start = c.pos;
  const id = c.match(ECHO_ID);
  if (id) p.icmpId = fieldValue(id[1], U16);
  c.pos = start;
}

/** The ICMP message length is the last `length N` field; the payload is what follows the 8-byte header. */
function readIcmpLength(p: PacketRecord, c: TextCursor): void {
  while (!c.done) {
    const len = c.match(LENGTH);
    if (len) {
      const n = Number(len[1]);
      p.payloadLen = n >= 8 ? n - 8 : 0;
      return;
    }
    c.skipPastComma();
  }
}
