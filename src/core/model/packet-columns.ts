/**
 * The two byte layouts of a packet block's `data` (packet_blocks.layout):
 *
 * - ROWS (0, every block written before schema 16): fixed-width 64-byte little-endian records, one per packet,
 *   each field at ROW_AT with ROW_WIDTH bytes (the two f64 fields first).
 * - COLUMNS (1): one column per field, each as narrow as the block's values allow. Header: u32 count, then per
 *   column a u8 width (0, 1, 2, 4 or 8) and an f64 base; then the columns in order, `count × width` bytes each,
 *   little-endian. Width 0: every value is the base. 1, 2, 4: value − base as an unsigned integer. 8: the value
 *   itself as an f64 (a column with a fraction, −0 or a range past 32 bits). A packet of a typical capture takes
 *   ~24 bytes instead of 64: most fields hardly vary within 4,096 packets of one capture.
 *
 * The frame column holds frame − index, so consecutive frames are one value. Either layout is read back into
 * the same numbers, column by column (`decodeColumn`), so readers do not know which one a block has.
 */
import { LITTLE_ENDIAN_HOST } from '../common/host-order';

export type PacketBlockLayout = typeof LAYOUT_ROWS | typeof LAYOUT_COLUMNS;
export const LAYOUT_ROWS = 0;
export const LAYOUT_COLUMNS = 1;

export function packetBlockLayout(n: number): PacketBlockLayout {
  if (n === LAYOUT_ROWS || n === LAYOUT_COLUMNS) return n;
  throw new RangeError(`unknown packet block layout ${n}`);
}

// The columns, in their order in both layouts.
export const C_TS_SEC = 0;
export const C_OFFSET = 1;
export const C_FRAME = 2;
export const C_TS_NSEC = 3;
export const C_TUPLE = 4;
export const C_LEN = 5;
export const C_SEQ = 6;
export const C_ACK = 7;
export const C_PAYLOAD = 8;
export const C_LINE = 9;
export const C_IFACE = 10;
export const C_TRUNCATED = 11;
export const C_LINK = 12;
export const C_ICMP_ID = 13;
export const C_NULLS = 14;
export const C_FLAGS = 15;
export const C_ICMP_TYPE = 16;
export const C_ICMP_CODE = 17;
export const C_DIRECTION = 18;
export const COLUMN_COUNT = 19;

/** Columns that may hold any f64 (the others hold unsigned integers of their row width). */
const isFloat = (c: number): boolean => c === C_TS_SEC || c === C_OFFSET;

export const ROW_BYTES = 64;
const ROW_AT = [0, 8, 16, 20, 24, 28, 32, 36, 40, 44, 48, 50, 52, 54, 56, 58, 59, 60, 61] as const;
const ROW_WIDTH = [8, 8, 4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 1, 1, 1, 1] as const;

const HEADER_BYTES = 4 + COLUMN_COUNT * 9;

/** The most bytes `count` records can take in the COLUMNS layout (every column 8 bytes wide). */
export function columnsBytesAtMost(count: number): number {
  return HEADER_BYTES + 8 * COLUMN_COUNT * count;
}

/** A column's values while a block fills: f64 for the float columns, any typed array of the values otherwise. */
export type ColumnValues = Float64Array | Uint32Array;

/** The values a decoded column holds, read by record index. */
export type DecodedColumn = Float64Array | Uint32Array;

// What `scan` found of a column: its least and greatest value and whether every value is a plain integer.
let scanMin = 0;
let scanMax = 0;
let scanPlain = true;

/**
 * Scans an integer column. One shape of array per function, and no per-value work beyond the range, for speed. Most
 * columns of a block hold one value: four compares at a time find that, and the first difference starts the scan,
 * which keeps two ranges (even and odd records) so that consecutive compares do not wait on each other.
 */
function scanU32(v: Uint32Array, count: number): void {
  const first = v[0]!;
  let i = 0;
  const fours = count & ~3;
  while (i < fours && (v[i] === first) && (v[i + 1] === first) && (v[i + 2] === first) && (v[i + 3] === first)) i += 4;
  let min0 = first;
  let max0 = first;
  let min1 = first;
  let max1 = first;
  for (; i + 1 < count; i += 2) {
    const x = v[i]!;
    const y = v[i + 1]!;
    if (x < min0) min0 = x;
    if (x > max0) max0 = x;
    if (y < min1) min1 = y;
    if (y > max1) max1 = y;
  }
  if (i < count) {
    const x = v[i]!;
    if (x < min0) min0 = x;
    if (x > max0) max0 = x;
  }
  scanMin = min0 < min1 ? min0 : min1;
  scanMax = max0 > max1 ? max0 : max1;
  scanPlain = true;
}

