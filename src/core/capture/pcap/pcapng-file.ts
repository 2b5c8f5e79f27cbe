import { CaptureError } from '../capture-error';
import type { CaptureTally } from './capture-tally';
import type { FileChunks } from './file-chunks';
import { decodeFrame } from './link-layer';
import type { RecordMaker } from './packet-record';
import { MAX_CAPLEN } from './pcap-file';
import { MICROSECONDS, splitTimestamp, unitOfTsresol, type SplitTime, type TimeUnit } from './timestamp';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;

/** Blocks we parse are held whole; past this size a block is corrupt, not a capture. */
const MAX_PARSED_BLOCK = 16 * 1024 * 1024;

interface PcapngInterface {
  linkType: number;
  snapLen: number;
  name: string | null;
  unit: TimeUnit;
  offsetSec: number;
}

const utf8 = new TextDecoder('utf-8');

/** Streams every packet block of a pcapng file (positioned at its first SHB) into `tally`. */
export function readPcapngFile(file: string, chunks: FileChunks, tally: CaptureTally, newRecord: RecordMaker, addressText: boolean): void {
  let le = true;
  let interfaces: PcapngInterface[] = [];
  let frame = 0;
  const time: SplitTime = { sec: 0, nsec: 0 };

  for (let block = 1; ; block++) {
    const blockOffset = chunks.offset;
    if (!chunks.ensure(12)) {
      if (chunks.available === 0) return;
      throw blockError(file, block, blockOffset, `capture ends inside block ${block} at offset ${blockOffset}: the file is truncated`);
    }
    const b = chunks.bytes;
    let at = chunks.pos;
    const rawType = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
    if (rawType === SHB) {
      const bom = ((b[at + 8]! << 24) | (b[at + 9]! << 16) | (b[at + 10]! << 8) | b[at + 11]!) >>> 0;
      if (bom === 0x1a2b3c4d) le = false;
      else if (bom === 0x4d3c2b1a) le = true;
      else throw blockError(file, block, blockOffset, 'section header block has no valid byte-order magic');
    } else if (block === 1) {
      throw blockError(file, block, blockOffset, 'a pcapng file must start with a section header block');
    }
    const type = chunks.view.getUint32(at, le);
    const total = chunks.view.getUint32(at + 4, le);
    if (total < 12 || total % 4 !== 0) throw blockError(file, block, blockOffset, `block length ${total} is not a multiple of 4 of at least 12`);

    if (type !== SHB && type !== IDB && type !== EPB && type !== SPB && type !== OPB) {
      if (blockOffset + total > chunks.size) throw blockError(file, block, blockOffset, `capture ends inside block ${block} at offset ${blockOffset}: the file is truncated`);
      chunks.skip(total);
      continue;
    }
    if (total > MAX_PARSED_BLOCK) throw blockError(file, block, blockOffset, `block length ${total} is absurd`);
    if (!chunks.ensure(total)) throw blockError(file, block, blockOffset, `capture ends inside block ${block} at offset ${blockOffset}: the file is truncated (block length ${total}, ${chunks.available} bytes left)`);
    at = chunks.pos;
    const view = chunks.view;
    if (view.getUint32(at + total - 4, le) !== total) throw blockError(file, block, blockOffset, 'trailing block length does not match the leading one');

    switch (type) {
      case SHB: {
        if (total < 28) throw blockError(file, block, blockOffset, 'section header block is too short');
        const major = view.getUint16(at + 12, le);
        if (major !== 1) throw blockError(file, block, blockOffset, `unsupported pcapng version ${major}`);
        interfaces = [];
        break;
      }
      case IDB: {
        if (total < 20) throw blockError(file, block, blockOffset, 'interface description block is too short');
        const iface = readInterface(file, block, blockOffset, chunks.bytes, view, at, total, le);
        interfaces.push(iface);
        tally.addLinkType(iface.linkType);
        if (iface.name !== null) tally.addInterface(iface.name);
        break;
      }
      case EPB:
      case OPB: {
        if (total < 32) throw blockError(file, block, blockOffset, 'packet block is too short');
        const ifId = type === EPB ? view.getUint32(at + 8, le) : view.getUint16(at + 8, le);
        const iface = interfaces[ifId];
        if (iface === undefined) throw blockError(file, block, blockOffset, `packet block names interface ${ifId}, which no interface description block defined`);
        const capLen = view.getUint32(at + 20, le);
        const origLen = view.getUint32(at + 24, le);
        if (capLen > MAX_CAPLEN) throw blockError(file, block, blockOffset, `packet block claims ${capLen} captured bytes, more than ${MAX_CAPLEN}`);
        const padded = (capLen + 3) & ~3;
        if (28 + padded + 4 > total) throw blockError(file, block, blockOffset, `captured length ${capLen} runs past the end of the block`);
        splitTimestamp(view.getUint32(at + 12, le), view.getUint32(at + 16, le), iface.unit, time);
        const p = newRecord(++frame, time.sec + iface.offsetSec, time.nsec, iface.name, iface.linkType, capLen, origLen, blockOffset);
        const data = at + 28;
        decodeFrame(p, iface.linkType, chunks.bytes, data, data + capLen, data + Math.max(capLen, origLen), le, addressText);
        if (type === EPB && 28 + padded + 4 < total) {
          const direction = epbDirection(view, data + padded, at + total - 4, le);
          if (direction === -1) throw blockError(file, block, blockOffset, 'an option runs past the end of its block');
          if (direction === 1) p.direction = 'in';
          else if (direction === 2) p.direction = 'out';
        }
        tally.push(p);
        break;
      }
      case SPB: {
        if (total < 16) throw blockError(file, block, blockOffset, 'simple packet block is too short');
        const iface = interfaces[0];
        if (iface === undefined) throw blockError(file, block, blockOffset, 'simple packet block before any interface description block');
        const origLen = view.getUint32(at + 8, le);
        let capLen = Math.min(origLen, total - 16);
        if (iface.snapLen !== 0) capLen = Math.min(capLen, iface.snapLen);
        if (capLen > MAX_CAPLEN) throw blockError(file, block, blockOffset, `simple packet block holds ${capLen} bytes, more than ${MAX_CAPLEN}`);
        // An SPB carries no timestamp: 0 stands for "unknown".
        const p = newRecord(++frame, 0, 0, iface.name, iface.linkType, capLen, origLen, blockOffset);
        const data = at + 12;
        decodeFrame(p, iface.linkType, chunks.bytes, data, data + capLen, data + Math.max(capLen, origLen), le, addressText);
        tally.push(p);
        break;
      }
    }
    chunks.skip(total);
  }
}

