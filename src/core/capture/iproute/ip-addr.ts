/** `ip addr` / `ip link` (iproute2) in the multi-line and `-o` one-line forms, tolerant of `-d` and `-s` extra lines. */
import { CaptureError, clipText } from '../capture-error';
import { familyOfAddress, isCidr, isIpv4, withHostPrefix } from '../../common/ip';
import { u32Of } from './kernel-number';
import { leadingLines } from '../leading-lines';
import type { AddressRecord, InterfaceRecord, LinkDetails, ParsedCapture } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type IpAddrCapture = Extract<ParsedCapture, { kind: 'ip-addr' }>;

/** `1: lo: <LOOPBACK,UP>` (link header) or `1: lo    inet ...` (`ip -o addr`). */
const HEADER = /^(\d+):\s+(\S+)\s*/;

/** Address flags iproute2 prints after the scope; anything else after `inet` is the label. */
const ADDRESS_FLAGS = new Set([
  'secondary', 'temporary', 'dynamic', 'noprefixroute', 'tentative', 'deprecated', 'nodad',
  'optimistic', 'home', 'mngtmpaddr', 'dadfailed', 'stable-privacy', 'permanent', 'autojoin',
]);
const ADDRESS_KEYS = new Set(['peer', 'brd', 'any', 'scope', 'metric', 'proto', 'label']);