/** Scans the frame column, whose stored value is frame − index. */
function scanFrames(v: Uint32Array, count: number): void {
  let min = v[0]!;
  let max = min;
  for (let i = 1; i < count; i++) {
    const x = v[i]! - i;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  scanMin = min;
  scanMax = max;
  scanPlain = true;
}

/** A safe integer, not -0 (NaN fails the first test). */
const plainNumber = (x: number): boolean =>
  x === Math.floor(x) && x <= 9007199254740991 && x >= -9007199254740991 && (x !== 0 || 1 / x > 0);

/** Scans a float column, two ranges at a time as scanU32 does; a value that is not plain makes the column f64. */
function scanF64(v: Float64Array, count: number): void {
  let min0 = v[0]!;
  let max0 = min0;
  let min1 = min0;
  let max1 = min0;
  let plain = true;
  let i = 0;
  for (; i + 1 < count; i += 2) {
    const x = v[i]!;
    const y = v[i + 1]!;
    if (x < min0) min0 = x;
    if (x > max0) max0 = x;
    if (y < min1) min1 = y;
    if (y > max1) max1 = y;
    if (!(plainNumber(x) && plainNumber(y))) plain = false;
  }
  if (i < count) {
    const x = v[i]!;
    if (x < min0) min0 = x;
    if (x > max0) max0 = x;
    if (!plainNumber(x)) plain = false;
  }
  scanMin = min0 < min1 ? min0 : min1;
  scanMax = max0 > max1 ? max0 : max1;
  scanPlain = plain;
}

/**
 * Where a column is packed before it is copied to its place in the block: the columns sit at odd offsets (after a
 * 175-byte header), so they cannot be typed-array views of the block, and a DataView store per value costs several
 * times a typed-array store. Grown when a block holds more than BLOCK_PACKETS records (a migration may).
 */
let scratch = new ArrayBuffer(4096 * 8);
let scratch8 = new Uint8Array(scratch);
let scratch16 = new Uint16Array(scratch);
let scratch32 = new Uint32Array(scratch);
let scratch64 = new Float64Array(scratch);

function scratchFor(count: number): void {
  if (count * 8 <= scratch.byteLength) return;
  scratch = new ArrayBuffer(count * 8);
  scratch8 = new Uint8Array(scratch);
  scratch16 = new Uint16Array(scratch);
  scratch32 = new Uint32Array(scratch);
  scratch64 = new Float64Array(scratch);
}

/**
 * Packs an integer column (value − shift × index − base, `width` bytes each) into the scratch buffer, in the host's
 * byte order. The differences are below 2^(8 × width): taken modulo 2^32 (`| 0`, integer arithmetic, no doubles)
 * and stored in a typed array of that width, they stay exact.
 */
function packU32(v: Uint32Array, count: number, width: number, base: number, shift: number): void {
  if (width === 8) {
    for (let i = 0; i < count; i++) scratch64[i] = v[i]! - shift * i;
    return;
  }
  const b = base | 0;
  if (shift !== 0) {
    const s32 = scratch32;
    for (let i = 0; i < count; i++) s32[i] = (v[i]! - i - b) | 0;
  } else if (width === 1) {
    const s8 = scratch8;
    for (let i = 0; i < count; i++) s8[i] = (v[i]! - b) | 0;
    return;
  } else if (width === 2) {
    const s16 = scratch16;
    for (let i = 0; i < count; i++) s16[i] = (v[i]! - b) | 0;
    return;
  } else {
    const s32 = scratch32;
    for (let i = 0; i < count; i++) s32[i] = (v[i]! - b) | 0;
    return;
  }
  // The frame column, packed as 32-bit values above: narrowed to its width in place (rarely anything but width 0).
  if (width === 1) for (let i = 0; i < count; i++) scratch8[i] = scratch32[i]!;
  else if (width === 2) for (let i = 0; i < count; i++) scratch16[i] = scratch32[i]!;
}

function packF64(v: Float64Array, count: number, width: number, base: number): void {
  switch (width) {
    case 1:
      for (let i = 0; i < count; i++) scratch8[i] = v[i]! - base;
      return;
    case 2:
      for (let i = 0; i < count; i++) scratch16[i] = v[i]! - base;
      return;
    case 4:
      for (let i = 0; i < count; i++) scratch32[i] = v[i]! - base;
      return;
    default:
      scratch64.set(v.subarray(0, count));
  }
}

/** The scratch buffer's `count` values of `width` bytes, little-endian, at `at` in `out`. */
function copyPacked(out: Buffer, view: DataView, at: number, count: number, width: number, littleEndian: boolean): void {
  if (littleEndian) {
    out.set(scratch8.subarray(0, count * width), at);
    return;
  }
  for (let i = 0; i < count; i++) {
    if (width === 1) view.setUint8(at + i, scratch8[i]!);
    else if (width === 2) view.setUint16(at + 2 * i, scratch16[i]!, true);
    else if (width === 4) view.setUint32(at + 4 * i, scratch32[i]!, true);
    else view.setFloat64(at + 8 * i, scratch64[i]!, true);
  }
}

/**
 * Encodes `count` records held as columns in the COLUMNS layout. `littleEndian` is the host's byte order (a test
 * passes false to check the byte-by-byte path a big-endian host takes gives the same bytes). `into`, when given
 * and large enough, receives the bytes (the result is a view of it), else a new buffer does.
 */
export function encodeColumns(columns: readonly ColumnValues[], count: number, littleEndian = LITTLE_ENDIAN_HOST, into: Buffer | null = null): Buffer {
  const widths = new Uint8Array(COLUMN_COUNT);
  const bases = new Float64Array(COLUMN_COUNT);
  let bytes = HEADER_BYTES;
  for (let c = 0; c < COLUMN_COUNT; c++) {
    const v = columns[c]!;
    if (v instanceof Float64Array) scanF64(v, count);
    else if (c === C_FRAME) scanFrames(v, count);
    else scanU32(v, count);
    const range = scanMax - scanMin;
    const width = !scanPlain || range > 0xffffffff ? 8 : range === 0 ? 0 : range <= 0xff ? 1 : range <= 0xffff ? 2 : 4;
    widths[c] = width;
    bases[c] = width === 8 ? 0 : scanMin;
    bytes += width * count;
  }
  scratchFor(count);
  const out = into !== null && into.byteLength >= bytes ? into.subarray(0, bytes) : Buffer.allocUnsafe(bytes);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, count, true);
  let at = HEADER_BYTES;
  for (let c = 0; c < COLUMN_COUNT; c++) {
    const width = widths[c]!;
    view.setUint8(4 + c * 9, width);
    view.setFloat64(5 + c * 9, bases[c]!, true);
    if (width === 0) continue;
    const v = columns[c]!;
    if (v instanceof Float64Array) packF64(v, count, width, bases[c]!);
    else packU32(v, count, width, bases[c]!, c === C_FRAME ? 1 : 0);
    copyPacked(out, view, at, count, width, littleEndian);
    at += width * count;
  }
  return out;
}

