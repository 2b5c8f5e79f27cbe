/**
 * The free text at the end of an `iptables -L` rule line: what each match extension prints
 * (`tcp dpt:80`, `/* comment *\/`, `ADDRTYPE match dst-type LOCAL`, `ctstate RELATED,ESTABLISHED`, ...)
 * followed by what the target prints (`to:10.0.0.1:80`, `MARK or 0x4000`, `reject-with ...`), read back into
 * Match and Target records. Each extension's reader sits beside its iptables-save reader (LISTED_MATCHES in
 * iptables-match.ts, TARGETS' `listed` in iptables-target.ts); this module splits the words, hands each to the
 * reader it belongs to, and keeps text natlens cannot place as an unsupported match or as `other` args.
 */
import type { Match, Target } from '../../netfilter/ruleset';
import { LISTED_MATCHES } from './iptables-match';
import { LISTED_CT_WORDS } from './matches/conntrack';
import { EXTENSION_TARGETS, TARGETS, type ListedTarget } from './iptables-target';
import { RuleSyntaxError } from './iptables-values';
import { extraWords, ListCursor } from './list-words';

/** Words that may follow `!` in the extras. */
const NEGATABLE = new Set(['ctstate', 'state', 'recent:', 'match-set', ...LISTED_CT_WORDS]);

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
  const c = new ListCursor(extraWords(text));
  const words = c.words;
  const matches: Match[] = [];
  const otherTarget = targetName !== '' && !declaredChain && !TARGETS.has(targetName) && EXTENSION_TARGETS.has(targetName);
  const target: ListedTarget | null = TARGETS.get(targetName)?.listed() ?? null;
  let goto = false;
  const otherArgs: string[] = [];
  let unsupported: Extract<Match, { kind: 'unsupported' }> | null = null;

  while (c.i < words.length) {
    const word = words[c.i++]!;
    if (word.comment) {
      matches.push({ kind: 'comment', text: word.text });
      unsupported = null;
      continue;
    }
    let w = word.text;
    let negated = false;
    if (w === '!' && NEGATABLE.has(c.peek())) {
      negated = true;
      w = words[c.i++]!.text;
    }
    if (LISTED_MATCHES.get(w)?.(c, w, negated, matches) === true) {
      unsupported = null;
      continue;
    }
    if (w === '[goto]') {
      goto = true;
      unsupported = null;
      continue;
    }
    if (target !== null && target.read(c, w)) {
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

  const built = ((): Target | null => {
    if (targetName === '') return null;
    if (goto) return { kind: 'goto', chain: targetName };
    if (declaredChain) return { kind: 'jump', chain: targetName };
    if (target !== null) return target.build();
    if (EXTENSION_TARGETS.has(targetName)) return { kind: 'other', name: targetName, args: otherArgs };
    return { kind: 'jump', chain: targetName };
  })();
  return { matches, target: built };
}