export function parseIpAddr(input: TextInput): IpAddrCapture {
  if (looksLikeAddressLines(input.text)) return parseAddressLines(input);
  const interfaces: InterfaceRecord[] = [];
  const byIndex = new Map<number, InterfaceRecord>();
  let current: InterfaceRecord | null = null;

  for (const { line, text } of linesOf(input)) {
    // `ip -o` joins an interface's lines with a backslash; each piece reads like a line of the long form.
    const pieces = text.includes('\\') ? text.split('\\') : [text];
    for (let p = 0; p < pieces.length; p++) {
      const piece = pieces[p] ?? '';
      if (piece.trim() === '') continue;
      const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
      const header = p === 0 ? HEADER.exec(piece) : null;
      if (header) {
        const index = u32Of(header[1]) ?? fail(`interface index out of range: "${clipText(header[1] ?? '')}"`);
        const rest = piece.slice(header[0].length);
        const rawName = (header[2] ?? '').replace(/:$/, '');
        if (nameOf(rawName) === '') fail('interface without a name');
        if (rest.startsWith('<')) {
          current = interfaceFromHeader(index, rawName, rest, line, fail);
          const known = byIndex.get(index);
          if (known && known.name === current.name) {
            Object.assign(known, { ...current, addresses: known.addresses, line: known.line });
            current = known;
          } else {
            byIndex.set(index, current);
            interfaces.push(current);
          }
          continue;
        }
        if (/^inet6?\s/.test(rest)) {
          let iface = byIndex.get(index);
          if (!iface || iface.name !== nameOf(rawName)) {
            iface = bareInterface(index, rawName, line);
            byIndex.set(index, iface);
            interfaces.push(iface);
          }
          current = iface;
          current.addresses.push(addressFromLine(rest, line, fail));
          continue;
        }
        fail(`not an ip addr interface line: "${clipText(piece)}"`);
      }
      if (!/^\s/.test(piece) && p === 0) fail(`not an ip addr line: "${clipText(piece)}"`);
      if (!current) fail('ip addr detail line before any interface');
      const iface = current as InterfaceRecord;
      const body = piece.trim();
      if (body.startsWith('link/')) readLinkLine(iface, body);
      else if (/^inet6?\s/.test(body)) iface.addresses.push(addressFromLine(body, line, fail));
      else readDetailLine(iface, body);
      // valid_lft, altname and -s counters carry nothing we model.
    }
  }
  if (interfaces.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no interface found in ip addr output');
  return { kind: 'ip-addr', interfaces, takenAt: null };
}

/** An address line of `ip addr` on its own: `inet 10.0.0.5/24 ... eth0`, `inet6 fe80::1/64 scope link`. */
const ADDRESS_LINE = /^\s*inet6?\s+[0-9a-fA-F.:]+\/\d{1,3}\s/;

/**
 * `ip addr | grep inet`: address lines without their interfaces' header lines. An IPv4 line ends with its label,
 * which names the interface (`eth0`, `eth0:1` of eth0); an IPv6 line names none, so it is not read and the
 * warning names its line. The interfaces are known by name only: no index, state or flags.
 */
function parseAddressLines(input: TextInput): IpAddrCapture {
  const interfaces: InterfaceRecord[] = [];
  const byName = new Map<string, InterfaceRecord>();
  const warnings: Array<{ line: number; message: string }> = [];
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    if (!ADDRESS_LINE.test(text)) fail(`not an ip addr address line among address lines: "${clipText(text.trim())}"`);
    const address = addressFromLine(text, line, fail);
    const name = address.label === null ? null : address.label.split(':')[0]!;
    if (name === null || name === '') {
      warnings.push({ line, message: `${address.cidr}: an ${address.family === 'ipv6' ? 'inet6' : 'inet'} line without its interface (cut from \`ip addr\`, which names the interface of an IPv6 address only in the header above it); not read` });
      continue;
    }
    let iface = byName.get(name);
    if (iface === undefined) {
      iface = { name, index: null, peer: null, linkNetns: null, flags: [], mtu: null, state: null, master: null, linkType: null, mac: null, addresses: [], line };
      byName.set(name, iface);
      interfaces.push(iface);
    }
    iface.addresses.push(address);
  }
  if (interfaces.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no address line names its interface (IPv6 lines name none)');
  return { kind: 'ip-addr', interfaces, takenAt: null, warnings };
}

/** Every leading line is an address line (`ip addr | grep inet`), none an interface header. */
function looksLikeAddressLines(text: string): boolean {
  const lines = leadingLines(text, 5).filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every((l) => ADDRESS_LINE.test(l));
}

function nameOf(rawName: string): string {
  const at = rawName.indexOf('@');
  return at > 0 ? rawName.slice(0, at) : rawName;
}

function bareInterface(index: number, rawName: string, line: number): InterfaceRecord {
  const at = rawName.indexOf('@');
  const peer = at > 0 ? rawName.slice(at + 1) : null;
  return {
    name: nameOf(rawName), index, peer: peer === 'NONE' ? null : peer, linkNetns: null, flags: [], mtu: null,
    state: null, master: null, linkType: null, mac: null, addresses: [], line,
  };
}

function interfaceFromHeader(index: number, rawName: string, rest: string, line: number, fail: (r: string) => never): InterfaceRecord {
  const close = rest.indexOf('>');
  if (close < 0) fail('interface flags are not closed with ">"');
  const iface = bareInterface(index, rawName, line);
  iface.flags = rest.slice(1, close).split(',').filter((f) => f !== '');
  const tokens = rest.slice(close + 1).trim().split(/\s+/);
  for (let i = 0; i < tokens.length; i++) {
    const value = tokens[i + 1];
    switch (tokens[i]) {
      case 'mtu': iface.mtu = u32Of(value); i++; break;
      case 'master': iface.master = value ?? null; i++; break;
      case 'state': iface.state = value ?? null; i++; break;
      default: break;
    }
  }
  return iface;
}

function readLinkLine(iface: InterfaceRecord, body: string): void {
  const tokens = body.split(/\s+/);
  iface.linkType = (tokens[0] ?? '').slice('link/'.length) || null;
  const address = tokens[1];
  if (address !== undefined && !['brd', 'peer', 'link-netns', 'link-netnsid', 'promiscuity'].includes(address)) iface.mac = address;
  for (let i = 1; i < tokens.length; i++) {
    if (tokens[i] === 'link-netns' || tokens[i] === 'link-netnsid') iface.linkNetns = tokens[i + 1] ?? null;
    // Only `ip -d` prints promiscuity on the link line: the device's details follow (none for a plain device).
    if (tokens[i] === 'promiscuity' && iface.details === undefined) iface.details = emptyDetails();
  }
}

/** Device kinds iproute2 names on the first `ip -d` detail line (its link_util list). */
const LINK_KINDS = new Set([
  'veth', 'bridge', 'vxlan', 'vlan', 'macvlan', 'macvtap', 'ipvlan', 'ipvtap', 'bond', 'team', 'dummy', 'ifb', 'ipip',
  'gre', 'gretap', 'ip6gre', 'ip6gretap', 'sit', 'ip6tnl', 'vti', 'vti6', 'geneve', 'wireguard', 'tun', 'openvswitch',
  'vrf', 'nlmon', 'netdevsim', 'xfrm', 'bareudp', 'gtp', 'erspan', 'ip6erspan', 'hsr', 'macsec', 'can', 'vcan', 'vxcan',
  'batadv', 'virt_wifi', 'rmnet', 'amt', 'netkit', 'ipoib', 'lowpan', 'wwan',
]);

export function emptyDetails(): LinkDetails {
  return { kind: null, slaveKind: null, vlanId: null, vxlan: null };
}

/** An `ip -d` line under the link line: `veth`, `vxlan id 42 remote ... dev eth0 ...`, `bridge_slave state ...`. */
function readDetailLine(iface: InterfaceRecord, body: string): void {
  const tokens = body.split(/\s+/);
  const word = tokens[0] ?? '';
  if (/^[a-z0-9]+_slave$/.test(word)) {
    iface.details = { ...(iface.details ?? emptyDetails()), slaveKind: word };
    return;
  }
  if (!LINK_KINDS.has(word)) return;
  const details = iface.details ?? emptyDetails();
  if (details.kind !== null) return;
  details.kind = word;
  iface.details = details;
  readKindOptions(details, word, (key) => {
    const i = tokens.indexOf(key);
    return i < 0 ? null : (tokens[i + 1] ?? null);
  });
}

/** The options of a vlan or vxlan device, by key: `id`, `remote`/`group`, `local`, `dev`, `dstport`. */
export function readKindOptions(details: LinkDetails, kind: string, value: (key: string) => string | null): void {
  if (kind === 'vlan') details.vlanId = u32Of(value('id') ?? '');
  if (kind === 'vxlan') {
    details.vxlan = {
      id: u32Of(value('id') ?? ''),
      remote: value('remote') ?? value('group'),
      local: value('local'),
      dev: value('dev'),
      dstport: u32Of(value('dstport') ?? ''),
    };
  }
}

function addressFromLine(body: string, line: number, fail: (r: string) => never): AddressRecord {
  const tokens = body.trim().split(/\s+/);
  const family = tokens[0] === 'inet6' ? 'ipv6' : 'ipv4';
  const local = tokens[1] ?? '';
  if (!isCidr(local)) fail(`not an address: "${clipText(local)}"`);
  const record: AddressRecord = {
    family, cidr: withHostPrefix(local), peer: null, broadcast: null, scope: null, label: null, secondary: false, line,
  };
  if (familyOfAddress(local) !== family) fail(`${tokens[0]} with a ${familyOfAddress(local)} address`);
  for (let i = 2; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (ADDRESS_KEYS.has(token)) {
      const value = tokens[i + 1] ?? null;
      i++;
      if (token === 'peer') record.peer = value;
      else if (token === 'brd') record.broadcast = value;
      else if (token === 'scope') record.scope = value;
      else if (token === 'label') record.label = value;
    } else if (token === 'secondary' || token === 'temporary') {
      record.secondary = true;
    } else if (ADDRESS_FLAGS.has(token) || token.endsWith('_lft')) {
      if (token.endsWith('_lft')) i++;
    } else if (family === 'ipv4' && record.label === null && !isIpv4(token)) {
      record.label = token; // iproute2 ends every inet line with the address label (`eth0`, `eth0:1`)
    }
  }
  return record;
}

/** First non-empty line is `N: name: <FLAGS>` or `N: name inet ...`, or every leading line an address line (`ip addr | grep inet`). */
export function looksLikeIpAddr(text: string): boolean {
  const [first, second] = leadingLines(text, 2);
  if (first === undefined) return false;
  if (looksLikeAddressLines(text)) return true;
  const header = HEADER.exec(first);
  if (!header) return false;
  const rest = first.slice(header[0].length);
  if (/^inet6?\s/.test(rest)) return true;
  // `bridge link` shares the header shape but never prints a qdisc nor link/ lines.
  return rest.startsWith('<') && (rest.includes(' qdisc ') || (second !== undefined && /^\s+(link\/|inet)/.test(second)));
}
