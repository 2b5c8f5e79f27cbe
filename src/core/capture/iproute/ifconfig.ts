/**
 * `ifconfig`: net-tools' old (`Link encap:` / `inet addr:`) and new (`flags=` / `inet ... netmask`) layouts,
 * and the BSD/macOS one (`netmask 0xffffff00`, `inet6 fe80::1%lo0`, `status: active`, a bridge's `member:` lines).
 */
import { CaptureError, clipText } from '../capture-error';
import { isIpv4, isIpv6, prefixOfNetmask } from '../../common/ip';
import { u32Of } from './kernel-number';
import { leadingLines } from '../leading-lines';
import type { AddressRecord, InterfaceRecord, ParsedCapture } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type IpAddrCapture = Extract<ParsedCapture, { kind: 'ip-addr' }>;

const NEW_HEADER = /^(\S+?):? flags=[0-9a-fA-Fx]+<([^>]*)>(?:\s+metric \d+)?(?:\s+mtu (\d+))?/;
/**
 * Detail lines by their first word: where a paste lost the indentation (a Markdown block flattened) they
 * still belong to the interface above, never start one.
 */
const DETAIL_START = /^(?:inet6?|ether|options=|nd6|media:|status:|member:|groups:|lladdr|hwaddr|RX|TX|loop|txqueuelen|device|Configuration:)(?:\s|$)/;
const OLD_HEADER = /^(\S+)\s+Link encap:(\S+(?: Loopback)?)(?:\s+HWaddr (\S+))?/;

export function parseIfconfig(input: TextInput): IpAddrCapture {
  const interfaces: InterfaceRecord[] = [];
  const byName = new Map<string, InterfaceRecord>();
  let current: InterfaceRecord | null = null;
  // An alias (`eth0:1`) is printed as its own block; its address belongs to the base interface as a secondary one.
  let aliasOf: { base: InterfaceRecord; label: string } | null = null;

  // A bridge's `member: en1 flags=...` lines: the member's master, set once every block is read.
  const members: { name: string; bridge: InterfaceRecord; line: number }[] = [];

  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    if (!/^\s/.test(text) && !((current !== null || aliasOf !== null) && DETAIL_START.test(text))) {
      const newHeader = NEW_HEADER.exec(text);
      const header = newHeader ?? OLD_HEADER.exec(text);
      if (!header) fail(`not an ifconfig line: "${clipText(text)}"`);
      const h = header as RegExpExecArray;
      const name = h[1] ?? '';
      const colon = name.indexOf(':');
      const base = colon > 0 ? byName.get(name.slice(0, colon)) : undefined;
      if (base) {
        aliasOf = { base, label: name };
        current = null;
        continue;
      }
      aliasOf = null;
      current = {
        name, index: null, peer: null, linkNetns: null, flags: [], mtu: null, state: null, master: null,
        linkType: null, mac: null, addresses: [], line,
      };
      if (newHeader) {
        current.flags = (h[2] ?? '').split(',').filter((f) => f !== '');
        current.mtu = h[3] !== undefined ? u32Of(h[3]) ?? fail(`mtu out of range: "${clipText(h[3])}"`) : null;
        current.state = stateOf(current.flags);
      } else {
        current.linkType = linkTypeOf(h[2] ?? '');
        current.mac = h[3] ?? null;
      }
      interfaces.push(current);
      byName.set(name, current);
      continue;
    }
    const body = text.trim();
    if (aliasOf) {
      const address = addressOf(body, line, fail);
      if (address) aliasOf.base.addresses.push({ ...address, secondary: true, label: aliasOf.label });
      continue;
    }
    if (!current) fail('ifconfig detail line before any interface');
    const iface = current as InterfaceRecord;
    const address = addressOf(body, line, fail);
    if (address) {
      iface.addresses.push(address.family === 'ipv4' ? { ...address, label: iface.name } : address);
      continue;
    }
    const member = /^member: (\S+)/.exec(body);
    if (member) members.push({ name: member[1]!, bridge: iface, line });
    else readDetail(iface, body);
  }
  for (const m of members) {
    const port = byName.get(m.name);
    if (port) port.master = m.bridge.name;
    else {
      // A port the output did not list on its own (`ifconfig bridge0`): the bridge still says it exists.
      const added: InterfaceRecord = {
        name: m.name, index: null, peer: null, linkNetns: null, flags: [], mtu: null, state: null, master: m.bridge.name,
        linkType: null, mac: null, addresses: [], line: m.line,
      };
      interfaces.push(added);
      byName.set(m.name, added);
    }
  }
  if (interfaces.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no interface found in ifconfig output');
  return { kind: 'ip-addr', interfaces, takenAt: null };
}

function stateOf(flags: string[]): string {
  return flags.includes('UP') && flags.includes('RUNNING') ? 'UP' : 'DOWN';
}

function linkTypeOf(encap: string): string {
  if (encap === 'Ethernet') return 'ether';
  if (encap === 'Local Loopback') return 'loopback';
  return encap.toLowerCase();
}

