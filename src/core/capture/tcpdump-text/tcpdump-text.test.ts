import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import type { PacketRecord } from '../../records/records';
import { looksLikeTcpdumpText, parseTcpdumpText, type TcpdumpTextSummary } from './tcpdump-text';
import { comparePackets, readFieldsTable } from './tshark-table';
import { describeShared } from '../../../../test/support/describe-shared';
import { sharedFile } from '../../../../test/support/shared-corpus';
import { KERNEL_CAPTURES, TCPDUMP_SUITE, type CaptureCorpus } from '../pcap/capture-corpus.fixture';

function read(text: string, firstLine = 1): { packets: PacketRecord[]; summary: TcpdumpTextSummary } {
  const packets: PacketRecord[] = [];
  const summary = parseTcpdumpText({ file: 'cap.txt', text, firstLine }, (p) => packets.push(p));
  return { packets, summary };
}

describe('tcpdump text: timestamps', () => {
  it('reads -tt epoch times exactly, with micro- and nanosecond fractions', () => {
    const { packets, summary } = read('1700000000.123456 IP 10.0.0.1.1 > 10.0.0.2.2: UDP, length 1\n');
    const nano = read('1700000001.000000005 IP 10.0.0.1.1 > 10.0.0.2.2: UDP, length 1\n').packets;
    expect([...packets, ...nano].map((p) => [p.tsSec, p.tsNsec])).toEqual([[1700000000, 123456000], [1700000001, 5]]);
    expect(summary.clock).toBe('epoch');
    expect(summary.firstPacketAt).toBe('2023-11-14T22:13:20.123456000Z');
  });

  it('reads -tttt date and time as UTC', () => {
    const { packets, summary } = read('2024-01-01 10:00:00.123456 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64\n');
    expect([packets[0]!.tsSec, packets[0]!.tsNsec]).toEqual([Date.UTC(2024, 0, 1, 10) / 1000, 123456000]);
    expect(summary.clock).toBe('date-time');
  });

  it('counts a time of day from midnight and adds a day when the clock wraps', () => {
    const { packets, summary } = read(
      '23:59:59.900000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64\n' +
        '00:00:00.100000 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 1, seq 1, length 64\n',
    );
    expect(packets.map((p) => p.tsSec)).toEqual([86_399, 86_400]);
    expect(summary.clock).toBe('time-of-day');
    expect(summary.firstPacketAt).toBeNull();
  });

  it('sums -ttt deltas so times run from the first packet', () => {
    const { packets, summary } = read(
      [' 00:00:00.000000 ARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28',
        ' 00:00:01.500000 ARP, Reply 10.0.0.1 is-at 02:00:00:00:00:01, length 28',
        ' 00:00:00.700000 IP 10.0.0.2 > 10.0.0.1: ICMP echo request, id 1, seq 1, length 64'].join('\n'),
    );
    expect(packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([[0, 0], [1, 500000000], [2, 200000000]]);
    expect(summary.clock).toBe('delta');
  });

  it('sums negative -ttt deltas (-i any merges its queues out of time order) into times since the first packet', () => {
    const { packets, summary } = read([
      ' 00:00:00.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64',
      ' 00:00:00.000021 IP 10.0.0.2 > 10.0.0.1: ip-proto-1',
      '-00:00:00.000005 IP 10.0.0.2 > 10.0.0.1: ip-proto-1',
      '-00:00:00.000010 IP 10.0.0.2 > 10.0.0.1: ip-proto-1',
      ' 00:00:02.000012 IP 10.0.0.2 > 10.0.0.1: ip-proto-1',
      '',
    ].join('\n'));
    expect(summary.clock).toBe('delta');
    expect(packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([[0, 0], [0, 21_000], [0, 16_000], [0, 6_000], [2, 18_000]]);
  });

  it('keeps -ttttt times since the first packet as printed', () => {
    const { packets, summary } = read(' 00:00:00.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64\n 00:00:02.876543 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 1, seq 1, length 64\n');
    expect(packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([[0, 0], [2, 876543000]]);
    expect(summary.clock).toBe('since-first');
  });

  it('puts every packet at 0 when -t printed no time', () => {
    const { packets, summary } = read('IP 10.0.0.1.5 > 10.0.0.2.80: Flags [S], seq 7, win 1, length 0\nARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28\n');
    expect(packets.map((p) => [p.frame, p.tsSec, p.tsNsec, p.network])).toEqual([[1, 0, 0, 'ipv4'], [2, 0, 0, 'arp']]);
    expect(summary.clock).toBe('none');
  });
});

describe('tcpdump text: packet lines', () => {
  it('reads -i any interface and direction (In, Out, P, M, B)', () => {
    const text = ['In', 'Out', 'P', 'M', 'B']
      .map((d, i) => `1700000000.00000${i} eth${i}  ${d.padEnd(3)} IP 10.0.0.1.1 > 10.0.0.2.2: UDP, length ${i}`)
      .join('\n');
    const { packets, summary } = read(text);
    expect(packets.map((p) => [p.iface, p.direction, p.payloadLen])).toEqual([
      ['eth0', 'in', 0], ['eth1', 'out', 1], ['eth2', 'in', 2], ['eth3', 'in', 3], ['eth4', 'in', 4],
    ]);
    expect(summary.interfaces).toEqual(['eth0', 'eth1', 'eth2', 'eth3', 'eth4']);
  });

  it('reads a -v IPv4 header and the addresses on the indented line after it', () => {
    const { packets } = read(
      '10:00:00.000001 IP (tos 0x0, ttl 63, id 4321, offset 0, flags [+], proto ICMP (1), length 84)\n' +
        '    10.40.1.3 > 10.40.2.3: ICMP echo request, id 7, seq 2, length 64\n',
    );
    expect(packets[0]).toMatchObject({ ttl: 63, ipId: 4321, fragMf: true, fragOffset: 0, ipProto: 1, src: '10.40.1.3', dst: '10.40.2.3', icmpType: 8, payloadLen: 56 });
  });

  it('splits the port off IPv4, IPv6 and IPv4-mapped addresses at the last dot', () => {
    const { packets } = read(
      ['1.000000 IP 10.0.0.1.48648 > 10.0.0.2.80: Flags [S.], seq 1:100, ack 5, win 1, length 99',
        '2.000000 IP6 2001:db8::1.53 > fe80::2.40000: 4660+ A? example.com. (29)',
        '3.000000 IP6 ::ffff:10.0.0.1.80 > ::ffff:10.0.0.2.81: Flags [R], seq 9, win 0, length 0',
        '4.000000 IP6 ::ffff:10.0.0.1 > ::ffff:10.0.0.2: ICMP6, echo request, id 1, seq 1, length 16'].join('\n'),
    );
    expect(packets.map((p) => [p.src, p.sport, p.dst, p.dport, p.ipProto])).toEqual([
      ['10.0.0.1', 48648, '10.0.0.2', 80, 6], ['2001:db8::1', 53, 'fe80::2', 40000, 17],
      ['::ffff:10.0.0.1', 80, '::ffff:10.0.0.2', 81, 6], ['::ffff:10.0.0.1', null, '::ffff:10.0.0.2', null, 58],
    ]);
    expect(packets[0]).toMatchObject({ tcpFlags: 0x12, seq: 1, ack: 5, payloadLen: 99 });
    expect(packets[3]).toMatchObject({ icmpType: 128 });
  });

  it('reads ARP requests and replies with sender and target addresses', () => {
    const { packets } = read(
      '1.0 ARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28\n2.0 ARP, Reply 10.0.0.1 is-at aa:bb:cc:dd:ee:ff, length 28\n',
    );
    expect(packets.map((p) => [p.network, p.arpOp, p.src, p.dst])).toEqual([['arp', 1, '10.0.0.2', '10.0.0.1'], ['arp', 2, '10.0.0.1', null]]);
  });

  it('reads -e MACs, frame length and ethertype', () => {
    const { packets } = read('1.000000 00:11:22:33:44:55 > 00:11:22:33:44:66, ethertype IPv4 (0x0800), length 74: 10.0.0.1.1 > 10.0.0.2.2: UDP, length 32\n');
    expect(packets[0]).toMatchObject({ srcMac: '00:11:22:33:44:55', dstMac: '00:11:22:33:44:66', origLen: 74, network: 'ipv4', sport: 1 });
  });

  it('reads the IP packet inside an 802.1Q tag whose inner type tcpdump 4.9 printed by name alone (tcpdump issue 611)', () => {
    const { packets } = read([
      '21:30:13.515306 24:8a:07:55:44:6c > 24:8a:07:55:41:8c, ethertype 802.1Q (0x8100), length 441: vlan 16, p 0, ethertype IPv4, 10.53.16.14.25672 > 10.53.16.13.48760: Flags [P.], seq 13554:13925, ack 1, win 1432, options [nop,nop,TS val 280603829 ecr 101503762], length 371',
      '21:30:13.521574 70:79:90:59:e6:66 > 24:8a:07:55:44:6c, ethertype 802.1Q (0x8100), length 216: vlan 32, p 0, ethertype IPv4, 10.53.32.18.54198 > 10.53.32.14.4789: VXLAN, flags [I] (0x08), vni 72',
      'fa:16:3e:c7:1d:6c > fa:16:3e:49:cc:ed, ethertype IPv4 (0x0800), length 162: 10.56.1.9 > 10.56.1.1: ICMP echo request, id 2435, seq 107, length 128',
      '21:30:13.600000 00:11:22:33:44:55 > 00:11:22:33:44:66, ethertype 802.1Q (0x8100), length 64: vlan 5, p 0, ethertype 0x88cc, LLDP, length 46',
    ].join('\n'));
    // The VXLAN packet is the ICMP echo it carries (the unstamped line after it), inside the tunnel between the nodes.
    expect(packets.map((p) => [p.vlan, p.network, p.src, p.sport, p.dst, p.dport, p.ipProto])).toEqual([
      [16, 'ipv4', '10.53.16.14', 25672, '10.53.16.13', 48760, 6],
      [32, 'ipv4', '10.56.1.9', null, '10.56.1.1', null, 1],
      [5, 'other', null, null, null, null, null],
    ]);
    expect(packets[1]!.tunnel).toEqual({ kind: 'vxlan', vni: 72, src: '10.53.32.18', dst: '10.53.32.14', sport: 54198, dport: 4789 });
    expect(packets[1]!.icmpId).toBe(2435);
  });

  it('reads -e NFLOG records and -i any SLL headers of a device without a link address', () => {
    const { packets } = read([
      '1796600585.651663 version 0, resource ID 5, family IPv4 (2), length 188: 10.88.1.2 > 10.88.2.2: ICMP echo request, id 5520, seq 1, length 64',
      '1796600583.730118 Out ethertype IPv6 (0x86dd), length 64: fe80::1 > ff02::2: ICMP6, router solicitation, length 8',
      '',
    ].join('\n'));
    expect(packets.map((p) => [p.network, p.src, p.dst, p.origLen, p.direction, p.srcMac])).toEqual([
      ['ipv4', '10.88.1.2', '10.88.2.2', 188, null, null],
      ['ipv6', 'fe80::1', 'ff02::2', 64, 'out', null],
    ]);
  });

  it('keeps going past lines it does not understand, and counts them', () => {
    const { packets, summary } = read(
      'tcpdump: verbose output suppressed, use -v or -vv for full protocol decode\nlistening on eth0, link-type EN10MB (Ethernet), capture size 262144 bytes\n' +
        '1.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64\n^C\n1 packet captured\n',
      40,
    );
    expect(packets.map((p) => [p.frame, p.line])).toEqual([[1, 42]]);
    expect(summary).toMatchObject({ skippedLines: 4, firstSkippedLine: 40 });
  });

  it('rejects text without a single packet line, naming the first line', () => {
    expect(() => read('listening on eth0, link-type EN10MB\n^C\n', 17)).toThrow(CaptureError);
    expect(() => read('listening on eth0, link-type EN10MB\n^C\n', 17)).toThrow('cap.txt:17: no tcpdump packet line found');
    expect(() => read('', 3)).toThrow('cap.txt:3: no tcpdump packet line found');
  });

  it('leaves unknown a field printed wider than its header holds, and addresses that are not there', () => {
    const { packets } = read(
      '1.000000 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [.], seq 4294967296, ack 4294967295, win 1, length 0\n' +
        '2.000000 IP (tos 0x0, ttl 256, id 1, offset 0, flags [DF], proto TCP (6), length 40)\n    10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0\n' +
        '3.000000 IP 10.0.0.1 > : ICMP echo request, id 1, seq 1, length 64\n' +
        '4.000000 ARP, Request who-has  tell , length 28\n',
    );
    expect(packets.map((p) => [p.seq, p.ack, p.ttl])).toEqual([[null, 4294967295, null], [1, null, null], [null, null, null], [null, null, null]]);
    expect(packets.map((p) => [p.src, p.dst])).toEqual([['10.0.0.1', '10.0.0.2'], ['10.0.0.1', '10.0.0.2'], [null, null], [null, null]]);
  });

  it('reads a 10 MB line in one pass', () => {
    const line = `1.000000 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [P.], seq 1:2, ack 1, win 1, options [${'nop,'.repeat(2_500_000)}], length 1`;
    const { packets } = read(`${line}\n${'x'.repeat(10_000_000)}\n`);
    expect(packets[0]).toMatchObject({ seq: 1, ack: 1, payloadLen: 1 });
  });
});

describe('looksLikeTcpdumpText', () => {
  it('recognises tcpdump output in its forms', () => {
    expect(looksLikeTcpdumpText('listening on eth0\n22:30:52.944093 IP 10.142.0.6.48648 > 10.142.0.8.31830: Flags [S], seq 1, win 1, length 0\n')).toBe(true);
    expect(looksLikeTcpdumpText('1795419502.486955 ifb0  Out IP6 :: > ff02::16: HBH ICMP6, multicast listener report v2, 2 group record(s), length 48')).toBe(true);
    expect(looksLikeTcpdumpText('IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64')).toBe(true);
  });

  it('turns down other captures', () => {
    expect(looksLikeTcpdumpText('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n')).toBe(false);
    expect(looksLikeTcpdumpText('tcp      6 117 TIME_WAIT src=10.40.1.3 dst=10.96.0.10 sport=40005 dport=80 src=10.40.1.2 dst=10.40.1.1 sport=8080 dport=40005 [ASSURED] mark=0 use=1')).toBe(false);
    expect(looksLikeTcpdumpText('2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP\n    inet 192.168.56.11/24 scope global eth0')).toBe(false);
    expect(looksLikeTcpdumpText('default via 10.0.0.1 dev eth0\n10.40.1.0/24 dev cbr0 proto kernel scope link src 10.40.1.1')).toBe(false);
  });
});

describeShared('transcripts', 'tcpdump text inside a real terminal transcript', () => {
  const file = sharedFile('transcripts', '001_a5b3b11c70178834.txt');
  const lines = readFileSync(file, 'utf8').split('\n');
  // Fenced blocks whose lines include tcpdump packet lines, with the line number of their first line.
  const blocks: { firstLine: number; text: string[] }[] = [];
  let open: number | null = null;
  lines.forEach((l, i) => {
    if (!l.startsWith('```')) return;
    if (open === null) open = i + 1;
    else {
      const text = lines.slice(open, i);
      if (text.some((t) => / IP \S+ > \S+: Flags/.test(t))) blocks.push({ firstLine: open + 1, text });
      open = null;
    }
  });

  it('finds the tcpdump blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it('reads every packet line of every block, keeping the transcript line numbers', () => {
    for (const block of blocks) {
      const packets: PacketRecord[] = [];
      const summary = parseTcpdumpText({ file, text: block.text.join('\n'), firstLine: block.firstLine }, (p) => packets.push(p));
      const packetLines = block.text.flatMap((t, i) => (/^\d{1,2}:\d\d:\d\d\.\d{6} /.test(t) ? [block.firstLine + i] : []));
      expect(packets.map((p) => p.line)).toEqual(packetLines);
      for (const p of packets) expect([p.network, p.ipProto, typeof p.sport]).toEqual(['ipv4', 6, 'number']);
      expect(summary.skippedLines).toBe(block.text.length - packetLines.length - block.text.filter((t) => t.trim() === '').length);
    }
  });

  it('reads the NodePort SYN on eth0 as printed', () => {
    const block = blocks.find((b) => b.text.some((t) => t.includes('10.142.0.8.31830')))!;
    const packets: PacketRecord[] = [];
    parseTcpdumpText({ file, text: block.text.join('\n'), firstLine: block.firstLine }, (p) => packets.push(p));
    expect(packets[0]).toMatchObject({
      tsSec: 22 * 3600 + 30 * 60 + 52, tsNsec: 944093000, src: '10.142.0.6', sport: 48648, dst: '10.142.0.8', dport: 31830,
      tcpFlags: 0x02, seq: 1615789609, ack: null, payloadLen: 0,
    });
    expect(lines[packets[0]!.line! - 1]).toContain('22:30:52.944093 IP 10.142.0.6.48648');
    // After the first packets of the flow tcpdump prints relative numbers: kept as printed.
    expect(packets[3]).toMatchObject({ tcpFlags: 0x18, seq: 1, ack: 1, payloadLen: 80 });
  });
});

function haveTcpdump(): boolean {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tcpdumpHere = haveTcpdump();
if (!tcpdumpHere) console.warn('tcpdump not found: skipping the tcpdump option matrix');

const VARIANTS: { flags: string[]; clock: TcpdumpTextSummary['clock']; verbose: boolean; link: boolean; absolute: boolean }[] = [
  { flags: ['-ttt'], clock: 'delta', verbose: false, link: false, absolute: false },
  { flags: ['-ttttt'], clock: 'since-first', verbose: false, link: false, absolute: false },
  { flags: ['-tttt'], clock: 'date-time', verbose: false, link: false, absolute: false },
  { flags: ['-t'], clock: 'none', verbose: false, link: false, absolute: false },
  { flags: ['-tt', '-S', '-v'], clock: 'epoch', verbose: true, link: false, absolute: true },
  { flags: ['-tt', '-e', '-vv', '-S'], clock: 'epoch', verbose: true, link: true, absolute: true },
];

/**
 * Option sets the text parser does not read yet on some kernel captures, found by running the matrix on them.
 * Each must still disagree with tshark: when the parser learns the form, the entry goes (a stale entry fails).
 */
const KNOWN_GAPS: Record<string, string> = {
  'kernel-raw-tun.pcap -tt -e -vv -S': '-e on raw IP prints "ip: " and then the header without an IP/IP6 keyword',
};

/** tcpdump run now on `captures` of `corpus` with each option set, read back and compared with tshark's fields. */
function optionMatrix(corpus: CaptureCorpus, captures: string[], knownGaps: Record<string, string> = {}): void {
  // Without a timestamp an encapsulated packet's own line (GRE, VXLAN) cannot be told from the next packet.
  const cases = captures
    .flatMap((capture) => VARIANTS.map((v) => ({ capture, ...v, name: `${capture} ${v.flags.join(' ')}` })))
    .filter((c) => !(c.capture === 'various_gre.pcap' && c.clock === 'none'));

  it.each(cases)('$name', ({ capture, flags, clock, verbose, link, absolute }) => {
    const text = execFileSync('tcpdump', ['-n', ...flags, '-r', corpus.path(capture)], {
      encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'ignore'],
    });
    const packets: PacketRecord[] = [];
    const summary = parseTcpdumpText({ file: capture, text, firstLine: 1 }, (p) => packets.push(p));
    const rows = readFieldsTable(readFileSync(corpus.path(capture.replace(/\.pcap$/, '.fields.tsv')), 'utf8'));
    const lines = text.split('\n');
    expect(summary.clock).toBe(clock);
    const problems = comparePackets(packets, rows, (n) => lines[n - 1] ?? '', {
      time: clock === 'epoch' ? { clock: 'epoch', digits: 6 } : null,
      verbose, link, absoluteSeq: absolute,
    });
    const gap = knownGaps[`${capture} ${flags.join(' ')}`];
    if (gap !== undefined) {
      expect(problems.length, `known gap, now read right (remove it from KNOWN_GAPS): ${gap}`).toBeGreaterThan(0);
      return;
    }
    expect(problems).toEqual([]);
    if (clock === 'date-time' || clock === 'since-first' || clock === 'delta') {
      // Times since the first packet (or absolute) line up with tshark's epoch times.
      const t0 = rows[0]!['frame.time_epoch']!;
      const expected = rows.map((r) => microsSince(r['frame.time_epoch']!, clock === 'date-time' ? '0.0' : t0));
      expect(packets.map((p) => p.tsSec * 1_000_000 + Math.floor(p.tsNsec / 1000))).toEqual(expected);
    }
  });
}

describe.skipIf(!tcpdumpHere)('tcpdump run now with other options agrees with tshark (kernel captures)', () => {
  optionMatrix(KERNEL_CAPTURES, ['kernel-ethernet.pcap', 'kernel-sll2-nano.pcap', 'kernel-sll.pcap', 'kernel-raw-tun.pcap', 'kernel-nflog.pcap'], KNOWN_GAPS);
});

describeShared('tcpdump-suite', 'tcpdump run now with other options agrees with tshark (tcpdump suite)', () => describe.skipIf(!tcpdumpHere)('with tcpdump installed', () => {
  optionMatrix(TCPDUMP_SUITE, ['pptp.pcap', 'kernel-ethernet.pcap', 'kernel-sll2.pcap', 'mptcp-fclose.pcap', 'various_gre.pcap']);
}));

function microsSince(epoch: string, origin: string): number {
  const micros = (t: string): number => {
    const [s, f = ''] = t.split('.');
    return Number(s) * 1_000_000 + Number(f.padEnd(6, '0').slice(0, 6));
  };
  return micros(epoch) - micros(origin);
}
