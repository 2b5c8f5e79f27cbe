/**
 * Test support: tshark's `-T fields` table of a capture, and a comparison of tcpdump-text PacketRecords
 * against it that checks only what tcpdump prints in the form being compared (explicit options, never
 * "skip when ours is null").
 */
import type { PacketRecord } from '../../records/records';

export type FieldsRow = Readonly<Record<string, string>>;

export function readFieldsTable(tsv: string): FieldsRow[] {
  const lines = tsv.split('\n').filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    const row: Record<string, string> = {};
    header.forEach((name, i) => (row[name] = cells[i] ?? ''));
    return row;
  });
}

export interface CompareOptions {
  /** How the text prints time: -tt (epoch) with 6 or 9 digits, default time of day, or not compared. */
  time: { clock: 'epoch' | 'time-of-day'; digits: 6 | 9 } | null;
  /** -v: ttl, IPv4 id and fragment fields are printed. */
  verbose: boolean;
  /** -e: frame length and VLAN tag are printed. */
  link: boolean;
  /** -S: every sequence number is absolute. */
  absoluteSeq: boolean;
}

const TCP_ACK = 0x10;
const TCP_SYN = 0x02;
const NETWORKS = new Set(['ip', 'ipv6', 'arp']);
const TRANSPORTS = new Set(['tcp', 'udp', 'icmp', 'icmpv6']);

/** Mismatches as `frame N (line L): what`, empty when every compared field agrees. */
export function comparePackets(packets: readonly PacketRecord[], rows: readonly FieldsRow[], lineText: (line: number) => string, options: CompareOptions): string[] {
  const problems: string[] = [];
  const seqBase = new Map<string, number>();
  const ackBase = new Map<string, number>();
  packets.forEach((p, i) => {
    const row = rows[i];
    const where = `frame ${p.frame} (line ${p.line})`;
    const expect = (what: string, ours: unknown, theirs: unknown): void => {
      if (ours !== theirs) problems.push(`${where}: ${what}: parsed ${JSON.stringify(ours)}, tshark ${JSON.stringify(theirs)}`);
    };
    if (row === undefined) {
      problems.push(`${where}: no tshark row`);
      return;
    }
    const text = lineText(p.line ?? 0);
    compareTime(p, row, options, expect);

    const allProtocols = row['frame.protocols']!.split(':');
    // A tunnelled packet's record is the inner packet: tshark's layers after the tunnel, its fields' later occurrences.
    const from = innerStart(allProtocols, p);
    const protocols = allProtocols.slice(from);
    const before = (layer: string): number => allProtocols.slice(0, from).filter((x) => x === layer).length;
    const cell = (r: FieldsRow, name: string): string | null => nth(r, name, before(name.slice(0, name.indexOf('.'))));
    if (p.tunnel != null) {
      expect('tunnel src', p.tunnel.src, first(row, 'ip.src') ?? first(row, 'ipv6.src'));
      expect('tunnel dst', p.tunnel.dst, first(row, 'ip.dst') ?? first(row, 'ipv6.dst'));
      if (p.tunnel.dport !== null) expect('tunnel dport', p.tunnel.dport, Number(first(row, 'udp.dstport')));
    }
    const network = protocols.find((x) => NETWORKS.has(x)) ?? null;
    const netIndex = network === null ? -1 : protocols.indexOf(network);
    expect('network', p.network, network === 'ip' ? 'ipv4' : network === 'ipv6' ? 'ipv6' : network === 'arp' ? 'arp' : 'other');
    if (options.link) {
      // An 802.3 frame shows its length field, not the frame length; the parser leaves it 0 (unknown).
      expect('origLen', p.origLen, text.includes(', 802.3, length ') ? 0 : Number(row['frame.len']));
      expect('vlan', p.vlan, first(row, 'vlan.id') === null ? null : Number(first(row, 'vlan.id')));
    }
    if (network === 'arp') {
      expect('arpOp', p.arpOp, Number(cell(row, 'arp.opcode')));
      expect('arp sender', p.src, cell(row, 'arp.src.proto_ipv4'));
      if (p.arpOp === 1) expect('arp target', p.dst, cell(row, 'arp.dst.proto_ipv4'));
      return;
    }
    if (network !== 'ip' && network !== 'ipv6') return;
    // tcpdump stops at a broken IP header and prints no addresses.
    if (/ IP6? (?:\(.*\) )?(?:bad-len|bad-hlen|bad-ver)| \[\|ip6?\]/.test(text)) {
      expect('src of a broken header', p.src, null);
      return;
    }
    const v4 = network === 'ip';
    expect('src', p.src, cell(row, v4 ? 'ip.src' : 'ipv6.src'));
    expect('dst', p.dst, cell(row, v4 ? 'ip.dst' : 'ipv6.dst'));
    if (options.verbose) {
      expect('ttl', p.ttl, Number(cell(row, v4 ? 'ip.ttl' : 'ipv6.hlim')));
      if (v4) {
        expect('ip id', p.ipId, parseInt(cell(row, 'ip.id') ?? 'x', 16));
        expect('MF', p.fragMf, cell(row, 'ip.flags.mf') === '1');
        expect('fragment offset', p.fragOffset, Number(cell(row, 'ip.frag_offset')));
      }
    }
    // The layer right above the outer IP header (after IPv6 extension headers); tunnels' inner layers are not printed first.
    const above = protocols.slice(netIndex + 1).find((x) => !x.startsWith('ipv6.')) ?? null;
    const transport = above !== null && TRANSPORTS.has(above) ? above : null;
    switch (transport) {
      case 'tcp':
        expect('ipProto', p.ipProto, 6);
        expect('sport', p.sport, Number(cell(row, 'tcp.srcport')));
        expect('dport', p.dport, Number(cell(row, 'tcp.dstport')));
        if (p.truncated === null) {
          expect('tcp flags', p.tcpFlags, parseInt(cell(row, 'tcp.flags') ?? 'x', 16) & 0xff);
          compareSequence(p, row, options, seqBase, ackBase, where, problems);
        }
        return;
      case 'udp':
        expect('ipProto', p.ipProto, 17);
        expect('sport', p.sport, Number(cell(row, 'udp.srcport')));
        expect('dport', p.dport, Number(cell(row, 'udp.dstport')));
        return;
      case 'icmp':
      case 'icmpv6': {
        const prefix = transport === 'icmp' ? 'icmp' : 'icmpv6';
        expect('ipProto', p.ipProto, transport === 'icmp' ? 1 : 58);
        // tcpdump prints no type for an ICMPv6 message too short to hold one (`ICMP6, length 0`).
        if (/ICMP6, length /.test(text)) return;
        expect('icmp type', p.icmpType, Number(cell(row, `${prefix}.type`)));
        if (p.icmpCode !== null) expect('icmp code', p.icmpCode, Number(cell(row, `${prefix}.code`)));
        return;
      }
      default:
        return;
    }
  });
  if (packets.length !== rows.length) problems.push(`packet count: parsed ${packets.length}, tshark ${rows.length}`);
  return problems;
}

