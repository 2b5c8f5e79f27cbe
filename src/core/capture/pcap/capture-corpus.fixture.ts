/**
 * Folders of captures with what tcpdump and tshark decode from them, in one layout (manifest.json,
 * NAME.fields.tsv, NAME.tcpdump*.txt): the project's own kernel captures (test/fixtures/pcap, made by its
 * make-pcaps.sh) and the tcpdump conformance suite in ../shared (read in place, never copied; only
 * there when ../shared is, see test/support/shared-corpus.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { hasShared, sharedDir } from '../../../../test/support/shared-corpus';

export interface SuiteCapture {
  file: string;
  format: 'pcap' | 'pcapng';
  byteOrder: 'little' | 'big';
  tsPrecision: 'us' | 'ns';
  linktypes: number[];
  packets: number;
  malformed: boolean;
  fileError: string | null;
  /** The decodings beside the capture (NAME.fields.tsv, NAME.tcpdump.txt, ...). */
  expected: string[];
  /** Frames whose captured length is below their original length. */
  capLenLessThanLen: number[];
}

export interface CaptureCorpus {
  /** How tests name the corpus. */
  readonly name: string;
  readonly dir: string;
  manifest(): SuiteCapture[];
  path(file: string): string;
  /** tshark's rows for a capture, each a map from field name to its cell ('' when absent). */
  tsharkRows(file: string): Map<string, string>[];
}

function corpusAt(name: string, dir: string): CaptureCorpus {
  const at = (file: string): string => path.join(dir, file);
  return {
    name,
    dir,
    manifest: () => JSON.parse(readFileSync(at('manifest.json'), 'utf8')) as SuiteCapture[],
    path: at,
    tsharkRows(file) {
      const lines = readFileSync(at(file.replace(/\.pcap(ng)?$/, '.fields.tsv')), 'utf8').split('\n').filter((l) => l !== '');
      const header = lines[0]!.split('\t');
      return lines.slice(1).map((line) => {
        const cells = line.split('\t');
        return new Map(header.map((h, i) => [h, cells[i] ?? '']));
      });
    },
  };
}

/** The project's own captures from the kernel (test/fixtures/pcap). */
export const KERNEL_CAPTURES = corpusAt(
  'kernel captures',
  path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../test/fixtures/pcap'),
);

/** The tcpdump conformance suite in ../shared; use inside describeShared('tcpdump-suite', ...). */
export const TCPDUMP_SUITE = corpusAt('tcpdump conformance suite', sharedDir('tcpdump-suite'));

/** The corpora present here: the kernel captures always, the suite when ../shared has it. */
export function presentCaptureCorpora(): CaptureCorpus[] {
  return hasShared('tcpdump-suite') ? [KERNEL_CAPTURES, TCPDUMP_SUITE] : [KERNEL_CAPTURES];
}

export const suiteManifest = (): SuiteCapture[] => TCPDUMP_SUITE.manifest();
export const suitePath = (file: string): string => TCPDUMP_SUITE.path(file);
