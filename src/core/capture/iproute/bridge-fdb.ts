/** `bridge fdb show` (iproute2 bridge/fdb.c print_fdb): forwarding database entries of bridges and vxlan devices. */
import { CaptureError, clipText } from '../capture-error';
import { isIpAddress } from '../../common/ip';
import { u32Of } from './kernel-number';
import { leadingLines } from '../leading-lines';
import type { FdbRecord, ParsedCapture } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type BridgeFdbCapture = Extract<ParsedCapture, { kind: 'bridge-fdb' }>;

export interface BridgeFdbOptions {
  /** `bridge fdb show dev X` prints no `dev`: the device the command named. */
  dev?: string | null;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
export const FDB_STATES: ReadonlySet<string> = new Set(['permanent', 'static', 'stale']);
const BARE_FLAGS = new Set(['router', 'extern_learn', 'offload', 'sticky', 'locked', 'blocked', 'activity_notify', 'inactive', 'nomaster']);

export function parseBridgeFdb(input: TextInput, options: BridgeFdbOptions = {}): BridgeFdbCapture {
  const entries: FdbRecord[] = [];
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    const tokens = text.trim().split(/\s+/);
    const mac = tokens[0] ?? '';
    if (!MAC.test(mac)) fail(`not a bridge fdb line (MAC dev ...): "${clipText(text)}"`);
    const e: FdbRecord = {
      mac: mac.toLowerCase(), dev: options.dev ?? null, master: null, vlan: null, dst: null, vni: null, via: null,
      self: false, state: null, flags: [], line,
    };
    for (let i = 1; i < tokens.length; i++) {
      const token = tokens[i] ?? '';
      const value = (): string => tokens[++i] ?? fail(`"${token}" without a value`);
      const number = (): number => u32Of(value()) ?? fail(`"${token}" needs a number: "${clipText(tokens[i] ?? '')}"`);
      switch (token) {
        case 'dev': e.dev = value(); break;
        case 'master': {
          // A bare `master` is the NTF_MASTER flag (older iproute2 without the bridge's name, newer ones before it).
          const next = tokens[i + 1];
          if (next === undefined || next === 'master' || isFdbWord(next)) e.flags.push('master');
          else e.master = value();
          break;
        }
        case 'vlan': e.vlan = number(); break;
        case 'vni': e.vni = number(); break;
        case 'via': {
          // `via ifindex N`: the underlay device is in another namespace (link-netnsid).
          const v = value();
          e.via = v === 'ifindex' ? `ifindex ${value()}` : v;
          break;
        }
        case 'dst': {
          const dst = value();
          if (!isIpAddress(dst)) fail(`not a vxlan destination address: "${clipText(dst)}"`);
          e.dst = dst;
          break;
        }
        case 'self': e.self = true; break;
        case 'port': case 'src_vni': case 'nhid': case 'link-netnsid': case 'segs':
          e.flags.push(`${token} ${value()}`);
          break;
        case 'used': value(); break; // -s statistics
        default:
          if (FDB_STATES.has(token) || /^state=0x[0-9a-f]+$/.test(token)) e.state = token;
          else if (BARE_FLAGS.has(token)) e.flags.push(token);
          else fail(`unknown bridge fdb word "${clipText(token)}"`);
      }
    }
    entries.push(e);
  }
  if (entries.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no entry found in bridge fdb output');
  return { kind: 'bridge-fdb', entries, takenAt: null };
}

function isFdbWord(word: string): boolean {
  return FDB_STATES.has(word) || BARE_FLAGS.has(word) || word === 'self' || word.startsWith('state=');
}

/** Leading lines are `MAC dev X ...` (or `MAC vlan ...`/`MAC dst ...` under `show dev X`). */
export function looksLikeBridgeFdb(text: string): boolean {
  const lines = leadingLines(text, 3);
  return lines.length > 0 && lines.every((l) => /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}\s+(dev|vlan|dst|master|self|permanent|static)\b/.test(l.trim()));
}
