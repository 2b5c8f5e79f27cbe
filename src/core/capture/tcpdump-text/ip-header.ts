/** The -v IP header tcpdump prints in parentheses: `(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)`. */
import type { PacketRecord } from '../../records/records';
import type { TextCursor } from './text-cursor';
import { fieldValue, fragmentUnits, U8 } from './header-field';

const TTL = /\b(?:ttl|hlim) (\d{1,3})\b/;
const ID = /\bid (\d{1,5})\b/;
const OFFSET = /\boffset (\d{1,5})\b/;
const FLAGS = /\bflags \[([^\]]{0,16})\]/;
const PROTO = /\bproto [^(,]{1,30} \((\d{1,3})\)/;
const NEXT_HEADER = /\bnext-header [^(,]{1,30} \((\d{1,3})\)/;

/** IPv6 extension headers: their number in next-header means the upper protocol is named further on. */
const IPV6_EXTENSIONS = new Set([0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254]);

/** Reads the parenthesised header at the cursor, if any, into ttl/id/fragment/protocol. */
export function readVerboseIpHeader(p: PacketRecord, c: TextCursor): boolean {
  if (!c.startsWith('(')) return false;
  const start = c.pos;
  if (!c.skipGroup()) return false;
  const header = c.text.slice(start + 1, c.pos - 1);
  const ttl = TTL.exec(header);
  if (ttl) p.ttl = fieldValue(ttl[1], U8);
  if (p.network === 'ipv4') {
    const id = ID.exec(header);
    if (id) p.ipId = Number(id[1]);
    const offset = OFFSET.exec(header);
    if (offset) p.fragOffset = fragmentUnits(offset[1]) ?? p.fragOffset;
    const flags = FLAGS.exec(header);
    if (flags) p.fragMf = flags[1]!.includes('+');
    const proto = PROTO.exec(header);
    if (proto) p.ipProto = fieldValue(proto[1], U8);
  } else {
    const next = NEXT_HEADER.exec(header);
    if (next && !IPV6_EXTENSIONS.has(Number(next[1]))) p.ipProto = fieldValue(next[1], U8);
  }
  c.skipSpaces();
  return true;
}
