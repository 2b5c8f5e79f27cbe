/** `ip neigh` / `ip -6 neigh` (iproute2 ip/ipneigh.c print_neigh): the ARP and NDP caches, one entry a line. */
import { CaptureError, clipText } from '../capture-error';
import { familyOfAddress, isIpAddress } from '../../common/ip';
import { leadingLines } from '../leading-lines';
import type { NeighbourRecord, ParsedCapture } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type IpNeighCapture = Extract<ParsedCapture, { kind: 'ip-neigh' }>;

export interface IpNeighOptions {
  /** `ip neigh show dev eth0` prints no `dev`: the device the command named. */
  dev?: string | null;
}

/** NUD states (nud_state_n2a). */
export const NUD_STATES: ReadonlySet<string> = new Set([
  'INCOMPLETE', 'REACHABLE', 'STALE', 'DELAY', 'PROBE', 'FAILED', 'NOARP', 'PERMANENT', 'NONE',
]);
const BARE_FLAGS = new Set(['proxy', 'extern_learn', 'offload', 'managed', 'extern_valid']);

export function parseIpNeigh(input: TextInput, options: IpNeighOptions = {}): IpNeighCapture {
  const neighbours: NeighbourRecord[] = [];
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    const tokens = text.trim().split(/\s+/);
    // `ip neigh show proxy` entries and `ip neigh` both start with the address; `miss`/`delete` lines come from ip monitor.
    const address = tokens[0] ?? '';
    if (!isIpAddress(address)) fail(`not a neighbour address: "${clipText(address)}"`);
    const n: NeighbourRecord = {
      family: familyOfAddress(address), address, dev: options.dev ?? null, lladdr: null, states: [], router: false, flags: [], line,
    };
    for (let i = 1; i < tokens.length; i++) {
      const token = tokens[i] ?? '';
      const value = (): string => tokens[++i] ?? fail(`"${token}" without a value`);
      if (token === 'dev') n.dev = value();
      else if (token === 'lladdr') n.lladdr = value();
      else if (token === 'router') n.router = true;
      else if (NUD_STATES.has(token)) n.states.push(token);
      else if (BARE_FLAGS.has(token)) n.flags.push(token);
      else if (token === 'proto' || token === 'protocol') n.flags.push(`proto ${value()}`);
      else if (token === 'used' || token === 'probes' || token === 'ref') value(); // -s statistics
      else fail(`unknown ip neigh word "${clipText(token)}"`);
    }
    neighbours.push(n);
  }
  if (neighbours.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no neighbour found in ip neigh output');
  return { kind: 'ip-neigh', neighbours, takenAt: null };
}

/** `ADDRESS dev X [lladdr MAC] [router] STATE`: an address first and a NUD state (or proxy) last. */
export function looksLikeIpNeigh(text: string): boolean {
  const lines = leadingLines(text, 3);
  return lines.length > 0 && lines.every(isNeighLine);
}

/** `ADDRESS` then ip neigh's own words (`dev`, `lladdr`, `router`...) and a NUD state (or `proxy`) last; under `show dev X` no `dev`. */
export function isNeighLine(line: string): boolean {
  const tokens = line.trim().split(/\s+/);
  const last = tokens[tokens.length - 1] ?? '';
  const second = tokens[1] ?? '';
  return isIpAddress(tokens[0] ?? '') && tokens.length >= 2 && (NUD_STATES.has(last) || last === 'proxy')
    && (second === 'dev' || second === 'lladdr' || second === 'router' || BARE_FLAGS.has(second) || NUD_STATES.has(second));
}
