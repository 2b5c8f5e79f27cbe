/**
 * Whether an address is routed on the Internet. A packet from a private address (RFC 1918, shared address space
 * RFC 6598, unique local RFC 4193, link-local) reaches a public one only after a NAT rewrote its source: replies
 * to the private address have no route back.
 */
import { cidrContains, isLoopback, isMulticast, isUnspecified, parseCidr, parseIp, type CidrNumber } from './ip';

const NOT_ROUTED: readonly CidrNumber[] = [
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '192.0.0.0/24', '198.18.0.0/15',
  '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4', 'fc00::/7', 'fe80::/10', '2001:db8::/32',
].map((c) => parseCidr(c)!);

/** A unicast address no Internet router forwards to (null for text that is not an address). */
export function isPrivateAddress(text: string): boolean | null {
  const ip = parseIp(text);
  if (ip === null) return null;
  return isLoopback(ip) || isUnspecified(ip) || NOT_ROUTED.some((c) => c.family === ip.family && cidrContains(c, ip));
}

/** A unicast address routed on the Internet. */
export function isPublicAddress(text: string): boolean {
  const ip = parseIp(text);
  if (ip === null || isMulticast(ip)) return false;
  if (ip.family === 'ipv4' && ip.value === 0xffffffff) return false;
  return isPrivateAddress(text) === false;
}
