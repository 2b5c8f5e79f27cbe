/**
 * Walking one netfilter chain as the kernel does: rules top to bottom, jump (return here after)
 * versus goto (return to our caller), RETURN, the implicit return at the end of a user chain, the
 * policy of a built-in chain. Statistic matches fork the walk; every branch carries its probability.
 * A match the captures cannot decide (a hidden interface column, an ipset not captured, a chain
 * not captured...) forks it too: one branch per answer, each remembering what it assumed. Only
 * rules that otherwise match fork, and a rule whose action changes nothing that follows does not.
 */
import type { TableName } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import { answerOf, FORK_BUDGET, undecided, withAnswer, withInferred } from './assumption';
import type { Question, Undecided } from './assumption';
import { FAR_DOWN, indexFarDown, indexOf, ruleAt, ruleCount } from './compiled-ruleset';
import type { CompiledChain, CompiledRule, CompiledRuleset } from './compiled-ruleset';
import type { FlowState } from './flow-state';
import { push, withEvent, withNote } from './flow-state';
import { formatIp, sameIp } from '../common/ip';
import { applyNatTarget } from './nat-target';
import { nextCandidate } from './dispatch-index';
import type { BranchMatch, MatchEnv, RecentMatch } from './rule-match';
import type { NodeRouting } from './routing';
import type { NatTransformation, Step } from './trace';

export type ChainEnd =
  | { kind: 'return' }
  | { kind: 'accept' }
  | { kind: 'drop'; reason: string }
  | { kind: 'reject'; reason: string }
  | { kind: 'unknown'; reason: string };

export interface Walked {
  state: FlowState;
  end: ChainEnd;
}

export interface WalkEnv {
  node: string;
  match: MatchEnv;
  routing: NodeRouting;
  ruleset: CompiledRuleset;
  interfacesKnown: boolean;
  /** The file the ruleset's rules were read from (their `line` is in it), when known. */
  rulesetSource: string | null;
}

const MAX_DEPTH = 64;

/** Extension targets that do not decide the packet's fate or addresses: the walk goes on after them. */
const PASSTHROUGH_TARGETS = new Set([
  'CHECKSUM', 'TCPMSS', 'NFLOG', 'ULOG', 'AUDIT', 'TOS', 'DSCP', 'TTL', 'HL', 'ECN', 'CLASSIFY', 'SET',
  'CONNSECMARK', 'SECMARK', 'IDLETIMER', 'LED', 'RATEEST', 'TEE', 'TCPOPTSTRIP', 'SYNPROXY_NOOP',
]);

function ruleStep(env: WalkEnv, chain: CompiledChain, r: CompiledRule, nat: NatTransformation | null, note: string | null): Step {
  return {
    node: env.node, table: chain.table, chain: chain.name, rule: r.rule.text, target: r.targetName,
    policy: false, kind: 'rule', line: r.rule.line, nat, comment: r.comment, note,
  };
}

function addStep(env: WalkEnv, s: FlowState, chain: CompiledChain, r: CompiledRule, nat: NatTransformation | null, note: string | null): FlowState {
  return withEvent(s, { kind: 'step', step: ruleStep(env, chain, r, nat, note) });
}

function sourceOf(env: WalkEnv, r: CompiledRule): string | null {
  return env.rulesetSource === null ? null : `${env.rulesetSource}:${r.rule.line}`;
}

function questionAt(env: WalkEnv, r: CompiledRule, fact: Undecided['fact']): Question {
  return { ...fact, rule: r.rule.text, source: sourceOf(env, r) };
}

