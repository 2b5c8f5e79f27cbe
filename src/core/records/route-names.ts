/**
 * Routes a capture gave names for instead of addresses (`route` without -n: `_gateway`, `link-local`, `dns.google`):
 * RouteRecord keeps the name where the address would be, and these tell such a route apart.
 */
import { isIpAddress } from '../common/ip';

/**
 * A name net-tools printed for an address without -n: /etc/hosts or DNS for hosts and gateways (`_gateway` is
 * systemd-resolved's, `dns.google` a reverse lookup, cut to 15 characters), /etc/networks for networks (`link-local`).
 * It holds a letter or `_`: all-digit words are numbers cut short, not names.
 */
const ADDRESS_NAME = /^(?=[^/\s]*[A-Za-z_])[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

export function isAddressName(text: string): boolean {
  return ADDRESS_NAME.test(text) && !isIpAddress(text) && text !== 'default';
}

/** The prefix length of a route whose destination is a name (`link-local/16`); null for `default`, a CIDR or anything else. */
export function namedDestinationPrefix(dst: string): number | null {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(dst);
  if (m === null || !isAddressName(m[1]!)) return null;
  return Number(m[2]);
}

/** The gateway is a name, its address unknown. */
export function isNamedGateway(via: string | null): boolean {
  return via !== null && isAddressName(via);
}
