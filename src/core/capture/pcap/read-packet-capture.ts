import { closeSync, fstatSync, openSync } from 'node:fs';
import { CaptureError } from '../capture-error';
import type { PacketCaptureSummary, PacketSink } from '../../records/records';
import { CaptureTally } from './capture-tally';
import { FileChunks } from './file-chunks';
import { pcapMagicAt, readPcapFile } from './pcap-file';
import { readPcapngFile } from './pcapng-file';
import { recordMaker } from './packet-record';

/** True when `head` starts with a pcap magic number (either byte order, µs or ns) or a pcapng section header. */
export function isPacketCapture(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  if (pcapMagicAt(head, 0) !== null) return true;
  return head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a;
}

export interface ReadPacketOptions {
  /** One record object for every frame (see readPacketCapture). */
  reuseRecords?: boolean;
  /**
   * False: an IPv4 header's addresses are given as numbers only (srcV4/dstV4, src/dst null) and MAC addresses not
   * at all (srcMac/dstMac null), for a sink that keeps neither as text (the store keys tuples on the numbers): no
   * text is made or looked up per packet. Every other address (IPv6, ARP, an ICMP error's) is text as always.
   */
  addressText?: boolean;
}

/**
 * Streams every frame of a pcap or pcapng file into `sink`, reading the file in chunks, and
 * returns a summary. Throws CaptureError (with the record and byte offset) for a file that is
 * not a capture, a corrupt header or block, or a record cut off by the end of the file.
 * Short or garbled frames are not errors: they decode as far as their bytes go.
 * `onBytes`, when given, is handed every byte of the file once, in order, by the time the summary is returned
 * (what the reader skipped or did not reach included): the caller hashes the file in the same read.
 */
export function readPacketCapture(
  file: string,
  sink: PacketSink,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
  onBytes?: (bytes: Uint8Array) => void,
  { reuseRecords = false, addressText = true }: ReadPacketOptions = {},
): PacketCaptureSummary {
  let fd: number;
  let size: number;
  try {
    fd = openSync(file, 'r');
    size = fstatSync(fd).size;
  } catch (err) {
    throw new CaptureError({ file }, `cannot read the file: ${(err as Error).message}`);
  }
  try {
    const chunks = new FileChunks(fd, size, onProgress, onBytes);
    const tally = new CaptureTally(sink);
    if (!chunks.ensure(4) || !isPacketCapture(chunks.bytes.subarray(chunks.pos, chunks.pos + 4))) {
      throw new CaptureError({ file, offset: 0 }, 'not a pcap or pcapng file: unknown magic number');
    }
    const newRecord = recordMaker(reuseRecords);
    if (chunks.bytes[chunks.pos] === 0x0a) readPcapngFile(file, chunks, tally, newRecord, addressText);
    else readPcapFile(file, chunks, tally, newRecord, addressText);
    chunks.feedRest();
    return tally.summary();
  } catch (err) {
    // A read error half-way (EIO) is this file's problem; anything else (a sink's) passes through.
    if (isSystemError(err)) throw new CaptureError({ file }, `cannot read the file: ${err.message}`);
    throw err;
  } finally {
    closeSync(fd);
  }
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