/** A listing without -v hides every rule's -i and -o: whether they admit this packet is a fact per rule and interface pair. */
function hiddenInterfaceFact(env: WalkEnv, chain: CompiledChain, r: CompiledRule, s: FlowState): Undecided['fact'] {
  const parts: string[] = [];
  if (s.inIface !== '') parts.push(`in ${s.inIface}`);
  if (s.outIface === null) parts.push('out an unknown interface');
  else if (s.outIface !== '') parts.push(`out ${s.outIface}`);
  const how = parts.length === 0 ? 'a locally generated packet' : `a packet ${parts.join(', ')}`;
  return {
    key: `hidden-iface|${env.node}|${chain.table}|${chain.name}|${r.rule.position}|${s.inIface}|${s.outIface ?? '?'}`, node: env.node,
    about: `${ruleLabel(chain, r)} comes from a listing without interface columns (iptables -L without -v): its -i/-o are not shown`,
    ifTrue: `assuming the rule's hidden interfaces admit ${how}`,
    ifFalse: `assuming the rule is limited to other interfaces than those of ${how}`,
  };
}

/** Everything about a branch that decides what happens to it later (not its trail). */
function sameFuture(a: FlowState, b: FlowState): boolean {
  const sameRecent = (): boolean => {
    let x = a.recent;
    let y = b.recent;
    while (x !== null && y !== null) {
      if (x.head !== y.head) return false;
      x = x.tail;
      y = y.tail;
    }
    return x === y;
  };
  return sameIp(a.src, b.src) && sameIp(a.dst, b.dst) && a.sport === b.sport && a.dport === b.dport && a.mark === b.mark
    && a.ctmark === b.ctmark && a.untracked === b.untracked && a.natDst === b.natDst && a.natSrc === b.natSrc
    && a.outIface === b.outIface && (a.nextHop === b.nextHop || (a.nextHop !== null && b.nextHop !== null && sameIp(a.nextHop, b.nextHop)))
    && a.probability === b.probability && a.choices === b.choices && sameRecent();
}

function ruleLabel(chain: CompiledChain, r: CompiledRule): string {
  return `${chain.table} ${chain.name} rule ${r.rule.position} ("${r.rule.text}")`;
}

interface Branch {
  probability: number;
  matched: boolean;
  note: string;
}

/** Branches of the rule's statistic matches; several in one rule multiply. */
function branchesOf(matches: BranchMatch[]): Branch[] {
  let out: Branch[] = [{ probability: 1, matched: true, note: '' }];
  for (const m of matches) {
    const next: Branch[] = [];
    let yes: number;
    let yesNote: string;
    let noNote: string;
    if (m.kind === 'random') {
      yes = m.negated ? 1 - m.probability : m.probability;
      yesNote = `-m statistic --mode random --probability ${m.probability}${m.negated ? ' (negated)' : ''}: taken with probability ${yes}`;
      noNote = `-m statistic --mode random: not taken, probability ${1 - yes}`;
    } else {
      const every = Math.max(1, m.every);
      yes = m.negated ? (every - 1) / every : 1 / every;
      yesNote = m.negated
        ? `-m statistic --mode nth --every ${every} --packet ${m.packet} (negated): the rule's counter at one of the ${every - 1} other positions`
        : `-m statistic --mode nth --every ${every} --packet ${m.packet}: the rule's counter at position ${m.packet} of ${every}`;
      noNote = m.negated
        ? `-m statistic --mode nth: the rule's counter at position ${m.packet} of ${every}, not taken`
        : `-m statistic --mode nth: the rule's counter at one of the ${every - 1} other positions of ${every}, not taken`;
    }
    for (const b of out) {
      if (!b.matched) { next.push(b); continue; }
      next.push({ probability: b.probability * yes, matched: true, note: b.note ? `${b.note}; ${yesNote}` : yesNote });
      next.push({ probability: b.probability * (1 - yes), matched: false, note: b.note ? `${b.note}; ${noNote}` : noNote });
    }
    out = next;
  }
  return out.filter((b) => b.probability > 0);
}

function recentKey(s: FlowState, m: RecentMatch): string {
  return `${m.name}|${formatIp(m.side === 'source' ? s.src : s.dst)}`;
}

