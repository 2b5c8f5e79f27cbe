/** ICMP and ICMPv6 type/code from the words tcpdump prints for them (print-icmp.c, print-icmp6.c). */
import type { IcmpErrorHeader } from '../../records/records';
import { portNumber } from './endpoint';
import { fieldValue, U8 } from './header-field';

export interface IcmpKind {
  type: number;
  code: number | null;
}

/** `type-#N`: a type tcpdump has no words for. */
function typeOnly(digits: string | undefined): IcmpKind | null {
  const type = fieldValue(digits, U8);
  return type === null ? null : { type, code: null };
}

/** `text` is what follows `ICMP `, up to the first `, `: `echo request`, `10.0.0.1 udp port 53 unreachable`... */
export function icmpKind(text: string): IcmpKind | null {
  const typeNumber = /^type-#(\d{1,3})/.exec(text);
  if (typeNumber) return typeOnly(typeNumber[1]);
  // tcpdump names the code only where the words differ by code; elsewhere it is not printed, so not known.
  if (text.startsWith('echo request')) return { type: 8, code: null };
  if (text.startsWith('echo reply')) return { type: 0, code: null };
  if (text.includes(' unreachable')) return { type: 3, code: unreachableCode(text) };
  if (text.startsWith('time exceeded in-transit')) return { type: 11, code: 0 };
  if (text.startsWith('ip reassembly time exceeded')) return { type: 11, code: 1 };
  if (text.startsWith('source quench')) return { type: 4, code: null };
  if (text.startsWith('redirect')) return { type: 5, code: null };
  if (text.startsWith('router advertisement')) return { type: 9, code: null };
  if (text.startsWith('router solicitation')) return { type: 10, code: null };
  if (text.startsWith('parameter problem')) return { type: 12, code: null };
  if (text.startsWith('time stamp query')) return { type: 13, code: null };
  if (text.startsWith('time stamp reply')) return { type: 14, code: null };
  if (text.startsWith('information request')) return { type: 15, code: null };
  if (text.startsWith('information reply')) return { type: 16, code: null };
  if (text.startsWith('address mask request')) return { type: 17, code: null };
  if (text.startsWith('address mask is')) return { type: 18, code: null };
  return null;
}

const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17 };

/**
 * The packet an `ICMP … unreachable` answers, from tcpdump's words (print-icmp.c): its destination, and where printed
 * its protocol and destination port; tcpdump never prints the source port. `answered` is the ICMP packet's own
 * destination, the host that sent the packet answered.
 */
export function unreachableHeader(text: string, answered: string): IcmpErrorHeader | null {
  let m = /^(\S+) (tcp|udp) port (\S+) unreachable/.exec(text);
  if (m) return { proto: PROTOCOLS[m[2]!]!, src: answered, dst: m[1]!, sport: null, dport: portNumber(m[3]!) };
  m = /^(\S+) protocol (\d{1,3}) port (\d{1,5}) unreachable/.exec(text);
  if (m) return { proto: fieldValue(m[2], U8), src: answered, dst: m[1]!, sport: null, dport: portNumber(m[3]!) };
  m = /^(\S+) protocol (\d{1,3}) unreachable/.exec(text);
  if (m) return { proto: fieldValue(m[2], U8), src: answered, dst: m[1]!, sport: null, dport: null };
  m = /^(?:host |net )?(\S+) unreachable/.exec(text);
  if (m && m[1] !== 'host' && m[1] !== 'net') return { proto: null, src: answered, dst: m[1]!, sport: null, dport: null };
  return null;
}

function unreachableCode(text: string): number | null {
  if (text.includes('need to frag')) return 4;
  if (text.includes('source route failed')) return 5;
  if (text.includes('admin prohibited filter')) return 13;
  if (/ (?:udp|tcp) port \S+ unreachable/.test(text)) return 3;
  if (text.includes(' protocol ')) return 2;
  if (text.startsWith('net ')) return 0;
  if (text.startsWith('host ')) return 1;
  return null;
}

const ICMP6_TYPES: readonly (readonly [string, number, number | null])[] = [
  ['echo request', 128, null],
  ['echo reply', 129, null],
  ['destination unreachable', 1, null],
  ['packet too big', 2, null],
  ['time exceeded in-transit', 3, 0],
  ['time exceeded', 3, null],
  ['parameter problem', 4, null],
  ['multicast listener query', 130, null],
  ['multicast listener report v2', 143, null],
  ['multicast listener report', 131, null],
  ['multicast listener done', 132, null],
  ['router solicitation', 133, null],
  ['router advertisement', 134, null],
  ['neighbor solicitation', 135, null],
  ['neighbor advertisement', 136, null],
  ['redirect', 137, null],
  ['router renumbering', 138, null],
  ['who-are-you request', 139, null],
  ['who-are-you reply', 140, null],
  ['inverse neighbor solicitation', 141, null],
  ['inverse neighbor advertisement', 142, null],
  ['mobile router solicitation', 151, null],
];

const UNREACHABLE6_CODES: readonly (readonly [string, number])[] = [
  ['unreachable route', 0],
  ['unreachable prohibited', 1],
  ['beyond scope', 2],
  ['unreachable address', 3],
  ['unreachable port', 4],
];

/** `message` is the text after `ICMP6, ` up to the next `, `; `detail` the field after it (the code for some types). */
export function icmp6Kind(message: string, detail: string): IcmpKind | null {
  const typeNumber = /^type-#(\d{1,3})/.exec(message);
  if (typeNumber) return typeOnly(typeNumber[1]);
  for (const [words, type, code] of ICMP6_TYPES) {
    if (!message.startsWith(words)) continue;
    if (type === 1) return { type, code: UNREACHABLE6_CODES.find(([w]) => detail.startsWith(w))?.[1] ?? null };
    if (type === 138) return { type, code: detail.startsWith('command') ? 0 : detail.startsWith('result') ? 1 : null };
    return { type, code };
  }
  return null;
}
