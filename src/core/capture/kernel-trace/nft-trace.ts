/**
 * The trace lines of nf_tables, as its two monitors print them.
 * - `xtables-monitor --trace` (iptables' xtables-monitor.c): `PACKET: 2 9abd61f1 IN=ks0 ... SRC=... SPORT=... SYN`, then
 *   ` TRACE: 2 9abd61f1 nat:KUBE-SVC:rule:0x5:ACCEPT  -4 -t nat -A KUBE-SVC ... -j DNAT ...`, `...:policy:ACCEPT`, `...:return:`.
 *   The number after `rule:` is the rule's handle, not its position; the rule is printed in iptables-save's syntax.
 * - `nft monitor trace` (nftables' netlink trace printer): `trace id 9abd61f1 ip nat KUBE-SVC rule ... (verdict accept)`,
 *   `... packet: iif "ks0" ip saddr ... tcp dport 80 ...`, `... policy accept`, `... verdict continue` (a chain's end).
 */
import type { KernelTraceHook, KernelTracePacket } from '../../records/records';
import { readLogFields, traceInt, type LogFields } from './log-packet';

export type NftLine =
  | { kind: 'xt-packet'; traceId: string; fields: LogFields }
  | { kind: 'trace'; traceId: string; hook: KernelTraceHook; fields: LogFields | null; familyNumber: number | null };

const XT_PACKET = /^\s*PACKET: (\d+) ([0-9a-f]+) (.*)$/;
const XT_TRACE = /^\s*TRACE: (\d+) ([0-9a-f]+) ([^:\s]+):([^:\s]+):(rule|return|policy):(.*)$/;
const NFT_TRACE = /^trace id ([0-9a-f]+) (ip6?|inet|bridge|arp|netdev) (\S+) (\S+) (packet: |rule |policy |verdict )(.*)$/;

export function readNftLine(message: string): NftLine | null {
  const packet = XT_PACKET.exec(message);
  if (packet) {
    const fields = readLogFields(packet[3]!, 'xtables-monitor');
    return fields === null ? null : { kind: 'xt-packet', traceId: packet[2]!, fields };
  }
  const xt = XT_TRACE.exec(message);
  if (xt) return { kind: 'trace', traceId: xt[2]!, hook: xtHook(xt[3]!, xt[4]!, xt[5]!, xt[6]!), fields: null, familyNumber: Number(xt[1]) };
  const nft = NFT_TRACE.exec(message);
  if (nft) {
    const [, id, family, table, chain, type, rest] = nft as unknown as [string, string, string, string, string, string, string];
    return { kind: 'trace', traceId: id, ...nftEvent(family, table, chain, type.trim(), rest.trim()), familyNumber: null };
  }
  return null;
}

function xtHook(table: string, chain: string, type: string, rest: string): KernelTraceHook {
  if (type === 'rule') {
    // `0x5:JUMP:KUBE-SVC  -4 -t nat -A PREROUTING -j KUBE-SVC`
    const m = /^0x([0-9a-f]+):(\S*)\s*(.*)$/.exec(rest.trim());
    const ruleText = m?.[3]?.trim().replace(/^-[46] /, '') ?? '';
    return { kind: 'rule', table, chain, position: null, handle: m ? parseInt(m[1]!, 16) : null, verdict: m?.[2] || null, ruleText: ruleText === '' ? null : ruleText };
  }
  const verdict = rest.trim() === '' ? null : rest.trim();
  return type === 'policy' ? { kind: 'policy', table, chain, position: null, verdict } : { kind: 'return', table, chain, position: null, verdict };
}

function nftEvent(family: string, table: string, chain: string, type: string, rest: string): { hook: KernelTraceHook; fields: LogFields | null } {
  switch (type) {
    case 'packet:':
      return { hook: { kind: 'packet', table, chain }, fields: nftPacket(family, rest) };
    case 'rule': {
      const m = /^(.*?)\s*\(verdict ([^)]*)\)$/.exec(rest);
      return { hook: { kind: 'rule', table, chain, position: null, handle: null, verdict: m?.[2] ?? null, ruleText: (m?.[1] ?? rest) || null }, fields: null };
    }
    case 'policy':
      return { hook: { kind: 'policy', table, chain, position: null, verdict: rest || null }, fields: null };
    default:
      return { hook: { kind: 'return', table, chain, position: null, verdict: rest || null }, fields: null };
  }
}