/** An interface description block: link type, snapshot length, if_name, if_tsresol, if_tsoffset. */
function readInterface(file: string, block: number, blockOffset: number, bytes: Uint8Array, view: DataView, at: number, total: number, le: boolean): PcapngInterface {
  const iface: PcapngInterface = {
    linkType: view.getUint16(at + 8, le),
    snapLen: view.getUint32(at + 12, le),
    name: null,
    unit: MICROSECONDS,
    offsetSec: 0,
  };
  const fail = (reason: string): CaptureError => blockError(file, block, blockOffset, reason);
  readOptions(view, at + 16, at + total - 4, le, fail, (code, valueAt, len) => {
    if (code === 2 && len > 0) {
      const name = utf8.decode(bytes.subarray(valueAt, valueAt + len)).replace(/\0+$/, '');
      if (name !== '') iface.name = name;
    } else if (code === 9 && len >= 1) {
      iface.unit = unitOfTsresol(bytes[valueAt]!);
    } else if (code === 14 && len === 8) {
      iface.offsetSec = Number(view.getBigInt64(valueAt, le));
    }
  });
  return iface;
}

function blockError(file: string, block: number, offset: number, reason: string): CaptureError {
  return new CaptureError({ file, offset, record: block }, `block ${block}: ${reason}`);
}

/** epb_flags bits 0-1 (1 inbound, 2 outbound), 0 when absent, -1 for a malformed option list. */
function epbDirection(view: DataView, start: number, end: number, le: boolean): number {
  let off = start;
  let direction = 0;
  while (end - off >= 4) {
    const code = view.getUint16(off, le);
    const len = view.getUint16(off + 2, le);
    if (code === 0) break;
    if (off + 4 + len > end) return -1;
    if (code === 2 && len === 4) direction = view.getUint32(off + 4, le) & 3;
    off += 4 + ((len + 3) & ~3);
  }
  return direction;
}

function readOptions(
  view: DataView,
  start: number,
  end: number,
  le: boolean,
  fail: (reason: string) => CaptureError,
  onOption: (code: number, valueAt: number, len: number) => void,
): void {
  let off = start;
  while (end - off >= 4) {
    const code = view.getUint16(off, le);
    const len = view.getUint16(off + 2, le);
    if (code === 0) return;
    if (off + 4 + len > end) throw fail(`option ${code} runs past the end of its block`);
    onOption(code, off + 4, len);
    off += 4 + ((len + 3) & ~3);
  }
}
