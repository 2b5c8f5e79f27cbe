/**
 * Address formatting for the packet hot path: lookup tables instead of toString/padStart,
 * and small caches so a million packets between a few hosts share a handful of strings.
 */

const HEX2: string[] = [];
const HEX: string[] = [];
const DEC: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX2.push(i.toString(16).padStart(2, '0'));
  HEX.push(i.toString(16));
  DEC.push(String(i));
}

const CACHE_LIMIT = 65_536;
const macCache = new Map<number, string>();
const ipv4Cache = new Map<number, string>();

/** `aa:bb:cc:dd:ee:ff` from six bytes at `at` (caller has checked bounds). */
export function macText(b: Uint8Array, at: number): string {
  const key = (b[at]! * 0x10000 + b[at + 1]! * 0x100 + b[at + 2]!) * 0x1000000 + b[at + 3]! * 0x10000 + b[at + 4]! * 0x100 + b[at + 5]!;
  let text = macCache.get(key);
  if (text === undefined) {
    text = `${HEX2[b[at]!]}:${HEX2[b[at + 1]!]}:${HEX2[b[at + 2]!]}:${HEX2[b[at + 3]!]}:${HEX2[b[at + 4]!]}:${HEX2[b[at + 5]!]}`;
    if (macCache.size >= CACHE_LIMIT) macCache.clear();
    macCache.set(key, text);
  }
  return text;
}

/** Dotted quad from four bytes at `at`. */
export function ipv4Text(b: Uint8Array, at: number): string {
  const key = b[at]! * 0x1000000 + b[at + 1]! * 0x10000 + b[at + 2]! * 0x100 + b[at + 3]!;
  let text = ipv4Cache.get(key);
  if (text === undefined) {
    text = `${DEC[b[at]!]}.${DEC[b[at + 1]!]}.${DEC[b[at + 2]!]}.${DEC[b[at + 3]!]}`;
    if (ipv4Cache.size >= CACHE_LIMIT) ipv4Cache.clear();
    ipv4Cache.set(key, text);
  }
  return text;
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
