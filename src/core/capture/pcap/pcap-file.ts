import { CaptureError } from '../capture-error';
import { CaptureTally } from './capture-tally';
import type { FileChunks } from './file-chunks';
import { decodeFrame } from './link-layer';
import type { RecordMaker } from './packet-record';

/** Larger than any real snapshot length (libpcap's maximum is 256 KiB): a corrupt record. */
export const MAX_CAPLEN = 262_144;

const PCAP_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

export type PcapMagic = { littleEndian: boolean; nanoseconds: boolean };

/** The classic pcap magic at `at`, in either byte order, µs or ns; null when it is not one. */
export function pcapMagicAt(b: Uint8Array, at: number): PcapMagic | null {
  const be = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  switch (be) {
    case 0xa1b2c3d4: return { littleEndian: false, nanoseconds: false };
    case 0xa1b23c4d: return { littleEndian: false, nanoseconds: true };
    case 0xd4c3b2a1: return { littleEndian: true, nanoseconds: false };
    case 0x4d3cb2a1: return { littleEndian: true, nanoseconds: true };
    default: return null;
  }
}

/** Streams every record of a classic pcap file (positioned at its start) into `tally`. */
/** `addressText`: see decodeFrame. */
export function readPcapFile(file: string, chunks: FileChunks, tally: CaptureTally, newRecord: RecordMaker, addressText: boolean): void {
  if (!chunks.ensure(PCAP_HEADER_BYTES)) {
    throw new CaptureError({ file, offset: 0 }, `the pcap file header needs ${PCAP_HEADER_BYTES} bytes, the file has ${chunks.size}`);
  }
  const magic = pcapMagicAt(chunks.bytes, chunks.pos);
  if (magic === null) throw new CaptureError({ file, offset: 0 }, 'not a pcap file: unknown magic number');
  const le = magic.littleEndian;
  const major = chunks.view.getUint16(chunks.pos + 4, le);
  if (major !== 2) throw new CaptureError({ file, offset: 4 }, `unsupported pcap version ${major}.${chunks.view.getUint16(chunks.pos + 6, le)} (expected 2.x)`);
  // The low 16 bits are the link type; the upper bits hold FCS flags we do not need.
  const linkType = chunks.view.getUint32(chunks.pos + 20, le) & 0xffff;
  tally.addLinkType(linkType);
  chunks.skip(PCAP_HEADER_BYTES);
  const fracToNsec = magic.nanoseconds ? 1 : 1000;

  for (let record = 1; ; record++) {
    if (!chunks.ensure(RECORD_HEADER_BYTES)) {
      if (chunks.available === 0) return;
      throw truncatedRecord(file, record, chunks.offset, `its ${RECORD_HEADER_BYTES}-byte header`, chunks.available);
    }
    const at = chunks.pos;
    const view = chunks.view;
    const capLen = view.getUint32(at + 8, le);
    const origLen = view.getUint32(at + 12, le);
    if (capLen > MAX_CAPLEN) {
      throw new CaptureError({ file, offset: chunks.offset, record }, `record ${record} claims ${capLen} captured bytes, more than ${MAX_CAPLEN}: the file is corrupt`);
    }
    if (!chunks.ensure(RECORD_HEADER_BYTES + capLen)) {
      throw truncatedRecord(file, record, chunks.offset, `caplen ${capLen} + ${RECORD_HEADER_BYTES}`, chunks.available);
    }
    const start = chunks.pos;
    let sec = chunks.view.getUint32(start, le);
    let nsec = chunks.view.getUint32(start + 4, le) * fracToNsec;
    // Out-of-range fractions (>= 1 s) are carried into the seconds rather than kept unnormalised.
    if (nsec >= 1_000_000_000) {
      sec += Math.floor(nsec / 1_000_000_000);
      nsec %= 1_000_000_000;
    }
    const p = newRecord(record, sec, nsec, null, linkType, capLen, origLen, chunks.offset);
    const data = start + RECORD_HEADER_BYTES;
    decodeFrame(p, linkType, chunks.bytes, data, data + capLen, data + Math.max(capLen, origLen), le, addressText);
    chunks.skip(RECORD_HEADER_BYTES + capLen);
    tally.push(p);
  }
}

function truncatedRecord(file: string, record: number, offset: number, needed: string, left: number): CaptureError {
  return new CaptureError(
    { file, offset, record },
    `capture ends inside record ${record} at offset ${offset}: the file is truncated (needs ${needed} bytes, ${left} left)`,
  );
}