/** -m recent: a fresh trace has no entries except those --set earlier in this very trace. */
function evalRecent(s: FlowState, matches: RecentMatch[]): { matched: boolean; state: FlowState; note: string | null } {
  let state = s;
  let note: string | null = null;
  for (const m of matches) {
    const key = recentKey(state, m);
    let present = false;
    for (let c = state.recent; c !== null; c = c.tail) if (c.head === key) { present = true; break; }
    let hit: boolean;
    if (m.op === 'set') {
      hit = true;
      if (!present) state = { ...state, recent: push(state.recent, key) };
    } else {
      hit = present && (m.hitcount === null || m.hitcount <= 1);
      if (!present) note = `-m recent --${m.op} --name ${m.name}: the list is empty in a fresh replay (no earlier packets), so it does not match`;
    }
    if (hit === m.negated) return { matched: false, state: s, note };
  }
  return { matched: true, state, note };
}

type Acted = { kind: 'continue'; state: FlowState } | { kind: 'done'; results: Walked[] };

function finish(state: FlowState, end: ChainEnd): Acted {
  return { kind: 'done', results: [{ state, end }] };
}

function act(env: WalkEnv, s: FlowState, chain: CompiledChain, r: CompiledRule, next: number, depth: number, note: string | null): Acted {
  const t = r.target;
  if (t === null) return { kind: 'continue', state: s };
  switch (t.kind) {
    case 'accept':
      return finish(addStep(env, s, chain, r, null, note), { kind: 'accept' });
    case 'drop':
      return finish(addStep(env, s, chain, r, null, note), { kind: 'drop', reason: `dropped on ${env.node} by ${ruleLabel(chain, r)}` });
    case 'reject':
      return finish(addStep(env, s, chain, r, null, note), {
        kind: 'reject', reason: `rejected on ${env.node}${t.with ? ` with ${t.with}` : ''} by ${ruleLabel(chain, r)}`,
      });
    case 'return':
      return finish(addStep(env, s, chain, r, null, note), { kind: 'return' });
    case 'jump':
    case 'goto': {
      const stepped = addStep(env, s, chain, r, null, note);
      if (r.chainRef === null) return missingChain(env, stepped, chain, r, t.kind, t.chain, next, depth);
      const sub = walkChain(env, stepped, r.chainRef, 0, depth + 1);
      if (t.kind === 'goto') return { kind: 'done', results: sub };
      const only = sub[0];
      if (sub.length === 1 && only !== undefined && only.end.kind === 'return') return { kind: 'continue', state: only.state };
      return { kind: 'done', results: sub.flatMap((w) => (w.end.kind === 'return' ? walkChain(env, w.state, chain, next, depth) : [w])) };
    }
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect': {
      const applied = applyNatTarget(s, t, env.routing, env.interfacesKnown);
      switch (applied.kind) {
        case 'ok':
          return finish(addStep(env, applied.state, chain, r, applied.nat, note), { kind: 'accept' });
        case 'unknown':
          return finish(addStep(env, s, chain, r, null, applied.reason), { kind: 'unknown', reason: `${env.node}: ${applied.reason} (${ruleLabel(chain, r)})` });
        case 'drop':
          return finish(addStep(env, s, chain, r, null, applied.reason), { kind: 'drop', reason: `${env.node}: ${applied.reason} (${ruleLabel(chain, r)})` });
        default:
          return assertNever(applied);
      }
    }
    case 'mark': {
      const mark = ((s.mark & ~t.mask) ^ t.value) >>> 0;
      return { kind: 'continue', state: addStep(env, { ...s, mark }, chain, r, null, note) };
    }
    case 'connmark': {
      let next: FlowState;
      if (t.mode === 'set') next = { ...s, ctmark: ((s.ctmark & ~t.mask) ^ t.value) >>> 0 };
      else if (t.mode === 'save') next = { ...s, ctmark: ((s.ctmark & ~t.ctmask) ^ (s.mark & t.nfmask)) >>> 0 };
      else next = { ...s, mark: ((s.mark & ~t.nfmask) ^ (s.ctmark & t.ctmask)) >>> 0 };
      return { kind: 'continue', state: addStep(env, next, chain, r, null, note) };
    }
    case 'log':
    case 'trace':
      return { kind: 'continue', state: addStep(env, s, chain, r, null, note) };
    case 'notrack':
      return { kind: 'continue', state: addStep(env, { ...s, untracked: true }, chain, r, null, note ?? 'the connection is not tracked from here: the nat table is skipped') };
    case 'ct':
      return { kind: 'continue', state: addStep(env, t.notrack ? { ...s, untracked: true } : s, chain, r, null, note) };
    case 'other':
      if (PASSTHROUGH_TARGETS.has(t.name.toUpperCase())) {
        return { kind: 'continue', state: addStep(env, s, chain, r, null, note ?? `${t.name} does not change the path; the walk goes on`) };
      }
      return finish(addStep(env, s, chain, r, null, note), { kind: 'unknown', reason: `${env.node}: target ${t.name} is not modelled by the replay (${ruleLabel(chain, r)})` });
    default:
      return assertNever(t);
  }
}

