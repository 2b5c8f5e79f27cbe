/**
 * Address formatting for the packet hot path: lookup tables instead of toString/padStart,
 * and small caches so a million packets between a few hosts share a handful of strings.
 */

const HEX2: string[] = [];
/** Char codes of the two lower-case hex digits of a byte. */
const HEX_HI = new Uint8Array(256);
const HEX_LO = new Uint8Array(256);
const HEX: string[] = [];
const DEC: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX2.push(i.toString(16).padStart(2, '0'));
  HEX_HI[i] = HEX2[i]!.charCodeAt(0);
  HEX_LO[i] = HEX2[i]!.charCodeAt(1);
  HEX.push(i.toString(16));
  DEC.push(String(i));
}

// Direct-mapped caches (a slot per hash, the newer address wins): no Map, no boxed keys, no
// allocation on a hit. Keys are exact integers below 2^53; -1 marks an empty slot.
const SLOTS = 8192;
const macKeys = new Float64Array(SLOTS).fill(-1);
const macValues: string[] = new Array<string>(SLOTS).fill('');
/**
 * IPv4 text by address: a slot is two neighbouring elements, the address as an int32 (`| 0`, a small integer to
 * V8, compared without a load) and its text, so a lookup touches one cache line, not one in each of two tables.
 * A million packets between a few thousand hosts look here twice each (decoder and store).
 */
const ipv4Cache: Array<number | string | null> = new Array<number | string | null>(2 * SLOTS).fill(null);

/** `aa:bb:cc:dd:ee:ff` from six bytes at `at` (caller has checked bounds). */
export function macText(b: Uint8Array, at: number): string {
  const hi = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
  const lo = (b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!;
  const key = hi * 0x1000000 + lo;
  const slot = (Math.imul(hi ^ (lo >>> 11), 0x9e3779b1) ^ lo) & (SLOTS - 1);
  if (macKeys[slot] === key) return macValues[slot]!;
  // One flat string in one allocation (a template literal builds a chain of cons strings).
  const b0 = b[at]!, b1 = b[at + 1]!, b2 = b[at + 2]!, b3 = b[at + 3]!, b4 = b[at + 4]!, b5 = b[at + 5]!;
  const text = String.fromCharCode(
    HEX_HI[b0]!, HEX_LO[b0]!, 58, HEX_HI[b1]!, HEX_LO[b1]!, 58, HEX_HI[b2]!, HEX_LO[b2]!, 58,
    HEX_HI[b3]!, HEX_LO[b3]!, 58, HEX_HI[b4]!, HEX_LO[b4]!, 58, HEX_HI[b5]!, HEX_LO[b5]!,
  );
  macKeys[slot] = key;
  macValues[slot] = text;
  return text;
}

/** Dotted quad from four bytes at `at`. */
export function ipv4Text(b: Uint8Array, at: number): string {
  const key = (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  const at2 = ((Math.imul(key, 0x9e3779b1) >>> 19) & (SLOTS - 1)) << 1;
  if (ipv4Cache[at2] === key) return ipv4Cache[at2 + 1] as string;
  const text = `${DEC[b[at]!]}.${DEC[b[at + 1]!]}.${DEC[b[at + 2]!]}.${DEC[b[at + 3]!]}`;
  ipv4Cache[at2] = key;
  ipv4Cache[at2 + 1] = text;
  return text;
}

/**
 * Whether `text` is what ipv4Text returned for `value`, by its cache (one probe, usually the very string): how the
 * store checks a decoded record's text against its numbers without reading the text. False says nothing.
 */
export function isCachedIpv4Text(text: string, value: number): boolean {
  const at2 = ((Math.imul(value, 0x9e3779b1) >>> 19) & (SLOTS - 1)) << 1;
  return ipv4Cache[at2] === (value | 0) && ipv4Cache[at2 + 1] === text;
}

function group(b: Uint8Array, at: number): string {
  const hi = b[at]!;
  return hi === 0 ? HEX[b[at + 1]!]! : HEX[hi]! + HEX2[b[at + 1]!]!;
}

/**
 * IPv6 text as tshark and inet_ntop print it (RFC 5952): lower case, no leading zeros, the
 * longest run (first if tied) of two or more zero groups as `::`, and the BSD forms
 * `::a.b.c.d` / `::ffff:a.b.c.d` for IPv4-compatible and -mapped addresses.
 */
export function ipv6Text(b: Uint8Array, at: number): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const zero = b[at + 2 * i] === 0 && b[at + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
      const len = i - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && b[at + 10] === 0xff && b[at + 11] === 0xff))) {
    return (bestLen === 6 ? '::' : '::ffff:') + ipv4Text(b, at + 12);
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    text += group(b, at + 2 * i);
    if (i < 7) text += ':';
  }
  return text;
}
