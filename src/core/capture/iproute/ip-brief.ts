/** `ip -br addr` / `ip -br link` (iproute2's brief form): one interface a line, name, operstate, then addresses or MAC and flags. */
import { CaptureError, clipText } from '../capture-error';
import { familyOfAddress, isCidr, withHostPrefix } from '../../common/ip';
import { leadingLines } from '../leading-lines';
import type { InterfaceRecord, ParsedCapture } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type IpAddrCapture = Extract<ParsedCapture, { kind: 'ip-addr' }>;

/** IF_OPER_* as iproute2 names them. */
const OPER_STATES = new Set(['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP']);
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5,19}$/;
/** `name STATE` and the rest of the line; a name may carry its peer (`eth0@if18`). */
const LINE = /^(\S+)\s+(UNKNOWN|NOTPRESENT|DOWN|LOWERLAYERDOWN|TESTING|DORMANT|UP)(?:\s+(.*))?$/;

export function parseIpBrief(input: TextInput): IpAddrCapture {
  const interfaces: InterfaceRecord[] = [];
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    const m = LINE.exec(text.trimEnd()) ?? fail(`not an ip -br line (name, state, addresses): "${clipText(text)}"`);
    const [, rawName = '', state = '', rest = ''] = m;
    const at = rawName.indexOf('@');
    const name = at > 0 ? rawName.slice(0, at) : rawName;
    const peer = at > 0 ? rawName.slice(at + 1) : null;
    const iface: InterfaceRecord = {
      name, index: null, peer: peer === 'NONE' ? null : peer, linkNetns: null, flags: [], mtu: null, state,
      master: null, linkType: null, mac: null, addresses: [], line,
    };
    for (const token of rest.split(/\s+/)) {
      if (token === '') continue;
      if (token.startsWith('<') && token.endsWith('>')) iface.flags = token.slice(1, -1).split(',').filter((f) => f !== '');
      else if (MAC.test(token)) iface.mac = token;
      else if (isCidr(token)) {
        iface.addresses.push({
          family: familyOfAddress(token), cidr: withHostPrefix(token), peer: null, broadcast: null, scope: null,
          label: null, secondary: false, line,
        });
      } else fail(`not an address, MAC or flag list in ip -br output: "${clipText(token)}"`);
    }
    interfaces.push(iface);
  }
  if (interfaces.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no interface found in ip -br output');
  return { kind: 'ip-addr', interfaces, takenAt: null };
}

/** Every leading line is `NAME STATE [CIDR|MAC|<FLAGS>]...`. */
export function looksLikeIpBrief(text: string): boolean {
  const lines = leadingLines(text, 3);
  if (lines.length === 0) return false;
  return lines.every((l) => {
    const m = LINE.exec(l.trimEnd());
    if (!m || !OPER_STATES.has(m[2] ?? '')) return false;
    return (m[3] ?? '').split(/\s+/).every((t) => t === '' || isCidr(t) || MAC.test(t) || /^<[A-Z0-9_,-]*>$/.test(t));
  });
}