function compareTime(p: PacketRecord, row: FieldsRow, options: CompareOptions, expect: (what: string, ours: unknown, theirs: unknown) => void): void {
  const epoch = row['frame.time_epoch']!;
  if (options.time === null || epoch === '') return;
  const [secText, fraction] = epoch.split('.') as [string, string];
  const digits = options.time.digits;
  const sec = options.time.clock === 'epoch' ? Number(secText) : Number(secText) % 86_400;
  expect('time', `${p.tsSec}.${String(p.tsNsec).padStart(9, '0').slice(0, digits)}`, `${sec}.${fraction.slice(0, digits)}`);
}

/**
 * tcpdump prints seq/ack absolute unless the ACK flag is set and it has seen the conversation before (then
 * relative to the first packet it saw), and absolute again on a SYN. So raw - printed is 0 for the absolute
 * ones and one constant per direction otherwise; with -S it is always 0.
 */
function compareSequence(p: PacketRecord, row: FieldsRow, options: CompareOptions, seqBase: Map<string, number>, ackBase: Map<string, number>, where: string, problems: string[]): void {
  const key = `${p.src}.${p.sport}>${p.dst}.${p.dport}`;
  const flags = p.tcpFlags ?? 0;
  if (flags & TCP_SYN) {
    seqBase.delete(key);
    ackBase.delete(key);
  }
  const check = (what: string, printed: number | null, raw: string | null, bases: Map<string, number>): void => {
    if (printed === null || raw === null) return;
    const diff = (Number(raw) - printed + 2 ** 32) % 2 ** 32;
    const mustBeAbsolute = options.absoluteSeq || !(flags & TCP_ACK) || (flags & TCP_SYN) !== 0;
    if (diff === 0) return;
    if (mustBeAbsolute) {
      problems.push(`${where}: ${what} ${printed} should be absolute ${raw}`);
      return;
    }
    const base = bases.get(key);
    if (base === undefined) bases.set(key, diff);
    else if (base !== diff) problems.push(`${where}: ${what} ${printed} is relative to ${diff}, earlier packets to ${base}`);
  };
  check('seq', p.seq, first(row, 'tcp.seq_raw'), seqBase);
  check('ack', p.ack, first(row, 'tcp.ack_raw'), ackBase);
}

function first(row: FieldsRow, name: string): string | null {
  const value = row[name] ?? '';
  if (value === '') return null;
  const comma = value.indexOf(',');
  return comma < 0 ? value : value.slice(0, comma);
}

/** The `n`th occurrence (from 0) of a field tshark prints once per layer that has it. */
function nth(row: FieldsRow, name: string, n: number): string | null {
  const value = (row[name] ?? '').split(',')[n] ?? '';
  return value === '' ? null : value;
}

/** Where a tunnelled record's inner packet starts in tshark's protocol list (after vxlan/geneve, or the second IP header). */
function innerStart(protocols: string[], p: PacketRecord): number {
  if (p.tunnel == null) return 0;
  if (p.tunnel.kind === 'vxlan' || p.tunnel.kind === 'geneve') return protocols.indexOf(p.tunnel.kind) + 1;
  return protocols.findIndex((x) => x === 'ip' || x === 'ipv6') + 1;
}
