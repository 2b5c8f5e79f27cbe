/**
 * Reads the argument list of one iptables rule (`-s 10.0.0.0/8 -p tcp -m tcp --dport 80 -j DNAT ...`)
 * into Match and Target records: the quoting rules of iptables-restore, `!` negation (before the option
 * or, in the old form, between option and value), implicit protocol modules, unknown modules kept whole.
 */
import type { Counters, Match, Target } from '../netfilter/ruleset';
import { MATCH_MODULES, protocolModule, type RuleOption } from './iptables-match';
import { EXTENSION_TARGETS, TARGETS } from './iptables-target';
import { fail, isAddress, normaliseProtocol, parseCidr } from './iptables-values';

export interface RuleTokens {
  tokens: string[];
  /** quoted[i]: token i was written in double quotes (so `"-x"` is a value, never an option). */
  quoted: boolean[];
}

/**
 * Splits like iptables-restore: blanks separate words, `"..."` groups (a backslash inside quotes escapes the
 * next character), and a closing quote ends the word.
 */
export function tokenizeRule(text: string, from = 0): RuleTokens {
  const tokens: string[] = [];
  const quoted: boolean[] = [];
  const n = text.length;
  let i = from;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34) {
      let out = '';
      let start = ++i;
      for (;;) {
        if (i >= n) fail('unterminated quote');
        c = text.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 && i + 1 < n) {
          out += text.slice(start, i);
          start = i + 1;
          i += 2;
          continue;
        }
        i++;
      }
      tokens.push(out + text.slice(start, i));
      quoted.push(true);
      i++;
      continue;
    }
    const start = i;
    while (i < n) {
      c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 34) break;
      i++;
    }
    tokens.push(text.slice(start, i));
    quoted.push(false);
  }
  return { tokens, quoted };
}

interface ModuleGroup {
  type: 'module';
  module: string;
  opts: RuleOption[];
  raw: string[];
  understood: boolean;
}

interface TargetGroup {
  type: 'target';
  name: string;
  goto: boolean;
  opts: RuleOption[];
  raw: string[];
  understood: boolean;
}

export interface RuleArgs {
  matches: Match[];
  target: Target | null;
  /** From `-c PKTS BYTES` inside the rule. */
  counters: Counters | null;
  /** Things the rule reader tolerated but iptables-restore would not (unquoted comment words). */
  notes: string[];
}

type Generic = 'source' | 'destination' | 'in' | 'out' | 'protocol' | 'fragment' | 'match' | 'jump' | 'goto' | 'counters' | 'family';

const GENERIC: ReadonlyMap<string, Generic> = new Map<string, Generic>([
  ['-s', 'source'], ['--source', 'source'], ['--src', 'source'],
  ['-d', 'destination'], ['--destination', 'destination'], ['--dst', 'destination'],
  ['-i', 'in'], ['--in-interface', 'in'], ['-o', 'out'], ['--out-interface', 'out'],
  ['-p', 'protocol'], ['--protocol', 'protocol'], ['-f', 'fragment'], ['--fragment', 'fragment'],
  ['-m', 'match'], ['--match', 'match'], ['-j', 'jump'], ['--jump', 'jump'], ['-g', 'goto'], ['--goto', 'goto'],
  ['-c', 'counters'], ['--set-counters', 'counters'], ['-4', 'family'], ['--ipv4', 'family'], ['-6', 'family'], ['--ipv6', 'family'],
]);

export function isGenericOption(token: string): boolean {
  return GENERIC.has(token);
}

function optionArity(group: ModuleGroup | TargetGroup, name: string): number | undefined {
  if (group.type === 'module') return MATCH_MODULES.get(group.module)?.options.get(name);
  if (group.goto) return undefined;
  return TARGETS.get(group.name)?.options.get(name);
}

