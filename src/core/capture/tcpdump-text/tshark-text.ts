/**
 * tshark's default one-line summary (`tshark -r file`, `ksniff`): `N TIME SRC → DST PROTO LEN INFO`, time in
 * seconds since the first packet. Read into PacketRecords as far as its columns say: addresses, the
 * protocol, the frame length, and from the Info column the ports (`45678 → 80`) and flags (`[SYN, ACK]`) of
 * TCP and UDP, ARP's who-has/is-at, the ICMP message. What the summary does not show stays null.
 */
import { CaptureError } from '../capture-error';
import { isIpv4, isIpv6 } from '../../common/ip';
import type { PacketCaptureSummary, PacketRecord, PacketSink } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

/** No., Time, Source, →, Destination (blank when tshark has none to show), Protocol, Length, Info. */
const LINE = /^\s*(\d+)\s+(\d+(?:\.\d{1,9})?)\s+(\S+)\s+(?:->|→)\s+(?:(\S+)\s+)??([A-Za-z][\w./-]*)\s+(\d+)(?:\s+(.*))?$/;

const IP_PROTOCOLS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, ICMP: 1, ICMPV6: 58, SCTP: 132, GRE: 47, ESP: 50, IGMPV2: 2, IGMPV3: 2, VRRP: 112 };
/** Application protocols whose transport is certain; others (DNS, which runs over both) leave it unknown. */
const OVER_TCP = new Set(['HTTP', 'HTTP2', 'TLSV1', 'TLSV1.1', 'TLSV1.2', 'TLSV1.3', 'SSL', 'SSH', 'SSHV2', 'BGP', 'SMTP', 'FTP', 'POSTGRESQL', 'MYSQL']);
const OVER_UDP = new Set(['QUIC', 'NTP', 'DHCP', 'BOOTP', 'DHCPV6', 'SNMP', 'SYSLOG', 'MDNS', 'LLMNR', 'NBNS', 'SSDP', 'VXLAN', 'GENEVE', 'WIREGUARD', 'STUN']);
const TCP_FLAGS: Readonly<Record<string, number>> = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 };
const UNREACHABLE_CODES: Readonly<Record<string, number>> = {
  'Network unreachable': 0, 'Host unreachable': 1, 'Protocol unreachable': 2, 'Port unreachable': 3, 'Fragmentation needed': 4,
  'Communication administratively filtered': 13,
};

/** Most of the first lines are tshark summary lines (a banner line or two may come first). */
export function looksLikeTsharkText(text: string): boolean {
  let seen = 0;
  let matched = 0;
  for (const line of text.slice(0, 16_384).split(/\r\n|\r|\n/)) {
    if (line.trim() === '') continue;
    if (++seen > 20) break;
    if (LINE.test(line)) matched++;
  }
  return matched >= 1 && matched * 2 > seen;
}

export interface TsharkTextSummary extends PacketCaptureSummary {
  /** Non-blank lines that were not packet lines (a banner, a prompt). */
  skippedLines: number;
}

export function parseTsharkText(input: TextInput, sink: PacketSink): TsharkTextSummary {
  let packets = 0;
  let skippedLines = 0;
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const m = LINE.exec(text);
    if (m === null) {
      skippedLines++;
      continue;
    }
    sink(packetOf(m, line, ++packets));
  }
  if (packets === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no tshark packet line found');
  return { packets, firstPacketAt: null, linkTypes: [], interfaces: [], skippedLines };
}

