/** Address literals as the text captures print them: recognised, never resolved. */

const IPV4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_OCTET.test(p));
}

/** RFC 4291 text form: hex groups and colons (at most one `::`), an optional final dotted quad, an optional `%zone`. */
export function isIpv6(text: string): boolean {
  const zone = text.indexOf('%');
  if (zone === text.length - 1) return false;
  const addr = zone >= 0 ? text.slice(0, zone) : text;
  if (addr.length < 2 || addr.length > 45 || !addr.includes(':')) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h] ?? '';
    if (half === '') continue;
    const parts = half.split(':');
    const last = h === halves.length - 1;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? '';
      // A dotted quad only ends an address (`::ffff:10.0.0.1`), never comes before `::`.
      if (last && i === parts.length - 1 && p.includes('.') && isIpv4(p)) { groups += 2; continue; }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
      groups++;
    }
  }
  return halves.length === 2 ? groups < 8 : groups === 8;
}

export function isIpAddress(text: string): boolean {
  return isIpv4(text) || isIpv6(text);
}

export function familyOfAddress(text: string): 'ipv4' | 'ipv6' {
  return text.includes(':') ? 'ipv6' : 'ipv4';
}

/** `10.0.0.0/24`, `fd00::/64`, or a bare address; the prefix must fit the family. */
export function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return isIpAddress(text);
  const addr = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (isIpv4(addr)) return n <= 32;
  return isIpv6(addr) && n <= 128;
}

/** A bare address becomes a host prefix (`/32`, `/128`); a CIDR is kept. */
export function withHostPrefix(text: string): string {
  if (text.includes('/')) return text;
  return `${text}/${familyOfAddress(text) === 'ipv6' ? 128 : 32}`;
}

/** `255.255.255.0` → 24; null when the mask is not contiguous ones. */
export function prefixOfNetmask(mask: string): number | null {
  if (!isIpv4(mask)) return null;
  let value = 0;
  for (const part of mask.split('.')) value = value * 256 + Number(part);
  let bits = 0;
  for (let bit = 31; bit >= 0; bit--) {
    if (Math.floor(value / 2 ** bit) % 2 === 1) bits++;
    else break;
  }
  const expected = bits === 0 ? 0 : (2 ** 32 - 2 ** (32 - bits));
  return value === expected ? bits : null;
}