/** Reads the rule's arguments starting at token `from` (after `-A CHAIN`). */
export function parseRuleArgs(rule: RuleTokens, from: number): RuleArgs {
  const { tokens, quoted } = rule;
  const n = tokens.length;
  const items: Array<Match | ModuleGroup> = [];
  const contexts: Array<ModuleGroup | TargetGroup> = [];
  const notes: string[] = [];
  let target: TargetGroup | null = null;
  let protocol: string | null = null;
  let counters: Counters | null = null;
  let negate = false;
  let lastOption: RuleOption | null = null;
  let lastOwner: ModuleGroup | TargetGroup | null = null;
  let i = from;

  const isOptionToken = (k: number): boolean => !quoted[k] && (tokens[k].startsWith('--') || GENERIC.has(tokens[k]) || tokens[k] === '!');
  const takeValue = (option: string): string => {
    if (i >= n || isOptionToken(i)) fail(`option ${option} needs a value`);
    return tokens[i++];
  };
  /** The old `--option ! value` form. */
  const takeLateNegation = (option: string): void => {
    if (i < n && tokens[i] === '!' && !quoted[i]) {
      if (negate) fail(`option ${option} negated twice`);
      negate = true;
      i++;
    }
  };

  while (i < n) {
    const k = i++;
    const t = tokens[k];
    if (t === '!' && !quoted[k]) {
      if (negate) fail('"!" twice in a row');
      negate = true;
      continue;
    }
    const generic = quoted[k] ? undefined : GENERIC.get(t);
    if (generic !== undefined) {
      lastOption = null;
      lastOwner = null;
      switch (generic) {
        case 'source':
        case 'destination': {
          takeLateNegation(t);
          const v = takeValue(t);
          const slash = v.indexOf('/');
          if (isAddress(slash < 0 ? v : v.slice(0, slash))) items.push({ kind: generic, cidr: parseCidr(v), negated: negate });
          else items.push({ kind: 'unsupported', module: 'host', args: [...(negate ? ['!'] : []), generic === 'source' ? '-s' : '-d', v] });
          break;
        }
        case 'in':
        case 'out': {
          takeLateNegation(t);
          items.push({ kind: generic === 'in' ? 'in-interface' : 'out-interface', name: takeValue(t), negated: negate });
          break;
        }
        case 'protocol': {
          takeLateNegation(t);
          const proto = normaliseProtocol(takeValue(t));
          protocol = negate ? null : proto;
          items.push({ kind: 'protocol', proto, negated: negate });
          break;
        }
        case 'fragment':
          items.push({ kind: 'fragment', negated: negate });
          break;
        case 'match': {
          if (negate) fail('"!" cannot negate -m');
          const group: ModuleGroup = { type: 'module', module: takeValue(t), opts: [], raw: [], understood: true };
          group.understood = MATCH_MODULES.has(group.module);
          items.push(group);
          contexts.push(group);
          break;
        }
        case 'jump':
        case 'goto': {
          if (negate) fail(`"!" cannot negate ${t}`);
          if (target !== null) fail('more than one -j/-g');
          const name = takeValue(t);
          target = { type: 'target', name, goto: generic === 'goto', opts: [], raw: [], understood: true };
          contexts.push(target);
          break;
        }
        case 'counters': {
          const p = takeValue(t);
          const b = takeValue(t);
          if (!/^\d+$/.test(p) || !/^\d+$/.test(b)) fail(`bad counters "${p} ${b}"`);
          counters = { packets: Number(p), bytes: Number(b) };
          break;
        }
        case 'family':
          break;
      }
      negate = false;
      continue;
    }

    if (t.startsWith('--') && t.length > 2 && !quoted[k]) {
      let owner: ModuleGroup | TargetGroup | null = null;
      let arity: number | undefined;
      for (let c = contexts.length - 1; c >= 0 && owner === null; c--) {
        arity = optionArity(contexts[c], t);
        if (arity !== undefined) owner = contexts[c];
      }
      if (owner === null) {
        const implicit = protocolModule(protocol);
        arity = implicit === null ? undefined : MATCH_MODULES.get(implicit)?.options.get(t);
        if (implicit !== null && arity !== undefined) {
          owner = { type: 'module', module: implicit, opts: [], raw: [], understood: true };
          items.push(owner);
          contexts.push(owner);
        }
      }
      if (owner === null || arity === undefined) {
        // An option natlens does not know: keep it (and the whole module or target) as unsupported.
        owner = contexts.length > 0 ? contexts[contexts.length - 1] : null;
        if (owner === null) fail(`unknown option ${t}`);
        owner.understood = false;
        arity = -1;
      }
      if (arity > 0 || (arity < 0 && i + 1 < n && !isOptionToken(i + 1))) takeLateNegation(t);
      const values: string[] = [];
      if (arity < 0) {
        while (i < n && !isOptionToken(i)) values.push(tokens[i++]);
      } else {
        for (let v = 0; v < arity; v++) values.push(takeValue(t));
      }
      const opt: RuleOption = { name: t, negated: negate, values };
      owner.opts.push(opt);
      if (negate) owner.raw.push('!');
      owner.raw.push(t, ...values);
      lastOption = opt;
      lastOwner = owner;
      negate = false;
      continue;
    }

    // A word that is not an option.
    if (negate) fail(`"!" before "${t}"`);
    if (lastOption !== null && lastOwner !== null && lastOption.name === '--comment' && lastOption.values.length === 1) {
      // kube-proxy's own test dumps write multi-word comments unquoted; iptables-restore would refuse them.
      lastOption.values[0] += ` ${t}`;
      lastOwner.raw[lastOwner.raw.length - 1] = lastOption.values[0];
      if (notes.length === 0) notes.push('unquoted multi-word comment');
      continue;
    }
    if (lastOwner !== null && !lastOwner.understood && lastOption !== null) {
      lastOption.values.push(t);
      lastOwner.raw.push(t);
      continue;
    }
    if (contexts.length > 0 && !contexts[contexts.length - 1].understood && lastOption === null) {
      contexts[contexts.length - 1].raw.push(t);
      continue;
    }
    fail(`unexpected argument "${t}"`);
  }
  if (negate) fail('"!" at the end of the rule');

  const matches: Match[] = [];
  for (const item of items) {
    if (!('opts' in item)) {
      matches.push(item);
      continue;
    }
    const spec = MATCH_MODULES.get(item.module);
    if (spec !== undefined && item.understood) matches.push(...spec.build(item.opts));
    else matches.push({ kind: 'unsupported', module: item.module, args: item.raw });
  }
  return { matches, target: buildTarget(target), counters, notes };
}

function buildTarget(group: TargetGroup | null): Target | null {
  if (group === null) return null;
  if (group.goto) {
    if (group.raw.length > 0) fail(`-g ${group.name} takes no options`);
    return { kind: 'goto', chain: group.name };
  }
  const spec = TARGETS.get(group.name);
  if (spec !== undefined && group.understood) return spec.build(group.opts, group.raw);
  if (spec === undefined && group.raw.length === 0 && !EXTENSION_TARGETS.has(group.name)) {
    return { kind: 'jump', chain: group.name };
  }
  return { kind: 'other', name: group.name, args: group.raw };
}