/** Encodes `count` records held as columns in the ROWS layout (what schema 3's migration writes). */
export function encodeRows(columns: readonly ColumnValues[], count: number): Buffer {
  const out = Buffer.alloc(count * ROW_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let c = 0; c < COLUMN_COUNT; c++) {
    const v = columns[c]!;
    const width = ROW_WIDTH[c]!;
    const at = ROW_AT[c]!;
    for (let i = 0; i < count; i++) {
      const o = i * ROW_BYTES + at;
      if (width === 8) view.setFloat64(o, v[i]!, true);
      else if (width === 4) view.setUint32(o, v[i]!, true);
      else if (width === 2) view.setUint16(o, v[i]!, true);
      else view.setUint8(o, v[i]!);
    }
  }
  return out;
}

/** How many records a block's data holds. */
export function recordCount(data: Uint8Array, layout: PacketBlockLayout): number {
  if (layout === LAYOUT_ROWS) return data.byteLength / ROW_BYTES;
  if (data.byteLength < HEADER_BYTES) throw new RangeError(`a packet block of ${data.byteLength} bytes is shorter than its header`);
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
}

/** Column `c` of a block's `count` records, in either layout. */
export function decodeColumn(data: Uint8Array, layout: PacketBlockLayout, c: number, count: number): DecodedColumn {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = isFloat(c) ? new Float64Array(count) : new Uint32Array(count);
  if (layout === LAYOUT_ROWS) {
    const width = ROW_WIDTH[c]!;
    const at = ROW_AT[c]!;
    for (let i = 0; i < count; i++) {
      const o = i * ROW_BYTES + at;
      out[i] = width === 8 ? view.getFloat64(o, true) : width === 4 ? view.getUint32(o, true) : width === 2 ? view.getUint16(o, true) : view.getUint8(o);
    }
    return out;
  }
  let at = HEADER_BYTES;
  for (let k = 0; k < c; k++) at += view.getUint8(4 + k * 9) * count;
  const width = view.getUint8(4 + c * 9);
  const base = view.getFloat64(5 + c * 9, true);
  if (at + width * count > data.byteLength) throw new RangeError(`packet block column ${c} runs past the block's ${data.byteLength} bytes`);
  const shift = c === C_FRAME ? 1 : 0;
  switch (width) {
    case 0:
      for (let i = 0; i < count; i++) out[i] = base + shift * i;
      break;
    case 1:
      for (let i = 0; i < count; i++) out[i] = base + data[at + i]! + shift * i;
      break;
    case 2:
      for (let i = 0; i < count; i++) out[i] = base + view.getUint16(at + 2 * i, true) + shift * i;
      break;
    case 4:
      for (let i = 0; i < count; i++) out[i] = base + view.getUint32(at + 4 * i, true) + shift * i;
      break;
    case 8:
      // Nothing added to a float column: -0 + 0 would be 0.
      for (let i = 0; i < count; i++) out[i] = shift === 0 ? view.getFloat64(at + 8 * i, true) : view.getFloat64(at + 8 * i, true) + i;
      break;
    default:
      throw new RangeError(`packet block column ${c} has width ${width}`);
  }
  return out;
}
