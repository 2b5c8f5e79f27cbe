/**
 * The packet part of a netfilter kernel log line, as the kernel's nf_log_syslog.c prints it for `-j LOG` and
 * iptables-legacy's `-j TRACE` alike: `IN=eth0 OUT= MAC=... SRC=10.0.0.1 DST=10.96.0.10 LEN=60 TOS=0x00 PREC=0x00 TTL=64
 * ID=24580 DF PROTO=TCP SPT=52156 DPT=80 SEQ=... WINDOW=64240 RES=0x00 SYN URGP=0 OPT (...) MARK=0x4000`. IPv6 prints
 * TC/HOPLIMIT/FLOWLBL in place of TOS/TTL/ID; ICMP prints `TYPE= CODE=` (echo: `ID= SEQ=`) and, for an error, the
 * packet it answers in brackets, which is not this packet and is left out. xtables-monitor's `PACKET:` lines use the
 * same words with SPORT/DPORT and MACSRC/MACDST.
 */
import type { KernelTracePacket } from '../../records/records';
import { isIpAddress } from '../../common/ip';

export interface LogFields {
  in: string | null;
  out: string | null;
  packet: KernelTracePacket;
  mark: number | null;
}

const TCP_FLAGS = new Set(['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN']);
const PROTO_NAMES: Readonly<Record<string, string>> = { TCP: 'tcp', UDP: 'udp', UDPLITE: 'udplite', ICMP: 'icmp', ICMPv6: 'icmpv6', SCTP: 'sctp', DCCP: 'dccp' };

/** Reads `IN=... OUT=...` and what follows; null when the text holds no packet the kernel logs (no IN=/OUT= pair). */
export function readLogFields(text: string, form: 'kernel' | 'xtables-monitor' = 'kernel'): LogFields | null {
  const tokens = outerTokens(text);
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  const flags: string[] = [];
  let proto: string | null = null;
  for (const t of tokens) {
    const eq = t.indexOf('=');
    if (eq < 0) {
      if ((proto !== null || form === 'xtables-monitor') && TCP_FLAGS.has(t)) flags.push(t);
      continue;
    }
    const key = t.slice(0, eq);
    const value = t.slice(eq + 1);
    if (key === 'PROTO') {
      proto = value;
      continue;
    }
    // ICMP's echo ID and SEQ follow PROTO; the IP header's ID comes before it.
    const into = proto === null ? before : after;
    if (!into.has(key)) into.set(key, value);
  }
  if (!before.has('IN') || (!before.has('OUT') && !before.has('SRC'))) return null;
  const src = before.get('SRC') ?? null;
  const family = src === null ? null : src.includes(':') ? 'ipv6' : 'ipv4';
  // xtables-monitor names no protocol: it prints ports for TCP, UDP, SCTP, DCCP and flags for TCP alone.
  if (form === 'xtables-monitor') {
    for (const key of ['SPORT', 'DPORT']) if (before.has(key)) after.set(key, before.get(key)!);
    if (flags.length > 0) proto = 'TCP';
  }
  const name = proto === null ? null : PROTO_NAMES[proto] ?? proto.toLowerCase();
  const icmp = name === 'icmp' || name === 'icmpv6';
  const type = int(after.get('TYPE'));
  const mark = after.get('MARK') ?? before.get('MARK');
  return {
    in: nonEmpty(before.get('IN')),
    out: nonEmpty(before.get('OUT')),
    mark: mark === undefined ? null : int(mark),
    packet: {
      family,
      proto: name,
      src,
      dst: before.get('DST') ?? null,
      sport: icmp ? null : int(after.get('SPT') ?? after.get('SPORT')),
      dport: icmp ? null : int(after.get('DPT') ?? after.get('DPORT')),
      icmp: icmp && type !== null ? { type, code: int(after.get('CODE')), id: int(after.get('ID')) } : null,
      // xtables-monitor prints `ID=1861DF` (no space before the DF flag).
      ipId: int(before.get('ID')?.replace(/DF$/, '')),
      tcpFlags: name === 'tcp' ? flags : null,
      length: int(before.get('LEN')),
    },
  };
}

/** What makes a packet as printed unreadable (an address or port that is none, as a cut or mangled line has), or null. */
export function packetProblem(p: KernelTracePacket): string | null {
  for (const [name, value] of [['SRC', p.src], ['DST', p.dst]] as const) {
    if (value !== null && !isIpAddress(value)) return `${name}=${value} is not an address`;
  }
  for (const [name, value] of [['source port', p.sport], ['destination port', p.dport]] as const) {
    if (value !== null && value > 65535) return `${name} ${value} is out of range`;
  }
  return null;
}

/** Space-separated tokens outside brackets (an ICMP error's quoted packet) and outside `OPT (...)`'s parentheses. */
function outerTokens(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  for (const raw of text.split(' ')) {
    if (raw === '') continue;
    const opens = count(raw, '[') + count(raw, '(');
    const closes = count(raw, ']') + count(raw, ')');
    if (depth === 0 && opens === 0) out.push(raw);
    depth = Math.max(0, depth + opens - closes);
  }
  return out;
}

function count(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) n++;
  return n;
}

function int(text: string | undefined): number | null {
  if (text === undefined || text === '') return null;
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isNaN(n) ? null : n;
}

function nonEmpty(text: string | undefined): string | null {
  return text === undefined || text === '' ? null : text;
}

export { int as traceInt };