/**
 * A jump or goto to a chain the capture does not hold: either it returns without deciding (the
 * walk goes on as if it were empty) or it decides, and what it decides is unknown.
 */
function missingChain(env: WalkEnv, s: FlowState, chain: CompiledChain, r: CompiledRule, how: 'jump' | 'goto', target: string, next: number, depth: number): Acted {
  const reason = `${ruleLabel(chain, r)} on ${env.node} ${how === 'jump' ? 'jumps' : 'goes'} to chain ${target}, which is not in the capture`;
  const question = questionAt(env, r, {
    key: `chain|${env.node}|${chain.table}|${target}`, node: env.node,
    about: `chain ${target} (${chain.table} table of ${env.node}) was not captured`,
    ifTrue: `assuming ${target} returns without deciding the packet's fate`,
    ifFalse: `assuming ${target} decides the packet's fate (what it decides is unknown)`,
  });
  const returns = (state: FlowState): Walked[] =>
    how === 'goto' ? [{ state, end: { kind: 'return' } }] : walkChain(env, withNote(state, `${reason}: assumed to return`), chain, next, depth);
  const decides = (state: FlowState): Walked[] => [{ state, end: { kind: 'unknown', reason } }];
  const known = answerOf(s, question.key);
  if (known !== undefined) return { kind: 'done', results: known ? returns(s) : decides(s) };
  if (s.forkCounter.forks >= FORK_BUDGET) return finish(s, { kind: 'unknown', reason: `${reason} (${overBudget()})` });
  s.forkCounter.forks++;
  return { kind: 'done', results: [...returns(withAnswer(s, question, true)), ...decides(withAnswer(s, question, false))] };
}

function overBudget(): string {
  return `the replay already forked ${FORK_BUDGET} times on what the captures do not show and stops forking here`;
}

type RuleAnswer = 'skip' | 'match' | Undecided;

/** Whether rule `r` matches `s`, before recent and statistic matches: the first fact it needs, if any. */
function evalRule(env: WalkEnv, s: FlowState, chain: CompiledChain, r: CompiledRule): RuleAnswer {
  let pending: Undecided | null = null;
  for (const fn of r.matches.plain) {
    const a = fn(s, env.match);
    if (a === false) return 'skip';
    if (a !== true && pending === null) pending = a;
  }
  if (pending !== null) return pending;
  if (env.ruleset.origin.interfacesShown) return 'match';
  const fact = hiddenInterfaceFact(env, chain, r, s);
  const known = answerOf(s, fact.key);
  return known === undefined ? undecided(fact) : known ? 'match' : 'skip';
}

/**
 * The rule would act but a fact it needs is not captured. When acting changes nothing that
 * follows (LOG, a jump into a chain that returns unchanged), the answer does not matter: the
 * walk goes on, noting it. Otherwise fork: one walk per answer, each from this rule again.
 */
