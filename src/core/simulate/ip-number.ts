/**
 * Addresses as numbers, so the replay compares them without reparsing: IPv4 as an unsigned 32-bit
 * number, IPv6 as a bigint. Parsed once when a node is compiled, never per rule per packet.
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

const V6_ALL = (1n << 128n) - 1n;

export function parseIpv4(text: string): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return null;
    } else {
      return null;
    }
  }
  if (dots !== 3 || digits === 0) return null;
  return value * 256 + octet;
}

export function parseIpv6(input: string): bigint | null {
  const zone = input.indexOf('%');
  const text = zone >= 0 ? input.slice(0, zone) : input;
  if (!text.includes(':')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? '';
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

export function parseIp(text: string): IpNumber | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 'ipv4', value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== null) return { family: 'ipv6', value: v6 };
  return null;
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

function v4Mask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

function v6Mask(prefixLength: number): bigint {
  return prefixLength === 0 ? 0n : (V6_ALL << BigInt(128 - prefixLength)) & V6_ALL;
}

export function cidrOf(ip: IpNumber, prefixLength: number): CidrNumber {
  if (ip.family === 'ipv4') {
    const mask = v4Mask(prefixLength);
    return { family: 'ipv4', prefixLength, v4: (ip.value & mask) >>> 0, v4mask: mask, v6: 0n, v6mask: 0n };
  }
  const mask = v6Mask(prefixLength);
  return { family: 'ipv6', prefixLength, v4: 0, v4mask: 0, v6: ip.value & mask, v6mask: mask };
}

/** `10.0.0.0/8`, `10.1.2.3` (host prefix), `default`; null when not an address. */
export function parseCidr(text: string): CidrNumber | null {
  if (text === 'default') return cidrOf({ family: 'ipv4', value: 0 }, 0);
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const max = ip.family === 'ipv4' ? 32 : 128;
  if (slash < 0) return cidrOf(ip, max);
  const bitsText = text.slice(slash + 1);
  if (/^\d{1,3}$/.test(bitsText)) {
    const bits = Number(bitsText);
    return bits <= max ? cidrOf(ip, bits) : null;
  }
  // iptables -L prints `10.0.0.0/255.0.0.0` for non-contiguous or old-style masks.
  const mask = ip.family === 'ipv4' ? parseIpv4(bitsText) : null;
  if (mask === null) return null;
  let bits = 0;
  while (bits < 32 && ((mask >>> (31 - bits)) & 1) === 1) bits++;
  return cidrOf(ip, bits);
}

export function cidrContains(cidr: CidrNumber, ip: IpNumber): boolean {
  if (ip.family !== cidr.family) return false;
  if (ip.family === 'ipv4') return ((ip.value & cidr.v4mask) >>> 0) === cidr.v4;
  return (ip.value & cidr.v6mask) === cidr.v6;
}

export function sameIp(a: IpNumber, b: IpNumber): boolean {
  return a.family === b.family && a.value === b.value;
}

/** Last address of the prefix (the IPv4 subnet broadcast). */
export function lastAddressOf(cidr: CidrNumber): IpNumber {
  if (cidr.family === 'ipv4') return { family: 'ipv4', value: (cidr.v4 | (~cidr.v4mask >>> 0)) >>> 0 };
  return { family: 'ipv6', value: cidr.v6 | (~cidr.v6mask & V6_ALL) };
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

/** A parsed `Cidr` record (address text + prefix length); null when the address cannot be read. */
export function cidrOfParts(address: string, prefixLength: number): CidrNumber | null {
  const ip = parseIp(address);
  if (ip === null) return null;
  const max = ip.family === 'ipv4' ? 32 : 128;
  return prefixLength >= 0 && prefixLength <= max ? cidrOf(ip, prefixLength) : null;
}
