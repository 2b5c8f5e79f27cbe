/** Bridge ports from `brctl show` (bridge-utils) and `bridge link` (iproute2). */
import { CaptureError, clipText } from '../capture-error';
import { leadingLines } from '../leading-lines';
import type { BridgePortRecord, ParsedCapture } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type BridgeCapture = Extract<ParsedCapture, { kind: 'bridge' }>;

const BRCTL_HEADER = /^bridge name\s+bridge id\s+STP enabled\s+interfaces\s*$/;
const BRIDGE_ID = /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{12}$/;
const LINK_LINE = /^(\d+):\s+(\S+?):?\s+<([^>]*)>/;

export function parseBridge(input: TextInput): BridgeCapture {
  const ports: BridgePortRecord[] = [];
  let bridges = 0;
  let brctlBridge: string | null = null;
  let inBrctlTable = false;
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    if (BRCTL_HEADER.test(text)) {
      inBrctlTable = true;
      brctlBridge = null;
      continue;
    }
    const link = LINK_LINE.exec(text);
    if (link) {
      inBrctlTable = false;
      bridges++;
      const port = portOfLinkLine(link[2] ?? '', text.slice(link[0].length), line);
      if (port) ports.push(port);
      continue;
    }
    if (/^\s/.test(text)) {
      const cells = text.trim().split(/\s+/);
      if (inBrctlTable && brctlBridge !== null && cells.length === 1) {
        ports.push({ bridge: brctlBridge, port: cells[0] ?? '', state: null, line });
        continue;
      }
      if (!inBrctlTable) continue; // `bridge -d link` detail lines (hairpin off guard off ...)
      fail(`not a brctl show continuation line: "${clipText(text)}"`);
    }
    if (!inBrctlTable) fail(`not bridge output: "${clipText(text)}"`);
    const cells = text.trim().split(/\s+/);
    if (cells.length < 3 || cells.length > 4 || !BRIDGE_ID.test(cells[1] ?? '') || !/^(yes|no)$/.test(cells[2] ?? '')) {
      fail(`not a brctl show row: "${clipText(text)}"`);
    }
    brctlBridge = cells[0] ?? '';
    bridges++;
    if (cells[3] !== undefined) ports.push({ bridge: brctlBridge, port: cells[3], state: null, line });
  }
  if (bridges === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no bridge found in brctl show / bridge link output');
  return { kind: 'bridge', ports, takenAt: null };
}

/** `5: veth1@if4: <...> mtu 1500 master cbr0 state forwarding priority 32 cost 2`; null for a device without a master. */
function portOfLinkLine(rawName: string, rest: string, line: number): BridgePortRecord | null {
  const at = rawName.indexOf('@');
  const port = at > 0 ? rawName.slice(0, at) : rawName;
  const tokens = rest.trim().split(/\s+/);
  let bridge: string | null = null;
  let state: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === 'master') bridge = tokens[++i] ?? null;
    else if (tokens[i] === 'state') state = tokens[++i] ?? null;
  }
  return bridge === null ? null : { bridge, port, state, line };
}

/** `brctl show` header, or `bridge link` lines (`N: port: <FLAGS> ... master X state Y`). */
export function looksLikeBridge(text: string): boolean {
  const [first] = leadingLines(text, 1);
  if (first === undefined) return false;
  if (BRCTL_HEADER.test(first)) return true;
  const link = LINK_LINE.exec(first);
  return link !== null && / master \S+ state \S+/.test(first) && !first.includes(' qdisc ');
}
