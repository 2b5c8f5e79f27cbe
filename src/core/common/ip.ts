/**
 * IP addresses and prefixes: the one reading of address text for every layer (parsers, the replay, the
 * contract's validators, the UI through shared/contract/ip-text.ts). Runs anywhere: no Node, no DOM.
 *
 * Text is read as inet_pton reads it, which is also how the kernel and its tools print addresses:
 * dotted quads without leading zeros (`010.0.0.1` is not an address: inet_aton would read it as octal),
 * RFC 4291 IPv6 with at most one `::`, a dotted quad only as the last 32 bits, and an optional
 * non-empty `%zone` that names a link and is not part of the value.
 *
 * Values are numbers so the replay compares them without reparsing: IPv4 as an unsigned 32-bit
 * number, IPv6 as a bigint. They are parsed once when a node is compiled, never per rule per packet.
 */

export type Family = 'ipv4' | 'ipv6';

export type IpNumber =
  | { family: 'ipv4'; value: number }
  | { family: 'ipv6'; value: bigint };

/** A prefix compiled to a membership test. */
export interface CidrNumber {
  family: Family;
  prefixLength: number;
  /** Network address (masked). */
  v4: number;
  v4mask: number;
  v6: bigint;
  v6mask: bigint;
}

/** A prefix as text reads it: the address as written and the prefix length (a mask already turned into one). */
export type CidrReading =
  | { ok: true; address: string; family: Family; prefixLength: number }
  | { ok: false; reason: string };

const V6_ALL = (1n << 128n) - 1n;
/** `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255` is the longest IPv6 text. */
const MAX_IPV6_TEXT = 45;
const MAX_ZONE_TEXT = 64;

// ---- addresses --------------------------------------------------------------------------------

/** A dotted quad (text[start, end)) as an unsigned 32-bit number; null for anything else (leading zeros included). */
export function parseIpv4(text: string, end = text.length, start = 0): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return null;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return null;
    } else {
      return null;
    }
  }
  if (dots !== 3 || digits === 0) return null;
  return value * 256 + octet;
}

function isHexGroup(p: string): boolean {
  if (p.length < 1 || p.length > 4) return false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** The 16-bit groups of one side of `::`; a dotted quad is allowed only as the address's last 32 bits. */
function groupsOf(half: string, endsAddress: boolean): number[] | null {
  if (half === '') return [];
  const out: number[] = [];
  const parts = half.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (endsAddress && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (v4 === null) return null;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (isHexGroup(p)) {
      out.push(parseInt(p, 16));
    } else {
      return null;
    }
  }
  return out;
}

/** IPv6 text (with an optional `%zone`, which is dropped) as a 128-bit bigint; null for anything else. */
export function parseIpv6(input: string): bigint | null {
  const zone = input.indexOf('%');
  if (zone >= 0 && (zone === input.length - 1 || input.length - zone - 1 > MAX_ZONE_TEXT)) return null;
  const text = zone >= 0 ? input.slice(0, zone) : input;
  if (text.length < 2 || text.length > MAX_IPV6_TEXT || !text.includes(':')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const g of head) value = (value << 16n) | BigInt(g);
  value <<= BigInt(16 * missing);
  for (const g of tail) value = (value << 16n) | BigInt(g);
  return value;
}

export function parseIp(text: string): IpNumber | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 'ipv4', value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== null) return { family: 'ipv6', value: v6 };
  return null;
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null;
}

export function isIpv6(text: string): boolean {
  return parseIpv6(text) !== null;
}

export function isIpAddress(text: string): boolean {
  return parseIp(text) !== null;
}

/** The family of an address the caller already knows is one (a colon means IPv6). */
export function familyOfAddress(text: string): Family {
  return text.includes(':') ? 'ipv6' : 'ipv4';
}

export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952 text: lower case, longest run of zero groups (length ≥ 2) shortened to `::`. */
export function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatIp(ip: IpNumber): string {
  return ip.family === 'ipv4' ? formatIpv4(ip.value) : formatIpv6(ip.value);
}

export function sameIp(a: IpNumber, b: IpNumber): boolean {
  return a.family === b.family && a.value === b.value;
}

export function isLoopback(ip: IpNumber): boolean {
  return ip.family === 'ipv4' ? ip.value >>> 24 === 127 : ip.value === 1n;
}

export function isMulticast(ip: IpNumber): boolean {
  return ip.family === 'ipv4' ? ip.value >>> 28 === 0xe : ip.value >> 120n === 0xffn;
}

export function isUnspecified(ip: IpNumber): boolean {
  return ip.family === 'ipv4' ? ip.value === 0 : ip.value === 0n;
}

// ---- prefixes ---------------------------------------------------------------------------------

function v4Mask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

function v6Mask(prefixLength: number): bigint {
  return prefixLength === 0 ? 0n : (V6_ALL << BigInt(128 - prefixLength)) & V6_ALL;
}

