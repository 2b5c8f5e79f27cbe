/**
 * The free text at the end of an `iptables -L` rule line: what each match extension prints
 * (`tcp dpt:80`, `/* comment *\/`, `ADDRTYPE match dst-type LOCAL`, `ctstate RELATED,ESTABLISHED`, ...)
 * followed by what the target prints (`to:10.0.0.1:80`, `MARK or 0x4000`, `reject-with ...`), read back into
 * Match and Target records. Text natlens cannot place is kept as an unsupported match or as `other` args.
 */
import type { AddrType, Cidr, CtState, Match, Negatable, PortRange, Target } from '../../netfilter/ruleset';
import { parseSetFlags } from './iptables-match';
import { EXTENSION_TARGETS, TARGETS } from './iptables-target';
import {
  RuleSyntaxError,
  isKnownPortText,
  fail, normaliseLogLevel, normaliseProtocol, parseAddrTypes, parseCidr, parseCtStates, parseCtStatuses,
  parseIcmpType, parseMarkMask, parseNatRange, parseNonNegativeInt, parsePortList, parsePortRange, parseProbability, parseTcpFlags, parseU32,
} from './iptables-values';

interface Word {
  text: string;
  /** A `/* ... *\/` comment. */
  comment: boolean;
}

/** Splits the extras into words; a comment and a double-quoted string are one word each. */
export function extraWords(text: string): Word[] {
  const words: Word[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated /* comment');
      words.push({ text: text.slice(i + 2, end).trim(), comment: true });
      i = end + 2;
      continue;
    }
    const start = i;
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) fail('unterminated quote');
      i = end + 1;
    } else {
      while (i < n && text[i] !== ' ' && text[i] !== '\t') i++;
    }
    words.push({ text: text.slice(start, i), comment: false });
  }
  return words;
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === '`' && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

function bang(s: string): { negated: boolean; value: string } {
  return s.startsWith('!') ? { negated: true, value: s.slice(1) } : { negated: false, value: s };
}

type CtMatch = Extract<Match, { kind: 'conntrack' }>;

function emptyConntrack(): CtMatch {
  return {
    kind: 'conntrack', ctstate: null, ctproto: null, ctorigsrc: null, ctorigdst: null, ctreplsrc: null, ctrepldst: null,
    ctorigsrcport: null, ctorigdstport: null, ctreplsrcport: null, ctrepldstport: null, ctstatus: null, ctdir: null,
  };
}

const CT_WORDS = new Set([
  'ctstate', 'ctproto', 'ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst', 'ctorigsrcport', 'ctorigdstport',
  'ctreplsrcport', 'ctrepldstport', 'ctstatus', 'ctdir',
]);

const RECENT_OPS: Readonly<Record<string, 'set' | 'rcheck' | 'update' | 'remove'>> = {
  SET: 'set', CHECK: 'rcheck', UPDATE: 'update', REMOVE: 'remove',
};

/** Words that may follow `!` in the extras. */
const NEGATABLE = new Set(['ctstate', 'state', 'recent:', 'match-set', ...CT_WORDS]);

export interface Extras {
  matches: Match[];
  target: Target | null;
}

/**
 * @param targetName the target column ('' when empty)
 * @param declaredChain whether targetName names a chain of the listing (a jump, not an extension)
 */
export function parseExtras(text: string, targetName: string, declaredChain: boolean): Extras {
  const cut = elidedTail(text);
  return cut === null ? readExtras(text, targetName, declaredChain) : readElidedExtras(cut, targetName, declaredChain);
}

/** `...`, `..` or `…` at the end: whoever pasted the listing cut the line there. */
const ELIDED_END = /(?:\.{2,}|…)$/;

/** The extras of a line cut short: the whole words before the cut, and the cut-off text (the last, partial word on). */
function elidedTail(text: string): { kept: string; lost: string } | null {
  const t = text.trimEnd();
  if (!ELIDED_END.test(t)) return null;
  // A cut inside a comment leaves it open: the comment and all after it are lost.
  const open = t.lastIndexOf('/*');
  if (open >= 0 && t.indexOf('*/', open) < 0) return { kept: t.slice(0, open).trimEnd(), lost: t.slice(open) };
  const lastBlank = Math.max(t.lastIndexOf(' '), t.lastIndexOf('\t'));
  return { kept: lastBlank < 0 ? '' : t.slice(0, lastBlank).trimEnd(), lost: t.slice(lastBlank + 1) };
}

/**
 * A line cut short: what is left is read (dropping trailing words an option lost its value to), what was cut is
 * an unknown match, and a target whose options print after the matches (DNAT, SNAT, MARK...) is unknown too.
 * Nothing cut off is guessed.
 */
function readElidedExtras(cut: { kept: string; lost: string }, targetName: string, declaredChain: boolean): Extras {
  let kept = cut.kept;
  let lost = cut.lost;
  for (;;) {
    try {
      const read = readExtras(kept, targetName, declaredChain);
      const matches: Match[] = [...read.matches, { kind: 'unsupported', module: 'elided', args: [lost] }];
      const optioned = targetName !== '' && !declaredChain && (EXTENSION_TARGETS.has(targetName) || OPTIONED_TARGETS.has(targetName));
      return { matches, target: optioned ? { kind: 'other', name: targetName, args: [] } : read.target };
    } catch (e) {
      if (!(e instanceof RuleSyntaxError) || kept === '') throw e;
      const blank = Math.max(kept.lastIndexOf(' '), kept.lastIndexOf('\t'));
      lost = `${kept.slice(blank + 1)} ${lost}`;
      kept = blank < 0 ? '' : kept.slice(0, blank).trimEnd();
    }
  }
}

/** Built-in targets whose options a listing prints after the matches (and so a cut can take). */
const OPTIONED_TARGETS = new Set(['REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'MARK', 'CONNMARK', 'LOG', 'CT']);

function readExtras(text: string, targetName: string, declaredChain: boolean): Extras {
  const words = extraWords(text);
  const matches: Match[] = [];
  let i = 0;
  const at = (k: number): string => (k < words.length && !words[k].comment ? words[k].text : '');
  const need = (what: string): string => {
    const w = at(i);
    if (w === '') fail(`${what} needs a value`);
    i++;
    return w;
  };

  // Target state.
  const otherTarget = targetName !== '' && !declaredChain && !TARGETS.has(targetName) && EXTENSION_TARGETS.has(targetName);
  let goto = false;
  const natTo: string[] = [];
  const flags = new Set<string>();
  let rejectWith: string | null = null;
  let portsText: string | null = null;
  let mark: { value: number; mask: number } | null = null;
  let connmarkSave: { mode: 'save' | 'restore'; nfmask: number; ctmask: number } | null = null;
  let logPrefix: string | null = null;
  let logLevel: string | null = null;
  let notrackWord = false;
  const ctArgs: string[] = [];
  const otherArgs: string[] = [];
  let unsupported: Extract<Match, { kind: 'unsupported' }> | null = null;

  const readMark = (op: string): { value: number; mask: number } | null => {
    switch (op) {
      case 'set': { const { value, mask } = parseMarkMask(need('MARK set')); return { value, mask: mask ?? 0xffffffff }; }
      case 'xset': { const { value, mask } = parseMarkMask(need('MARK xset')); return { value, mask: mask ?? 0xffffffff }; }
      case 'and': return { value: 0, mask: ~parseU32(need('MARK and')) >>> 0 };
      case 'or': { const b = parseU32(need('MARK or')); return { value: b, mask: b }; }
      case 'xor': return { value: parseU32(need('MARK xor')), mask: 0 };
      default: return null;
    }
  };

  const tryTarget = (w: string): boolean => {
    if (w === '[goto]') { goto = true; return true; }
    switch (targetName) {
      case 'REJECT':
        if (w === 'reject-with') { rejectWith = need('reject-with'); return true; }
        return false;
      case 'DNAT': case 'SNAT':
        if (w.startsWith('to:')) { natTo.push(w.slice(3)); return true; }
        if (w === 'random' || w === 'random-fully' || w === 'persistent') { flags.add(w); return true; }
        return false;
      case 'MASQUERADE':
        if (w === 'masq' && at(i) === 'ports:') { i++; portsText = need('masq ports'); return true; }
        if (w === 'random' || w === 'random-fully') { flags.add(w); return true; }
        return false;
      case 'REDIRECT':
        if (w === 'redir' && at(i) === 'ports') { i++; portsText = need('redir ports'); return true; }
        if (w === 'random') { flags.add(w); return true; }
        return false;
      case 'MARK':
        if (w === 'MARK') { mark = readMark(need('MARK')); if (mark === null) fail('unknown MARK operation'); return true; }
        return false;
      case 'CONNMARK': {
        if (w !== 'CONNMARK') return false;
        const op = need('CONNMARK');
        if (op === 'save' || op === 'restore') {
          let nf = 0xffffffff;
          let ct = 0xffffffff;
          for (;;) {
            const k = at(i);
            if (k === 'mask') { i++; nf = ct = parseU32(need('mask').replace('~', '')); }
            else if (k === 'nfmask') { i++; nf = parseU32(need('nfmask').replace('~', '')); }
            else if (k === 'ctmask') { i++; ct = parseU32(need('ctmask').replace('~', '')); }
            else break;
          }
          connmarkSave = { mode: op, nfmask: nf, ctmask: ct };
          return true;
        }
        mark = readMark(op);
        if (mark === null) fail(`unknown CONNMARK operation "${op}"`);
        return true;
      }
      case 'LOG':
        if (w === 'LOG') {
          for (;;) {
            const k = at(i);
            if (k === 'flags') { i++; need('flags'); }
            else if (k === 'level') { i++; logLevel = normaliseLogLevel(need('level')); }
            else if (k === 'prefix') { i++; logPrefix = unquote(need('prefix')); }
            else break;
          }
          return true;
        }
        return false;
      case 'CT':
        if (w === 'NOTRACK') { notrackWord = true; return true; }
        if (w === 'CT') {
          for (;;) {
            const k = at(i);
            if (k === 'notrack') { i++; ctArgs.push('--notrack'); }
            else if (k === 'zone' || k === 'helper' || k === 'ctevents' || k === 'expevents' || k === 'timeout') { i++; ctArgs.push(`--${k}`, need(k)); }
            else break;
          }
          return true;
        }
        return false;
      default:
        return false;
    }
  };

  while (i < words.length) {
    const word = words[i++];
    if (word.comment) {
      matches.push({ kind: 'comment', text: word.text });
      unsupported = null;
      continue;
    }
    let w = word.text;
    let negated = false;
    if (w === '!' && NEGATABLE.has(at(i))) {
      negated = true;
      w = words[i++].text;
    }
    if (readMatch(w, negated)) {
      unsupported = null;
      continue;
    }
    if (tryTarget(w)) {
      unsupported = null;
      continue;
    }
    if (otherTarget) {
      otherArgs.push(w);
      continue;
    }
    if (unsupported === null) {
      unsupported = { kind: 'unsupported', module: w.endsWith(':') ? w.slice(0, -1) : w, args: [] };
      matches.push(unsupported);
    } else {
      unsupported.args.push(w);
    }
  }

  function readMatch(w: string, negated: boolean): boolean {
    switch (w) {
      case 'tcp': case 'udp': case 'sctp': case 'udplite': {
        const before = matches.length;
        for (;;) {
          const k = at(i);
          const colon = k.indexOf(':');
          const key = colon < 0 ? '' : k.slice(0, colon);
          if (key === 'spt' || key === 'spts' || key === 'dpt' || key === 'dpts') {
            i++;
            const { negated: neg, value } = bang(k.slice(colon + 1));
            // `iptables -L` without -n prints the local /etc/services name: one natlens does not know stays unknown.
            if (!isKnownPortText(value)) {
              matches.push({ kind: 'unsupported', module: w, args: [k] });
              continue;
            }
            matches.push({ kind: 'ports', which: key.startsWith('s') ? 'sport' : 'dport', ranges: [parsePortRange(value)], negated: neg });
          } else if (key === 'flags') {
            i++;
            const { negated: neg, value } = bang(k.slice(colon + 1));
            const slash = value.indexOf('/');
            if (slash < 0) fail(`bad tcp flags "${k}"`);
            matches.push({ kind: 'tcp-flags', mask: parseTcpFlags(value.slice(0, slash)), set: parseTcpFlags(value.slice(slash + 1)), negated: neg });
          } else if (k.startsWith('option=') || k.startsWith('!option=')) {
            i++;
            matches.push({ kind: 'unsupported', module: w, args: [k] });
          } else {
            // `-m tcp` with no option (kube-proxy's DNAT rules): nothing to match, but part of the rule's text.
            if (matches.length === before) matches.push(emptyProtocolModule(w));
            return true;
          }
        }
      }
      case 'multiport': {
        const which = need('multiport');
        if (which !== 'sports' && which !== 'dports' && which !== 'ports') fail(`bad multiport "${which}"`);
        let list = need('multiport list');
        let neg = false;
        if (list === '!') { neg = true; list = need('multiport list'); }
        const b = bang(list);
        if (!isKnownPortText(b.value)) {
          matches.push({ kind: 'unsupported', module: 'multiport', args: [which, ...(neg ? ['!'] : []), list] });
          return true;
        }
        matches.push({
          kind: 'ports', which: which === 'ports' ? 'either' : which === 'sports' ? 'sport' : 'dport',
          ranges: parsePortList(b.value), negated: neg || b.negated,
        });
        return true;
      }
      case 'icmptype': case 'ipv6-icmptype': case 'icmp': case 'ipv6-icmp': {
        const v6 = w.startsWith('ipv6');
        let first = need(w);
        let neg = false;
        if (w === 'icmp' || w === 'ipv6-icmp') {
          const b = bang(first);
          neg = b.negated;
          first = b.value;
          if (first === 'type') first = need('icmp type');
        }
        let code: number | null = null;
        let codeText = '';
        if (at(i) === 'code') {
          i++;
          codeText = need('icmp code');
          code = parseNonNegativeInt(codeText);
          if (code > 255) fail(`bad ICMP code "${codeText}"`);
        }
        else if (at(i) === 'codes') { i++; need('icmp codes'); }
        const parsed = parseIcmpType(first, v6);
        matches.push({
          kind: 'icmp-type', type: parsed.type, code: code ?? parsed.code,
          name: parsed.type === null ? 'any' : codeText === '' ? first : `${first}/${codeText}`, negated: neg,
        });
        return true;
      }
      case 'ADDRTYPE': {
        if (at(i) === 'match') i++;
        let src: Negatable<AddrType[]> | null = null;
        let dst: Negatable<AddrType[]> | null = null;
        let limitIfaceIn = false;
        let limitIfaceOut = false;
        for (;;) {
          const k = at(i);
          if (k === 'src-type' || k === 'dst-type') {
            i++;
            const b = bang(need(k));
            const v = { value: parseAddrTypes(b.value), negated: b.negated };
            if (k === 'src-type') src = v;
            else dst = v;
          } else if (k === 'limit-in') { i++; limitIfaceIn = true; }
          else if (k === 'limit-out') { i++; limitIfaceOut = true; }
          else break;
        }
        matches.push({ kind: 'addrtype', src, dst, limitIfaceIn, limitIfaceOut });
        return true;
      }
      case 'mark': case 'connmark': {
        if (at(i) !== 'match') return false;
        i++;
        let neg = false;
        let v = need(`${w} match`);
        if (v === '!') { neg = true; v = need(`${w} match`); }
        const { value, mask } = parseMarkMask(v);
        matches.push({ kind: w, value, mask: mask ?? 0xffffffff, negated: neg });
        return true;
      }
      case 'state': {
        matches.push({ kind: 'state', states: parseCtStates(need('state')) as CtState[], negated });
        return true;
      }
      case 'statistic': {
        if (at(i) !== 'mode') return false;
        i++;
        const mode = need('statistic mode');
        let neg = false;
        if (at(i) === '!') { neg = true; i++; }
        if (mode === 'random') {
          if (at(i) !== 'probability') fail('statistic mode random needs a probability');
          i++;
          matches.push({ kind: 'statistic', mode: 'random', probability: parseProbability(need('probability')), negated: neg });
          return true;
        }
        if (mode === 'nth') {
          if (at(i) !== 'every') fail('statistic mode nth needs every');
          i++;
          const every = parseNonNegativeInt(need('every'));
          let packet = 0;
          if (at(i) === 'packet') { i++; packet = parseNonNegativeInt(need('packet')); }
          matches.push({ kind: 'statistic', mode: 'nth', every, packet, negated: neg });
          return true;
        }
        return fail(`unknown statistic mode "${mode}"`);
      }
      case 'recent:': {
        const op = RECENT_OPS[need('recent')];
        if (op === undefined) fail('unknown recent operation');
        const m: Extract<Match, { kind: 'recent' }> = {
          kind: 'recent', op, name: 'DEFAULT', side: 'source', seconds: null, hitcount: null, reap: false, rttl: false, mask: null, negated,
        };
        for (;;) {
          const k = at(i);
          if (k === 'seconds:') { i++; m.seconds = parseNonNegativeInt(need(k)); }
          else if (k === 'hit_count:') { i++; m.hitcount = parseNonNegativeInt(need(k)); }
          else if (k === 'reap') { i++; m.reap = true; }
          else if (k === 'TTL-Match') { i++; m.rttl = true; }
          else if (k === 'name:') { i++; m.name = need(k); }
          else if (k === 'mask:') { i++; m.mask = need(k); }
          else if (k === 'side:') { i++; m.side = need(k) === 'dest' ? 'dest' : 'source'; }
          else break;
        }
        matches.push(m);
        return true;
      }
      case 'PHYSDEV': {
        if (at(i) === 'match') i++;
        const m: Extract<Match, { kind: 'physdev' }> = { kind: 'physdev', physdevIn: null, physdevOut: null, isIn: null, isOut: null, isBridged: null };
        for (;;) {
          let k = at(i);
          let neg = false;
          if (k === '!' && at(i + 1).startsWith('--physdev')) { neg = true; i++; k = at(i); }
          if (k === '--physdev-in') { i++; m.physdevIn = { value: need(k), negated: neg }; }
          else if (k === '--physdev-out') { i++; m.physdevOut = { value: need(k), negated: neg }; }
          else if (k === '--physdev-is-in') { i++; m.isIn = { value: true, negated: neg }; }
          else if (k === '--physdev-is-out') { i++; m.isOut = { value: true, negated: neg }; }
          else if (k === '--physdev-is-bridged') { i++; m.isBridged = { value: true, negated: neg }; }
          else break;
        }
        matches.push(m);
        return true;
      }
      case 'match-set': {
        const name = need('match-set');
        matches.push({ kind: 'set', name, flags: parseSetFlags(need('match-set flags')), negated });
        return true;
      }
      default:
        if (CT_WORDS.has(w)) {
          readConntrack(w, negated);
          return true;
        }
        return false;
    }
  }

  function readConntrack(firstWord: string, firstNegated: boolean): void {
    const m = emptyConntrack();
    let w = firstWord;
    let neg = firstNegated;
    for (;;) {
      const v = need(w);
      const cidr = (): Negatable<Cidr> => ({ value: parseCidr(v), negated: neg });
      const port = (): Negatable<PortRange> => ({ value: parsePortRange(v), negated: neg });
      switch (w) {
        case 'ctstate': m.ctstate = { value: parseCtStates(v), negated: neg }; break;
        case 'ctproto': m.ctproto = { value: normaliseProtocol(v), negated: neg }; break;
        case 'ctorigsrc': m.ctorigsrc = cidr(); break;
        case 'ctorigdst': m.ctorigdst = cidr(); break;
        case 'ctreplsrc': m.ctreplsrc = cidr(); break;
        case 'ctrepldst': m.ctrepldst = cidr(); break;
        case 'ctorigsrcport': m.ctorigsrcport = port(); break;
        case 'ctorigdstport': m.ctorigdstport = port(); break;
        case 'ctreplsrcport': m.ctreplsrcport = port(); break;
        case 'ctrepldstport': m.ctrepldstport = port(); break;
        case 'ctstatus': m.ctstatus = { value: parseCtStatuses(v), negated: neg }; break;
        default: m.ctdir = v === 'REPLY' ? 'REPLY' : 'ORIGINAL';
      }
      neg = false;
      let k = at(i);
      if (k === '!' && CT_WORDS.has(at(i + 1))) { neg = true; i++; k = at(i); }
      if (!CT_WORDS.has(k)) {
        if (neg) i--;
        break;
      }
      i++;
      w = k;
    }
    matches.push(m);
  }

  return { matches, target: buildTarget() };

  function buildTarget(): Target | null {
    if (targetName === '') return null;
    if (goto) return { kind: 'goto', chain: targetName };
    if (declaredChain) return { kind: 'jump', chain: targetName };
    switch (targetName) {
      case 'ACCEPT': return { kind: 'accept' };
      case 'DROP': return { kind: 'drop' };
      case 'RETURN': return { kind: 'return' };
      case 'TRACE': return { kind: 'trace' };
      case 'NOTRACK': return { kind: 'notrack' };
      case 'REJECT': return { kind: 'reject', with: rejectWith };
      case 'DNAT':
        return { kind: 'dnat', to: natTo.map(parseNatRange), random: flags.has('random'), persistent: flags.has('persistent') };
      case 'SNAT':
        return {
          kind: 'snat', to: natTo.map(parseNatRange), random: flags.has('random'),
          randomFully: flags.has('random-fully'), persistent: flags.has('persistent'),
        };
      case 'MASQUERADE':
        return { kind: 'masquerade', ports: portsText === null ? null : parsePortRange(portsText), random: flags.has('random'), randomFully: flags.has('random-fully') };
      case 'REDIRECT':
        return { kind: 'redirect', ports: portsText === null ? null : parsePortRange(portsText), random: flags.has('random') };
      case 'MARK':
        if (mark === null) return { kind: 'other', name: 'MARK', args: [] };
        return { kind: 'mark', ...(mark as { value: number; mask: number }) };
      case 'CONNMARK':
        if (connmarkSave !== null) return { kind: 'connmark', ...(connmarkSave as { mode: 'save' | 'restore'; nfmask: number; ctmask: number }) };
        if (mark === null) return { kind: 'other', name: 'CONNMARK', args: [] };
        return { kind: 'connmark', mode: 'set', ...(mark as { value: number; mask: number }) };
      case 'LOG': return { kind: 'log', prefix: logPrefix, level: logLevel };
      case 'CT': {
        if (notrackWord && ctArgs.length === 0) return { kind: 'notrack' };
        const zone = ctArgs.indexOf('--zone');
        const helper = ctArgs.indexOf('--helper');
        return {
          kind: 'ct', notrack: ctArgs.includes('--notrack'), zone: zone < 0 ? null : parseU32(ctArgs[zone + 1]),
          helper: helper < 0 ? null : ctArgs[helper + 1], args: ctArgs,
        };
      }
      default:
        if (EXTENSION_TARGETS.has(targetName)) return { kind: 'other', name: targetName, args: otherArgs };
        return { kind: 'jump', chain: targetName };
    }
  }
}

const PROTOCOL_MODULES = new Set(['tcp', 'udp', 'sctp', 'udplite']);

/** Marks `-m PROTO` without options: rendered into the rule's text, then left out of its matches. */
function emptyProtocolModule(module: string): Match {
  return { kind: 'unsupported', module, args: [] };
}

/** The placeholder of emptyProtocolModule. */
export function isEmptyProtocolModule(m: Match): boolean {
  return m.kind === 'unsupported' && m.args.length === 0 && PROTOCOL_MODULES.has(m.module);
}
