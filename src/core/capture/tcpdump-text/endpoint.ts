/** `10.0.0.1.48648`, `2001:db8::1.53`, `::ffff:10.0.0.1.80`: tcpdump glues the port to the address with a dot. */
import { fieldValue, U16 } from './header-field';

export interface Endpoint {
  address: string;
  port: number | null;
}

/** A few service names tcpdump prints when run without -nn; anything else leaves the port unknown. */
const SERVICE_PORTS: Readonly<Record<string, number>> = {
  http: 80, https: 443, domain: 53, ssh: 22, ntp: 123, bootps: 67, bootpc: 68, snmp: 161,
  syslog: 514, 'http-alt': 8080, webcache: 8080, smtp: 25, telnet: 23, ftp: 21, mdns: 5353, isakmp: 500,
};

export function splitEndpoint(token: string): Endpoint {
  const lastDot = token.lastIndexOf('.');
  if (lastDot < 0) return { address: token, port: null };
  const lastColon = token.lastIndexOf(':');
  let dots = 0;
  for (let i = Math.max(lastColon, 0); i < token.length; i++) if (token.charCodeAt(i) === 46) dots++;
  // IPv6: one dot is `addr.port`, four is an embedded IPv4 with a port. IPv4: four dots is `a.b.c.d.port`.
  const hasPort = lastColon >= 0 ? dots === 1 || dots === 4 : dots === 4;
  if (!hasPort) return { address: token, port: null };
  const portText = token.slice(lastDot + 1);
  return { address: token.slice(0, lastDot), port: portNumber(portText) };
}

/** A port as tcpdump prints it: digits, or one of the service names above. */
export function portNumber(text: string): number | null {
  if (/^\d{1,5}$/.test(text)) return fieldValue(text, U16);
  return SERVICE_PORTS[text] ?? null;
}