/** The prefix length a mask stands for (`255.255.255.0` → 24, `ffff:ffff::` → 32); null when its ones are not contiguous. */
export function prefixOfMask(mask: IpNumber): number | null {
  const bits = mask.family === 'ipv4' ? 32 : 128;
  const value = BigInt(mask.value);
  let ones = 0;
  while (ones < bits && ((value >> BigInt(bits - 1 - ones)) & 1n) === 1n) ones++;
  const full = mask.family === 'ipv4' ? BigInt(v4Mask(ones)) : v6Mask(ones);
  return value === full ? ones : null;
}

/** `255.255.255.0` → 24; null when the text is not an IPv4 mask of contiguous ones. */
export function prefixOfNetmask(mask: string): number | null {
  const value = parseIpv4(mask);
  return value === null ? null : prefixOfMask({ family: 'ipv4', value });
}

/**
 * `10.0.0.0/8`, `fd00::/64`, a bare address (a host prefix), and the mask forms `iptables -L` prints
 * (`10.0.0.0/255.0.0.0`, `fd00::/ffff:ffff::`). A mask must be contiguous ones; a length must fit the family.
 */
export function readCidr(text: string): CidrReading {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(address);
  if (ip === null) return { ok: false, reason: `bad address "${text}"` };
  const max = ip.family === 'ipv4' ? 32 : 128;
  if (slash < 0) return { ok: true, address, family: ip.family, prefixLength: max };
  const bitsText = text.slice(slash + 1);
  let prefixLength: number;
  if (/^\d{1,3}$/.test(bitsText)) {
    prefixLength = Number(bitsText);
  } else {
    const mask = parseIp(bitsText);
    if (mask === null || mask.family !== ip.family) return { ok: false, reason: `bad mask in "${text}"` };
    const fromMask = prefixOfMask(mask);
    if (fromMask === null) return { ok: false, reason: `non-contiguous mask ${bitsText}` };
    prefixLength = fromMask;
  }
  if (prefixLength > max) return { ok: false, reason: `prefix length ${prefixLength} too long in "${text}"` };
  return { ok: true, address, family: ip.family, prefixLength };
}

/** `10.0.0.0/24`, `fd00::/64` or a bare address, with the length written in digits as `ip` prints it. */
export function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash >= 0 && !/^\d{1,3}$/.test(text.slice(slash + 1))) return false;
  return readCidr(text).ok;
}

/** A bare address becomes a host prefix (`/32`, `/128`); a CIDR is kept. */
export function withHostPrefix(text: string): string {
  if (text.includes('/')) return text;
  return `${text}/${familyOfAddress(text) === 'ipv6' ? 128 : 32}`;
}

/** The address part of `10.0.0.5/24` (or of a bare address). */
export function addressOfCidr(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

export function cidrOf(ip: IpNumber, prefixLength: number): CidrNumber {
  if (ip.family === 'ipv4') {
    const mask = v4Mask(prefixLength);
    return { family: 'ipv4', prefixLength, v4: (ip.value & mask) >>> 0, v4mask: mask, v6: 0n, v6mask: 0n };
  }
  const mask = v6Mask(prefixLength);
  return { family: 'ipv6', prefixLength, v4: 0, v4mask: 0, v6: ip.value & mask, v6mask: mask };
}

/** A prefix compiled for membership tests (readCidr's forms); null when the text is not one. `default` is not: its family depends on the table. */
export function parseCidr(text: string): CidrNumber | null {
  const read = readCidr(text);
  return read.ok ? cidrOfParts(read.address, read.prefixLength) : null;
}

/** A parsed `Cidr` record (address text + prefix length); null when the address cannot be read. */
export function cidrOfParts(address: string, prefixLength: number): CidrNumber | null {
  const ip = parseIp(address);
  if (ip === null) return null;
  const max = ip.family === 'ipv4' ? 32 : 128;
  return prefixLength >= 0 && prefixLength <= max ? cidrOf(ip, prefixLength) : null;
}

export function cidrContains(cidr: CidrNumber, ip: IpNumber): boolean {
  if (ip.family !== cidr.family) return false;
  if (ip.family === 'ipv4') return ((ip.value & cidr.v4mask) >>> 0) === cidr.v4;
  return (ip.value & cidr.v6mask) === cidr.v6;
}

/** Last address of the prefix (the IPv4 subnet broadcast). */
export function lastAddressOf(cidr: CidrNumber): IpNumber {
  if (cidr.family === 'ipv4') return { family: 'ipv4', value: (cidr.v4 | (~cidr.v4mask >>> 0)) >>> 0 };
  return { family: 'ipv6', value: cidr.v6 | (~cidr.v6mask & V6_ALL) };
}

// ---- text in, text out (the contract and the UI hold addresses as text) -----------------------

/** True when `ip` lies in `cidr` (`10.40.1.0/24`); a route's `default` holds every address of either family. */
export function cidrTextContains(cidr: string, ip: string): boolean {
  const addr = parseIp(ip);
  if (addr === null) return false;
  if (cidr === 'default') return true;
  const net = parseCidr(cidr);
  return net !== null && cidrContains(net, addr);
}

/** True when both texts name the same address (`fd00::1` = `fd00:0::1`). */
export function sameIpText(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== null && y !== null && sameIp(x, y);
}
