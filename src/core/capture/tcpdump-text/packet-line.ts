/** One tcpdump packet line after its timestamp: link prefix, network keyword or ethertype, IP header, addresses, transport. */
import type { PacketRecord } from '../../records/records';
import { splitEndpoint } from './endpoint';
import { readVerboseIpHeader } from './ip-header';
import { readInterfacePrefix, readLinkHeader } from './link-header';
import { TextCursor } from './text-cursor';
import { readTransport } from './transport';
import { clearOpenTunnel, readTunnelHeader } from './tunnel-header';

export interface LineReading {
  /** The line names a link header or a network tcpdump prints (IP, IP6, ARP); false for other protocols. */
  recognised: boolean;
  /** A -v IPv4 header ended the line: the addresses follow on the next, indented line. */
  awaitingAddresses: boolean;
}

const TRUNCATED_IP = /truncated-ip - \d{1,10} bytes missing! /y;
const ARP_FORMAT = /(?:Ethernet|Unknown Hardware) \(len \d{1,3}\), [^(,]{1,20} \(len \d{1,3}\), /y;

export function readPacketLine(p: PacketRecord, text: string, at: number): LineReading {
  clearOpenTunnel();
  const c = new TextCursor(text, at);
  c.skipSpaces();
  readInterfacePrefix(p, c);
  let network = readLinkHeader(p, c);
  let recognised = network !== null;
  if (network === null) {
    if (c.eat('IP ')) network = 'ipv4';
    else if (c.eat('IP6 ')) network = 'ipv6';
    else if (c.eat('ARP, ') || c.eat('RARP, ')) network = 'arp';
    else if (c.startsWith('[|ip]')) network = 'ipv4';
    else if (c.startsWith('[|ip6]')) network = 'ipv6';
    else network = 'other';
    recognised = network !== 'other' || p.iface !== null;
  }
  p.network = network;
  switch (network) {
    case 'arp':
      readArp(p, c);
      return { recognised, awaitingAddresses: false };
    case 'ipv4':
    case 'ipv6':
      return { recognised, awaitingAddresses: readIp(p, c) };
    case 'other':
      return { recognised, awaitingAddresses: false };
  }
}

/** The indented line after a -v IPv4 header: `    10.0.0.1.80 > 10.0.0.2.5000: Flags [S], ...`. */
export function readAddressLine(p: PacketRecord, text: string): void {
  const c = new TextCursor(text);
  c.skipSpaces();
  readAddresses(p, c);
}

/** Returns true when the line ends after a -v header, so the addresses are on the next line. */
function readIp(p: PacketRecord, c: TextCursor): boolean {
  c.match(TRUNCATED_IP);
  if (c.startsWith('[|')) {
    p.truncated = p.network === 'ipv6' ? 'ip6' : 'ip';
    return false;
  }
  if (c.startsWith('bad-len') || c.startsWith('bad-hlen') || c.startsWith('bad-ver')) return false;
  if (readVerboseIpHeader(p, c)) {
    c.match(TRUNCATED_IP);
    if (c.done) return p.network === 'ipv4';
  }
  readAddresses(p, c);
  return false;
}

function readAddresses(p: PacketRecord, c: TextCursor): void {
  const srcToken = c.token();
  if (!c.eat(' > ')) return;
  let dstToken = c.token();
  if (!dstToken.endsWith(':')) return;
  dstToken = dstToken.slice(0, -1);
  const src = splitEndpoint(srcToken);
  const dst = splitEndpoint(dstToken);
  // `IP 10.0.0.1 > : ` is no address pair tcpdump prints: the addresses stay unknown, like any unreadable pair.
  if (src.address === '' || dst.address === '') return;
  p.src = src.address;
  p.dst = dst.address;
  const portsPrinted = src.port !== null && dst.port !== null;
  if (portsPrinted) {
    p.sport = src.port;
    p.dport = dst.port;
  }
  c.skipSpaces();
  if (readTunnelHeader(p, c, portsPrinted)) return;
  readTransport(p, c, portsPrinted);
}

/** `Request who-has 10.0.0.1 (aa:..) tell 10.0.0.2, length 28`, `Reply 10.0.0.1 is-at aa:...`: src/dst are the sender/target IP. */
function readArp(p: PacketRecord, c: TextCursor): void {
  c.match(ARP_FORMAT);
  if (c.eat('Request who-has ')) {
    p.arpOp = 1;
    p.dst = address(c.token());
    c.skipSpaces();
    if (c.startsWith('(')) {
      c.skipGroup();
      c.skipSpaces();
    }
    if (c.eat('tell ')) p.src = address(c.token());
  } else if (c.eat('Reply ')) {
    p.arpOp = 2;
    p.src = address(c.token());
  } else if (c.eat('Announcement ')) {
    p.arpOp = 1;
    p.src = p.dst = address(c.token());
  } else if (c.startsWith('Reverse Request')) {
    p.arpOp = 3;
  } else if (c.startsWith('Reverse Reply')) {
    p.arpOp = 4;
  } else if (c.startsWith('Inverse Request')) {
    p.arpOp = 8;
  } else if (c.startsWith('Inverse Reply')) {
    p.arpOp = 9;
  }
}

/** The address in `10.0.0.1` or `10.0.0.1,`; null when the token holds none (`who-has  tell ,`). */
function address(token: string): string | null {
  const text = token.endsWith(',') ? token.slice(0, -1) : token;
  return text === '' ? null : text;
}
