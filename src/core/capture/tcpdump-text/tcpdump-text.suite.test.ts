import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import type { PacketRecord } from '../../records/records';
import { parseTcpdumpText } from './tcpdump-text';
import { comparePackets, readFieldsTable, type CompareOptions } from './tshark-table';
import { describeShared } from '../../../../test/support/describe-shared';
import { KERNEL_CAPTURES, TCPDUMP_SUITE, type CaptureCorpus } from '../pcap/capture-corpus.fixture';


interface ManifestEntry {
  file: string;
  tsPrecision: 'us' | 'ns';
  expected: string[];
  fileError: string | null;
}

/**
 * The link type in these headers is deliberately wrong (IPv4 holding IPv6 and back): tcpdump decodes by the
 * IP version nibble and prints what is there, tshark trusts the link type. The text is right; so is our reading.
 */
const TOOLS_DISAGREE_ON_NETWORK = new Set(['LINKTYPE_IPV4_invalid.pcap', 'LINKTYPE_IPV6_invalid.pcap']);


/** The timestamp fixtures hold fractions of a second >= 1 s, which tshark and tcpdump print unnormalised. */
const UNNORMALISED_TIMES = new Set(['timestamp_invalid_micro.pcap', 'timestamp_invalid_nano.pcap']);

function optionsFor(entry: ManifestEntry, text: string): CompareOptions {
  const base = text.replace(/\.txt$/, '');
  const time = UNNORMALISED_TIMES.has(entry.file)
    ? null
    : base.endsWith('.tcpdump-nano')
      ? ({ clock: 'epoch', digits: 9 } as const)
      : base.endsWith('.tcpdump')
        ? ({ clock: 'epoch', digits: 6 } as const)
        : ({ clock: 'time-of-day', digits: entry.tsPrecision === 'ns' ? 6 : 6 } as const);
  const everything = base.endsWith('.tcpdump-e-vv');
  return { time, verbose: everything, link: everything, absoluteSeq: false };
}

function parseFile(file: string): { packets: PacketRecord[]; lines: string[]; error: unknown } {
  const text = readFileSync(file, 'utf8');
  const packets: PacketRecord[] = [];
  try {
    parseTcpdumpText({ file, text, firstLine: 1 }, (p) => packets.push(p));
    return { packets, lines: text.split('\n'), error: null };
  } catch (error) {
    return { packets, lines: text.split('\n'), error };
  }
}

/** Every tcpdump text rendering in `corpus` read as tshark decoded the capture it came from. */
function textAgreesWithTshark(corpus: CaptureCorpus): void {
  const manifest = corpus.manifest() as ManifestEntry[];
  const cases = manifest.flatMap((entry) =>
    entry.expected.filter((e) => e.endsWith('.txt')).map((txt) => ({ entry, txt })),
  );

  it.each(cases)('$txt', ({ entry, txt }) => {
    const file = corpus.path(txt);
    const { packets, lines, error } = parseFile(file);
    const rows = readFieldsTable(readFileSync(corpus.path(entry.file.replace(/\.pcap(ng)?$/, '.fields.tsv')), 'utf8'));
    if (lines.join('').trim() === '') {
      // libpcap refused the file (or it holds no packets): the text has no packet line at all.
      expect(error).toBeInstanceOf(CaptureError);
      expect((error as CaptureError).message).toBe(`${file}:1: no tcpdump packet line found`);
      return;
    }
    expect(error).toBeNull();
    const problems = comparePackets(packets, rows, (n) => lines[n - 1] ?? '', optionsFor(entry, txt));
    if (TOOLS_DISAGREE_ON_NETWORK.has(entry.file)) {
      expect(packets.map((p) => p.network)).toEqual([entry.file.includes('IPV4') ? 'ipv6' : 'ipv4']);
      return;
    }
    expect(problems).toEqual([]);
  });
}

describe('tcpdump text of the kernel captures agrees with tshark', () => {
  textAgreesWithTshark(KERNEL_CAPTURES);
});

describeShared('tcpdump-suite', 'tcpdump text of the conformance suite agrees with tshark', () => {
  textAgreesWithTshark(TCPDUMP_SUITE);
});