function packetOf(m: RegExpExecArray, line: number, frame: number): PacketRecord {
  const [, , time, source, destination, protocol, length, info] = m;
  const [sec, fraction = ''] = time!.split('.');
  const p: PacketRecord = {
    frame, tsSec: Number(sec), tsNsec: Number(fraction.padEnd(9, '0')), iface: null, direction: null, linkType: null,
    capLen: 0, origLen: Number(length), srcMac: null, dstMac: null, vlan: null, network: 'other', etherType: null,
    src: null, dst: null, ipProto: null, ipId: null, ttl: null, fragMf: false, fragOffset: 0, sport: null, dport: null,
    tcpFlags: null, seq: null, ack: null, payloadLen: null, icmpType: null, icmpCode: null, arpOp: null, truncated: null,
    line, offset: null,
  };
  const proto = protocol!.toUpperCase();
  const rest = info ?? '';
  if (proto === 'ARP') {
    p.network = 'arp';
    if (/^[0-9a-fA-F:]{17}$/.test(source!)) p.srcMac = source!.toLowerCase();
    readArp(p, rest);
    return p;
  }
  const v4 = isIpv4(source!) && destination !== undefined && isIpv4(destination);
  const v6 = !v4 && isIpv6(source!) && destination !== undefined && isIpv6(destination);
  if (!v4 && !v6) return p;
  p.network = v4 ? 'ipv4' : 'ipv6';
  p.src = source!;
  p.dst = destination!;
  p.ipProto = IP_PROTOCOLS[proto] ?? (OVER_TCP.has(proto) ? 6 : OVER_UDP.has(proto) ? 17 : null);
  if (p.ipProto === 6 || p.ipProto === 17) readPorts(p, rest);
  if (proto === 'TCP') readTcpFlags(p, rest);
  if (proto === 'ICMP' || proto === 'ICMPV6') readIcmp(p, rest, proto === 'ICMP');
  return p;
}

/** `45678 → 80 [SYN] Seq=0 ...` (older tshark: `45678 > 80`), only where the Info column opens with the ports. */
function readPorts(p: PacketRecord, info: string): void {
  const m = /^(\d{1,5})\s+(?:→|>|->)\s+(\d{1,5})\b/.exec(info);
  if (m === null) return;
  const sport = Number(m[1]);
  const dport = Number(m[2]);
  if (sport > 65535 || dport > 65535) return;
  p.sport = sport;
  p.dport = dport;
}

function readTcpFlags(p: PacketRecord, info: string): void {
  const m = /\[((?:[A-Z]{3}(?:, )?)+)\]/.exec(info);
  if (m === null) return;
  let flags = 0;
  for (const name of m[1]!.split(', ')) flags |= TCP_FLAGS[name] ?? 0;
  p.tcpFlags = flags;
}

/** `Who has 10.0.0.1? Tell 10.0.0.22` (request: src is the sender, dst the target), `10.0.0.1 is at MAC` (reply). */
function readArp(p: PacketRecord, info: string): void {
  const request = /^Who has (\S+?)\?\s+Tell (\S+)/.exec(info);
  if (request !== null) {
    p.arpOp = 1;
    p.dst = isIpv4(request[1]!) ? request[1]! : null;
    p.src = isIpv4(request[2]!) ? request[2]! : null;
    return;
  }
  const reply = /^(\S+) is at ([0-9a-fA-F:]{17})/.exec(info);
  if (reply !== null) {
    p.arpOp = 2;
    p.src = isIpv4(reply[1]!) ? reply[1]! : null;
    p.srcMac = reply[2]!.toLowerCase();
  }
}

function readIcmp(p: PacketRecord, info: string, v4: boolean): void {
  if (/^Echo \(ping\) request/.test(info)) p.icmpType = v4 ? 8 : 128;
  else if (/^Echo \(ping\) reply/.test(info)) p.icmpType = v4 ? 0 : 129;
  else if (v4 && /^Destination unreachable/.test(info)) {
    p.icmpType = 3;
    const code = /^Destination unreachable \(([^)]*)\)/.exec(info)?.[1];
    p.icmpCode = code === undefined ? null : UNREACHABLE_CODES[code] ?? null;
  } else if (v4 && /^Time-to-live exceeded/.test(info)) p.icmpType = 11;
  const id = /\bid=0x([0-9a-fA-F]{1,4})\b/.exec(info);
  if (id !== null && (p.icmpType === 8 || p.icmpType === 0 || p.icmpType === 128 || p.icmpType === 129)) p.icmpId = Number.parseInt(id[1]!, 16);
}