const ICMP_TYPES: Readonly<Record<string, number>> = {
  'echo-reply': 0, 'destination-unreachable': 3, 'source-quench': 4, redirect: 5, 'echo-request': 8, 'time-exceeded': 11, 'parameter-problem': 12,
};
const ICMPV6_TYPES: Readonly<Record<string, number>> = {
  'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'parameter-problem': 4, 'echo-request': 128, 'echo-reply': 129,
  'nd-router-solicit': 133, 'nd-router-advert': 134, 'nd-neighbor-solicit': 135, 'nd-neighbor-advert': 136,
};
const L4 = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite']);

/** `iif "ks0" ether saddr ... ip saddr 10.77.0.1 ip daddr 10.96.0.11 ... ip id 1861 ip length 60 tcp sport 40568 tcp dport 80 tcp flags == syn` */
function nftPacket(family: string, text: string): LogFields {
  const words = text.split(/\s+/);
  const packet: KernelTracePacket = {
    family: family === 'ip6' ? 'ipv6' : family === 'ip' ? 'ipv4' : null, proto: null, src: null, dst: null, sport: null, dport: null,
    icmp: null, ipId: null, tcpFlags: null, length: null,
  };
  let iif: string | null = null;
  let oif: string | null = null;
  let mark: number | null = null;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    const unquoted = next?.replace(/^"|"$/g, '') ?? null;
    if (w === 'iif') iif = unquoted;
    else if (w === 'oif') oif = unquoted;
    else if ((w === 'ip' || w === 'ip6') && (next === 'saddr' || next === 'daddr' || next === 'id' || next === 'length')) {
      const value = words[i + 2] ?? null;
      packet.family = w === 'ip' ? 'ipv4' : 'ipv6';
      if (next === 'saddr') packet.src = value;
      else if (next === 'daddr') packet.dst = value;
      else if (next === 'id') packet.ipId = traceInt(value ?? undefined);
      else packet.length = traceInt(value ?? undefined);
      i += 2;
    } else if (L4.has(w) && (next === 'sport' || next === 'dport')) {
      packet.proto = w;
      const port = traceInt(words[i + 2]);
      if (next === 'sport') packet.sport = port;
      else packet.dport = port;
      i += 2;
    } else if (w === 'tcp' && next === 'flags') {
      packet.proto = 'tcp';
      // `tcp flags == syn` or `tcp flags == 0x12` / `tcp flags == syn | ack`
      const flags: string[] = [];
      let j = i + 2;
      if (words[j] === '==') j++;
      for (; j < words.length && /^[a-z|]+$/.test(words[j]!) && !['ip', 'tcp', 'meta', 'udp'].includes(words[j]!); j++) {
        for (const f of words[j]!.split('|')) if (f !== '') flags.push(f.toUpperCase());
      }
      packet.tcpFlags = flags;
      i = j - 1;
    } else if ((w === 'icmp' || w === 'icmpv6') && (next === 'type' || next === 'code' || next === 'id')) {
      packet.proto = w;
      const value = words[i + 2] ?? '';
      const icmp = packet.icmp ?? { type: -1, code: null, id: null };
      if (next === 'type') icmp.type = (w === 'icmp' ? ICMP_TYPES : ICMPV6_TYPES)[value] ?? traceInt(value) ?? -1;
      else if (next === 'code') icmp.code = traceInt(value);
      else icmp.id = traceInt(value);
      packet.icmp = icmp;
      i += 2;
    } else if (w === 'meta' && next === 'mark') {
      mark = traceInt(words[i + 2]);
      i += 2;
    }
  }
  if (packet.icmp !== null && packet.icmp.type < 0) packet.icmp = null;
  return { in: iif, out: oif, packet, mark };
}
