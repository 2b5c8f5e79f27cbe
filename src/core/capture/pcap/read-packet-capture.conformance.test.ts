import { describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import type { PacketRecord } from '../../records/records';
import { readPacketCapture } from './read-packet-capture';
import { KERNEL_CAPTURES, TCPDUMP_SUITE, type CaptureCorpus, type SuiteCapture } from './capture-corpus.fixture';
import { describeShared } from '../../../../test/support/describe-shared';

/**
 * Cells where tshark's view and ours differ on purpose, keyed `file#frame field`. Every entry
 * must still be hit (a stale skip fails the test).
 */
const SUITE_SKIPS: Record<string, string> = {
  'timestamp_invalid_micro.pcap#3 time':
    'fraction 2147483648 µs: tshark multiplies by 1000 in 32 bits and prints .000000000; we carry 2147.483648 s into the seconds',
  'timestamp_invalid_nano.pcap#3 time':
    'fraction 2147483648 ns: tshark reads it as a negative int32 and prints -1418145370.2147483648; we carry 2.147483648 s',
  'LINKTYPE_IPV6_invalid.pcap#1 network':
    'an IPv4 packet under LINKTYPE_IPV6: tshark reports ip.version 4 from its "Bogus IPv6 version" check but decodes nothing; so do we (network other)',
};

const UPPER_LAYER: Record<string, number> = { tcp: 6, udp: 17, icmpv6: 58, icmp: 1 };

function first(row: Map<string, string>, field: string): string {
  return (row.get(field) ?? '').split(',')[0]!;
}

/** The `n`th occurrence (from 0) of a field tshark prints once per layer that has it (`ip.src` of outer and inner). */
function nth(row: Map<string, string>, field: string, n: number): string {
  return (row.get(field) ?? '').split(',')[n] ?? '';
}

/** Where a tunnelled record's inner packet starts in tshark's protocol list (after vxlan/geneve, or the second IP header). */
function innerStart(protocols: string[], p: PacketRecord): number {
  if (p.tunnel == null) return 0;
  if (p.tunnel.kind === 'vxlan' || p.tunnel.kind === 'geneve') return protocols.indexOf(p.tunnel.kind) + 1;
  const outer = protocols.findIndex((x) => x === 'ip' || x === 'ipv6');
  return outer + 1;
}

function expectNumber(cell: string, radix = 10): number | null {
  return cell === '' ? null : parseInt(cell, radix);
}

function timeText(p: PacketRecord): string {
  return `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;
}

/** tshark prints unnormalised fractions (> 9 digits, or a minus sign): compare them as exact nanoseconds. */
function sameInstant(tshark: string, p: PacketRecord): boolean {
  const [sec, frac] = tshark.split('.') as [string, string];
  const nsec = frac.length > 9 ? BigInt(frac) : BigInt(frac.padEnd(9, '0'));
  return BigInt(sec) * 1_000_000_000n + nsec === BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec);
}

/** Differences between tshark's row and our record for one frame, as `field: expected X, got Y`. */
function compareFrame(capture: SuiteCapture, row: Map<string, string>, p: PacketRecord, skip: (field: string) => boolean): string[] {
  const out: string[] = [];
  const check = (field: string, expected: unknown, actual: unknown): void => {
    if (expected !== actual && !skip(field)) out.push(`${field}: expected ${String(expected)}, got ${String(actual)}`);
  };

  const time = row.get('frame.time_epoch')!;
  if (time === '') {
    check('time', '0.000000000', timeText(p));
  } else if (/^\d+\.\d{9}$/.test(time)) {
    const digits = capture.tsPrecision === 'ns' ? 9 : 6;
    const cut = (t: string): string => t.slice(0, t.indexOf('.') + 1 + digits);
    check('time', cut(time), cut(timeText(p)));
  } else if (!sameInstant(time, p)) {
    check('time', time, timeText(p));
  }
  check('cap_len', Number(row.get('frame.cap_len')), p.capLen);
  check('len', Number(row.get('frame.len')), p.origLen);
  check('vlan', expectNumber(first(row, 'vlan.id')), p.vlan);
  const ifId = row.get('frame.interface_id')!;
  if (capture.format === 'pcapng') check('linktype', capture.linktypes[Number(ifId)], p.linkType);
  else check('linktype', capture.linktypes[0], p.linkType);

  const protocols = (row.get('frame.protocols') ?? '').split(':');
  // A tunnelled record is the inner packet: its fields are tshark's occurrences after the tunnel, the outer its `tunnel`.
  const from = innerStart(protocols, p);
  const before = (layer: string): number => protocols.slice(0, from).filter((x) => x === layer).length;
  const cell = (r: Map<string, string>, field: string): string => nth(r, field, before(field.slice(0, field.indexOf('.'))));
  if (p.tunnel != null) {
    check('tunnel.src', nth(row, 'ip.src', 0) || nth(row, 'ipv6.src', 0), p.tunnel.src);
    check('tunnel.dst', nth(row, 'ip.dst', 0) || nth(row, 'ipv6.dst', 0), p.tunnel.dst);
    if (p.tunnel.dport !== null) check('tunnel.dport', expectNumber(nth(row, 'udp.dstport', 0)), p.tunnel.dport);
  }
  const innerNetwork = protocols.slice(from).find((x) => x === 'ip' || x === 'ipv6' || x === 'arp');
  const version = cell(row, 'ip.version');
  const network = p.tunnel != null
    ? innerNetwork === 'ip' ? 'ipv4' : innerNetwork === 'ipv6' ? 'ipv6' : innerNetwork === 'arp' ? 'arp' : 'other'
    : version === '4' ? 'ipv4' : version === '6' ? 'ipv6' : protocols.includes('arp') ? 'arp' : 'other';
  check('network', network, p.network);
  if (p.network !== network) return out;

  let l4: string | undefined;
  if (network === 'ipv4') {
    check('ip.src', cell(row, 'ip.src') || null, p.src);
    check('ip.dst', cell(row, 'ip.dst') || null, p.dst);
    check('ip.proto', expectNumber(cell(row, 'ip.proto')), p.ipProto);
    check('ip.id', expectNumber(cell(row, 'ip.id'), 16), p.ipId);
    check('ip.ttl', expectNumber(cell(row, 'ip.ttl')), p.ttl);
    check('ip.flags.mf', cell(row, 'ip.flags.mf') === '1', p.fragMf);
    check('ip.frag_offset', expectNumber(cell(row, 'ip.frag_offset')) ?? 0, p.fragOffset);
    l4 = protocols[protocols.indexOf('ip', from) + 1];
  }
  if (network === 'ipv6') {
    check('ipv6.src', cell(row, 'ipv6.src') || null, p.src);
    check('ipv6.dst', cell(row, 'ipv6.dst') || null, p.dst);
    check('ipv6.hlim', expectNumber(cell(row, 'ipv6.hlim')), p.ttl);
    let at = protocols.indexOf('ipv6', from) + 1;
    const extensions = protocols[at]?.startsWith('ipv6.') === true;
    while (protocols[at]?.startsWith('ipv6.') === true) at++;
    l4 = protocols[at];
    // ipv6.nxt is the fixed header's field; our ipProto is the upper layer after extension headers.
    if (!extensions) check('ipv6.nxt', expectNumber(cell(row, 'ipv6.nxt')), p.ipProto);
    else if (l4 !== undefined && UPPER_LAYER[l4] !== undefined) check('ipProto after extension headers', UPPER_LAYER[l4], p.ipProto);
    if (!protocols.includes('ipv6.fraghdr')) check('ipv6 unfragmented', '0/false', `${p.fragOffset}/${p.fragMf}`);
    else if (l4 === undefined && !p.truncated) check('ipv6 later fragment has an offset', true, p.fragOffset > 0);
    else if (l4 !== undefined) check('ipv6 first fragment', 0, p.fragOffset);
  }
  if (network === 'arp') {
    check('arp.opcode', expectNumber(cell(row, 'arp.opcode')), p.arpOp);
    check('arp.src.proto_ipv4', cell(row, 'arp.src.proto_ipv4') || null, p.src);
    check('arp.dst.proto_ipv4', cell(row, 'arp.dst.proto_ipv4') || null, p.dst);
  }

  // L4 fields are compared when the outer IP carries that protocol; otherwise tshark's cells
  // come from an inner packet (tunnel, ICMP error quote) and ours must stay empty.
  if (l4 === 'tcp') {
    check('tcp.srcport', expectNumber(cell(row, 'tcp.srcport')), p.sport);
    check('tcp.dstport', expectNumber(cell(row, 'tcp.dstport')), p.dport);
    const flags = expectNumber(cell(row, 'tcp.flags'), 16);
    check('tcp.flags', flags === null ? null : flags & 0xff, p.tcpFlags);
    check('tcp.seq_raw', expectNumber(cell(row, 'tcp.seq_raw')), p.seq);
    check('tcp.ack_raw', expectNumber(cell(row, 'tcp.ack_raw')), p.ack);
  } else if (l4 === 'udp') {
    check('udp.srcport', expectNumber(cell(row, 'udp.srcport')), p.sport);
    check('udp.dstport', expectNumber(cell(row, 'udp.dstport')), p.dport);
  } else if (l4 === 'icmp') {
    check('icmp.type', expectNumber(cell(row, 'icmp.type')), p.icmpType);
    check('icmp.code', expectNumber(cell(row, 'icmp.code')), p.icmpCode);
  } else if (l4 === 'icmpv6') {
    check('icmpv6.type', expectNumber(cell(row, 'icmpv6.type')), p.icmpType);
    check('icmpv6.code', expectNumber(cell(row, 'icmpv6.code')), p.icmpCode);
  } else {
    check(`ports under ${l4 ?? 'nothing'}`, null, p.sport);
    check(`icmp type under ${l4 ?? 'nothing'}`, null, p.icmpType);
  }
  if (l4 !== 'tcp') check('tcp flags outside tcp', null, p.tcpFlags);
  return out;
}

function readAll(corpus: CaptureCorpus, capture: SuiteCapture): { packets: PacketRecord[]; error: unknown } {
  const packets: PacketRecord[] = [];
  try {
    readPacketCapture(corpus.path(capture.file), (p) => packets.push(p));
    return { packets, error: null };
  } catch (error) {
    return { packets, error };
  }
}

/** Every capture of `corpus` read as tshark read it, frame by frame; `skips` are the cells allowed to differ. */
function agreesWithTshark(corpus: CaptureCorpus, skips: Record<string, string>): void {
  const manifest = corpus.manifest();
  const usedSkips = new Set<string>();

  it.each(manifest.map((c) => [c.file, c] as const))('%s decodes as tshark does', (_name, capture) => {
    const { packets, error } = readAll(corpus, capture);
    const rows = corpus.tsharkRows(capture.file);
    if (capture.fileError !== null) {
      expect(error).toBeInstanceOf(CaptureError);
      const record = Number(/record (\d+)/.exec(capture.fileError)![1]);
      expect((error as CaptureError).place.record).toBe(record);
      expect((error as CaptureError).place.offset).toBeGreaterThan(0);
      expect((error as CaptureError).message).toMatch(/truncated/);
    } else {
      expect(error).toBeNull();
    }
    expect(packets.length).toBe(capture.packets);
    expect(packets.length).toBe(rows.length);
    const mismatches: string[] = [];
    const ifaceOfId = new Map<string, string | null>();
    packets.forEach((p, i) => {
      // pcapng: one interface id, one name (SLL2 packets name their own interface index instead).
      const ifId = rows[i]!.get('frame.interface_id')!;
      if (capture.format === 'pcapng' && p.linkType !== 276) {
        if (!ifaceOfId.has(ifId)) ifaceOfId.set(ifId, p.iface);
        if (ifaceOfId.get(ifId) !== p.iface) mismatches.push(`frame ${p.frame} iface: ${p.iface} for interface ${ifId}, earlier ${ifaceOfId.get(ifId)}`);
      }
      expect(p.frame).toBe(i + 1);
      const skip = (field: string): boolean => {
        const key = `${capture.file}#${p.frame} ${field}`;
        if (skips[key] === undefined) return false;
        usedSkips.add(key);
        return true;
      };
      for (const m of compareFrame(capture, rows[i]!, p, skip)) mismatches.push(`frame ${p.frame} ${m}`);
    });
    expect(mismatches).toEqual([]);
    const names = [...ifaceOfId.values()].filter((n) => n !== null);
    expect(new Set(names).size).toBe(names.length);
  });

  it('uses every listed skip (none is stale)', () => {
    expect([...usedSkips].sort()).toEqual(Object.keys(skips).sort());
  });
}

describe('readPacketCapture against tshark on the kernel captures', () => {
  it('has captures of every link type Linux writes here: Ethernet, SLL, SLL2, raw IP, NFLOG, and a pcapng mixing two', () => {
    expect(new Set(KERNEL_CAPTURES.manifest().flatMap((c) => c.linktypes))).toEqual(new Set([1, 101, 113, 239, 276]));
    expect(KERNEL_CAPTURES.manifest().some((c) => c.format === 'pcapng' && c.linktypes.length > 1 && c.tsPrecision === 'ns')).toBe(true);
  });
  agreesWithTshark(KERNEL_CAPTURES, {});
});

describeShared('tcpdump-suite', 'readPacketCapture against tshark on the tcpdump conformance suite', () => {
  agreesWithTshark(TCPDUMP_SUITE, SUITE_SKIPS);
});
