import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The conformance captures in ../shared (read in place, never copied into the project). */
export const SUITE_DIR = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..', 'shared/captures/tcpdump-suite');

export interface SuiteCapture {
  file: string;
  format: 'pcap' | 'pcapng';
  byteOrder: 'little' | 'big';
  tsPrecision: 'us' | 'ns';
  linktypes: number[];
  packets: number;
  malformed: boolean;
  fileError: string | null;
}

export function suiteManifest(): SuiteCapture[] {
  return JSON.parse(readFileSync(path.join(SUITE_DIR, 'manifest.json'), 'utf8')) as SuiteCapture[];
}

export function suitePath(file: string): string {
  return path.join(SUITE_DIR, file);
}

/** tshark's rows for a capture, each a map from field name to its cell ('' when absent). */
export function tsharkRows(file: string): Map<string, string>[] {
  const name = file.replace(/\.pcap(ng)?$/, '.fields.tsv');
  const lines = readFileSync(path.join(SUITE_DIR, name), 'utf8').split('\n').filter((l) => l !== '');
  const header = lines[0]!.split('\t');
  return lines.slice(1).map((line) => {
    const cells = line.split('\t');
    return new Map(header.map((h, i) => [h, cells[i] ?? '']));
  });
}
