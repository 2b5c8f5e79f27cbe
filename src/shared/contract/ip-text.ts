/**
 * IP addresses and prefixes as text, without Node: shared by the API validators, the CLI's trace
 * arguments and the renderer (which may not import node:net or core). Addresses become bigints so
 * IPv4 and IPv6 prefixes are compared the same way.
 */

export type IpFamily = 'ipv4' | 'ipv6';

export interface IpValue {
  family: IpFamily;
  value: bigint;
}

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    if (!V4_PART.test(p)) return null;
    value = (value << 8n) | BigInt(Number(p));
  }
  return value;
}

function groupsOf(text: string): bigint[] | null {
  if (text === '') return [];
  const out: bigint[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (v4 === null) return null;
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else if (V6_GROUP.test(p)) {
      out.push(BigInt(`0x${p}`));
    } else {
      return null;
    }
  }
  return out;
}

function parseIpv6(text: string): bigint | null {
  // A zone (`fe80::1%eth0`) names a link, not an address: it is not part of the value.
  const bare = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  const halves = bare.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<bigint>(missing).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** `10.0.0.1` or `fd00::1` → its family and value; null for anything else (hostnames, prefixes, ports). */
export function parseIp(text: string): IpValue | null {
  if (text.length > 64) return null;
  if (text.includes(':')) {
    const v6 = parseIpv6(text);
    return v6 === null ? null : { family: 'ipv6', value: v6 };
  }
  const v4 = parseIpv4(text);
  return v4 === null ? null : { family: 'ipv4', value: v4 };
}

export function isIpAddress(text: string): boolean {
  return parseIp(text) !== null;
}

/** The address part of `10.0.0.5/24` (or of a bare address). */
export function addressOfCidr(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

/** True when `ip` lies in `cidr` (`10.40.1.0/24`; `default` holds every address of its family). */
export function cidrContains(cidr: string, ip: string): boolean {
  const addr = parseIp(ip);
  if (addr === null) return false;
  if (cidr === 'default') return true;
  const net = parseIp(addressOfCidr(cidr));
  if (net === null || net.family !== addr.family) return false;
  const bits = addr.family === 'ipv4' ? 32 : 128;
  const slash = cidr.indexOf('/');
  const length = slash < 0 ? bits : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > bits) return false;
  const shift = BigInt(bits - length);
  return net.value >> shift === addr.value >> shift;
}

/** True when both texts name the same address (`fd00::1` = `fd00:0::1`). */
export function sameIp(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== null && y !== null && x.family === y.family && x.value === y.value;
}