function forkAt(env: WalkEnv, s: FlowState, chain: CompiledChain, r: CompiledRule, i: number, depth: number, u: Undecided): { inert: FlowState } | { results: Walked[] } {
  const question = questionAt(env, r, u.fact);
  if (u.inferred !== null) return { results: walkChain(env, withInferred(s, question, u.inferred), chain, i, depth) };
  const holds = withAnswer(s, question, !u.negated);
  if (r.matches.branch.length === 0 && r.matches.recent.length === 0 && evalRule(env, holds, chain, r) === 'match') {
    const acted = act(env, holds, chain, r, i + 1, depth, null);
    if (acted.kind === 'continue' && sameFuture(acted.state, holds)) {
      return { inert: withNote({ ...acted.state, choices: s.choices }, `${ruleLabel(chain, r)}: ${u.fact.about}; whether it matches or not, the packet goes on unchanged`) };
    }
  }
  if (s.forkCounter.forks >= FORK_BUDGET) {
    const stepped = addStep(env, s, chain, r, null, `cannot decide: ${u.fact.about}`);
    return { results: [{ state: stepped, end: { kind: 'unknown', reason: `${env.node}: ${ruleLabel(chain, r)}: ${u.fact.about} (${overBudget()})` } }] };
  }
  s.forkCounter.forks++;
  const out: Walked[] = [];
  for (const value of [true, false]) {
    const branch = withNote(withAnswer(s, question, value), `${ruleLabel(chain, r)}: ${u.fact.about}; ${value ? u.fact.ifTrue : u.fact.ifFalse}`);
    out.push(...walkChain(env, branch, chain, i, depth));
  }
  return { results: out };
}

/**
 * Walk `chain` from rule index `from`. Returns every branch's end: `return` (fell off the end or
 * RETURN: the caller continues), or a verdict for the table.
 */
export function walkChain(env: WalkEnv, start: FlowState, chain: CompiledChain, from: number, depth: number): Walked[] {
  if (depth > MAX_DEPTH) {
    return [{ state: start, end: { kind: 'unknown', reason: `${env.node}: chains nest deeper than ${MAX_DEPTH} jumps (a loop through ${chain.name}?)` } }];
  }
  let s = start;
  const count = ruleCount(chain);
  let index = indexOf(chain);
  const farDown = from + FAR_DOWN;
  for (let i = from; i < count; i++) {
    if (index === null && i === farDown) index = indexFarDown(chain);
    if (index !== null) {
      i = nextCandidate(index, s, i, count);
      if (i >= count) break;
    }
    const r = ruleAt(chain, i);
    const m = r.matches;
    // A rule without a target (a counter) changes nothing whether it matches or not.
    if (r.target === null && m.recent.length === 0) continue;
    const answer = evalRule(env, s, chain, r);
    if (answer === 'skip') continue;
    if (answer !== 'match') {
      const forked = forkAt(env, s, chain, r, i, depth, answer);
      if ('results' in forked) return forked.results;
      s = forked.inert;
      continue;
    }
    if (m.recent.length > 0) {
      const rec = evalRecent(s, m.recent);
      if (!rec.matched) {
        if (rec.note !== null) s = withNote(s, `${ruleLabel(chain, r)}: ${rec.note}`);
        continue;
      }
      s = rec.state;
    }
    if (r.target === null) continue;
    if (m.branch.length > 0) {
      const out: Walked[] = [];
      for (const b of branchesOf(m.branch)) {
        const bs: FlowState = { ...s, probability: s.probability * b.probability };
        if (b.matched) {
          const acted = act(env, bs, chain, r, i + 1, depth, b.note);
          if (acted.kind === 'continue') out.push(...walkChain(env, acted.state, chain, i + 1, depth));
          else out.push(...acted.results);
        } else {
          out.push(...walkChain(env, withNote(bs, `${ruleLabel(chain, r)}: ${b.note}`), chain, i + 1, depth));
        }
      }
      return out;
    }
    const acted = act(env, s, chain, r, i + 1, depth, null);
    if (acted.kind === 'continue') { s = acted.state; continue; }
    return acted.results;
  }
  return [{ state: s, end: { kind: 'return' } }];
}

export function policyStep(node: string, table: TableName, chain: CompiledChain): Step {
  const policy = chain.chain.policy ?? 'ACCEPT';
  return { node, table, chain: chain.name, rule: null, target: policy, policy: true, kind: 'policy', line: chain.chain.line, nat: null, comment: null, note: null };
}