/** An `inet`/`inet6` line in either layout, or null for any other detail line. */
function addressOf(body: string, line: number, fail: (r: string) => never): AddressRecord | null {
  const tokens = body.split(/\s+/);
  const head = tokens[0];
  if (head !== 'inet' && head !== 'inet6') return null;
  const family = head === 'inet' ? 'ipv4' : 'ipv6';
  const record: AddressRecord = { family, cidr: '', peer: null, broadcast: null, scope: null, label: null, secondary: false, line };
  let local = '';
  let prefix: number | null = null;
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    const next = tokens[i + 1];
    if (token === 'addr:' && family === 'ipv6') { local = next ?? ''; i++; continue; } // `inet6 addr: fe80::1/64 Scope:Link`
    const colon = token.indexOf(':');
    const key = colon > 0 && family === 'ipv4' ? token.slice(0, colon) : colon > 0 && /^[A-Z]/.test(token) ? token.slice(0, colon) : token;
    const inline = colon > 0 && key !== token ? token.slice(colon + 1) : undefined;
    switch (key) {
      case 'addr': local = inline ?? ''; break;
      case 'Mask': prefix = prefixOfNetmask(inline ?? ''); if (prefix === null) fail(`not a netmask: "${inline ?? ''}"`); break;
      case 'Bcast': record.broadcast = nonZero(inline); break;
      case 'P-t-P': record.peer = inline ?? null; break;
      case 'Scope': record.scope = (inline ?? '').toLowerCase() || null; break;
      case 'netmask': prefix = prefixOfNetmask(dottedMask(next ?? '')); if (prefix === null) fail(`not a netmask: "${next ?? ''}"`); i++; break;
      case 'broadcast': record.broadcast = nonZero(next); i++; break;
      case 'destination': record.peer = next ?? null; i++; break;
      case 'prefixlen': prefix = prefixBits(next ?? '', family, fail); i++; break;
      case 'scopeid': record.scope = /<([^>]*)>/.exec(next ?? '')?.[1] ?? null; i++; break;
      default: if (i === 1) local = token;
    }
  }
  // BSD names the zone of a link-local address (`fe80::1%lo0`); the interface already says it.
  const zone = family === 'ipv6' ? local.indexOf('%') : -1;
  if (zone > 0) local = local.slice(0, zone);
  const slash = local.indexOf('/');
  if (slash > 0) {
    prefix = prefixBits(local.slice(slash + 1), family, fail);
    local = local.slice(0, slash);
  }
  if (family === 'ipv4' ? !isIpv4(local) : !isIpv6(local)) fail(`not an address: "${clipText(local)}"`);
  record.cidr = `${local}/${prefix ?? (family === 'ipv4' ? 32 : 128)}`;
  return record;
}

function prefixBits(text: string, family: 'ipv4' | 'ipv6', fail: (r: string) => never): number {
  const max = family === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(text) || Number(text) > max) fail(`not a prefix length 0..${max}: "${clipText(text)}"`);
  return Number(text);
}

/** BSD prints the netmask in hex: `0xffffff00` → `255.255.255.0`. */
function dottedMask(mask: string): string {
  if (!/^0x[0-9a-fA-F]{8}$/.test(mask)) return mask;
  const value = Number.parseInt(mask.slice(2), 16);
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function readDetail(iface: InterfaceRecord, body: string): void {
  const tokens = body.split(/\s+/);
  const head = tokens[0] ?? '';
  if (head === 'status:') {
    // BSD: the link's carrier. `inactive` is what ip shows as DOWN (NO-CARRIER).
    if (tokens[1] === 'inactive') iface.state = 'DOWN';
    else if (tokens[1] === 'active') iface.state = stateOf(iface.flags);
    return;
  }
  if (head === 'ether' || head === 'loop' || head === 'unspec' || head === 'infiniband' || head === 'ppp' || head === 'tunnel') {
    iface.linkType = head === 'loop' ? 'loopback' : head;
    if (head !== 'loop' && tokens[1] !== undefined && tokens[1] !== 'txqueuelen') iface.mac = tokens[1];
    return;
  }
  // Old layout: `UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1`
  const mtu = tokens.find((t) => t.startsWith('MTU:'));
  if (mtu !== undefined) {
    iface.flags = tokens.filter((t) => /^[A-Z][A-Z_-]*$/.test(t));
    iface.mtu = u32Of(mtu.slice(4)) || null;
    iface.state = stateOf(iface.flags);
  }
}

function nonZero(address: string | undefined): string | null {
  return address === undefined || address === '0.0.0.0' ? null : address;
}

/** First non-empty line is an ifconfig interface header in either layout. */
export function looksLikeIfconfig(text: string): boolean {
  const [first] = leadingLines(text, 1);
  return first !== undefined && (NEW_HEADER.test(first) || OLD_HEADER.test(first));
}
