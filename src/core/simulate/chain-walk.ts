/**
 * Walking one netfilter chain as the kernel does: rules top to bottom, jump (return here after)
 * versus goto (return to our caller), RETURN, the implicit return at the end of a user chain, the
 * policy of a built-in chain. Statistic matches fork the walk; every branch carries its probability.
 */
import type { TableName } from '../netfilter/ruleset';
import { assertNever } from '../common/assert-never';
import { rulesOf } from './compiled-ruleset';
import type { CompiledChain, CompiledRule, CompiledRuleset } from './compiled-ruleset';
import type { FlowState } from './flow-state';
import { push, withCaveat, withEvent, withNote } from './flow-state';
import { formatIp } from './ip-number';
import { applyNatTarget } from './nat-target';
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
  let next = withEvent(s, { kind: 'step', step: ruleStep(env, chain, r, nat, note) });
  if (!env.ruleset.origin.interfacesShown) {
    next = withCaveat(next, `${env.node}: the ruleset is a listing without interface columns (iptables -L without -v): a rule shown as matching any interface may be limited to one`);
  }
  return next;
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
      if (r.chainRef === null) {
        return finish(stepped, { kind: 'unknown', reason: `${ruleLabel(chain, r)} on ${env.node} ${t.kind === 'jump' ? 'jumps' : 'goes'} to chain ${t.chain}, which is not in the capture` });
      }
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
 * Walk `chain` from rule index `from`. Returns every branch's end: `return` (fell off the end or
 * RETURN: the caller continues), or a verdict for the table.
 */
export function walkChain(env: WalkEnv, start: FlowState, chain: CompiledChain, from: number, depth: number): Walked[] {
  if (depth > MAX_DEPTH) {
    return [{ state: start, end: { kind: 'unknown', reason: `${env.node}: chains nest deeper than ${MAX_DEPTH} jumps (a loop through ${chain.name}?)` } }];
  }
  let s = start;
  const rules = rulesOf(chain);
  for (let i = from; i < rules.length; i++) {
    const r = rules[i] as CompiledRule;
    const m = r.matches;
    let unknown: string | null = null;
    let ok = true;
    for (const fn of m.plain) {
      const a = fn(s, env.match);
      if (a === false) { ok = false; break; }
      if (a !== true && unknown === null) unknown = a;
    }
    if (!ok) continue;
    if (m.recent.length > 0) {
      const rec = evalRecent(s, m.recent);
      if (!rec.matched) {
        if (rec.note !== null && unknown === null) s = withNote(s, `${ruleLabel(chain, r)}: ${rec.note}`);
        continue;
      }
      s = rec.state;
    }
    if (unknown !== null) {
      const stepped = addStep(env, s, chain, r, null, `cannot decide: ${unknown}`);
      return [{ state: stepped, end: { kind: 'unknown', reason: `${env.node}: ${ruleLabel(chain, r)}: ${unknown}` } }];
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
