/**
 * From the leaves of a forked replay to outcome sets that each read on their own. A world is an
 * assignment of answers to the questions the replay met; it holds every leaf whose own answers
 * agree with it (a leaf that never met a question belongs to every world), and its leaves'
 * probabilities sum to 1. Two worlds that differ in one answer only and end alike (the same
 * verdicts, packets and egresses with the same probabilities) are one world without that
 * question: the answer did not matter. Merging runs to a fixpoint, so every answer a world keeps
 * changed its outcomes.
 */
import type { Assumption, Question } from './assumption';
import { assumptionOf } from './assumption';

/** What the world builder needs to know of a leaf. */
export interface LeafView {
  probability: number;
  /** Equal signatures end alike: verdict, packet and egress. */
  signature: string;
  answers: ReadonlyMap<string, { question: Question; value: boolean }>;
  premises: ReadonlyMap<string, Assumption>;
}

export interface World<L> {
  assumptions: Assumption[];
  /** The question or premise key of each assumption (same order): tells which a leaf's own path met. */
  keys: string[];
  leaves: L[];
  /**
   * Probability left unaccounted because the world cap stopped the enumeration: the leaves of
   * this world that needed more questions answered are not listed. 0 when complete.
   */
  unexplored: number;
}

/** At most this many worlds are enumerated; beyond, a world's remaining leaves become one `unknown` share. */
export const WORLD_CAP = 64;

interface Draft {
  answers: Map<string, boolean>;
  members: number[];
  unexplored: number;
}

const EPSILON = 1e-9;

function unassigned(views: LeafView[], d: Draft): string | null {
  for (const i of d.members) {
    for (const key of (views[i] as LeafView).answers.keys()) if (!d.answers.has(key)) return key;
  }
  return null;
}

function split(views: LeafView[], d: Draft, key: string, value: boolean): Draft {
  const answers = new Map(d.answers);
  answers.set(key, value);
  const members = d.members.filter((i) => {
    const a = (views[i] as LeafView).answers.get(key);
    return a === undefined || a.value === value;
  });
  return { answers, members, unexplored: 0 };
}

/** The world as it stands at the cap: its fully answered leaves, and the rest of the probability unexplored. */
function truncate(views: LeafView[], d: Draft): Draft {
  const members = d.members.filter((i) => [...(views[i] as LeafView).answers.keys()].every((k) => d.answers.has(k)));
  const mass = members.reduce((sum, i) => sum + (views[i] as LeafView).probability, 0);
  return { answers: d.answers, members, unexplored: Math.max(0, 1 - mass) };
}

function distribution(views: LeafView[], d: Draft, unexploredSignature: string): string {
  const sums = new Map<string, number>();
  for (const i of d.members) {
    const v = views[i] as LeafView;
    sums.set(v.signature, (sums.get(v.signature) ?? 0) + v.probability);
  }
  if (d.unexplored > EPSILON) sums.set(unexploredSignature, (sums.get(unexploredSignature) ?? 0) + d.unexplored);
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sig, p]) => `${sig}=${Math.round(p / EPSILON)}`)
    .join('\n');
}

/** The one key whose answer differs, when both worlds answer the same questions and differ in exactly one. */
function soleDifference(a: Draft, b: Draft): string | null {
  if (a.answers.size !== b.answers.size) return null;
  let differing: string | null = null;
  for (const [key, value] of a.answers) {
    const other = b.answers.get(key);
    if (other === undefined) return null;
    if (other !== value) {
      if (differing !== null) return null;
      differing = key;
    }
  }
  return differing;
}

function mergeToFixpoint(views: LeafView[], drafts: Draft[], unexploredSignature: string): Draft[] {
  const worlds = [...drafts];
  const dist = worlds.map((w) => distribution(views, w, unexploredSignature));
  for (let changed = true; changed;) {
    changed = false;
    outer: for (let i = 0; i < worlds.length; i++) {
      for (let j = i + 1; j < worlds.length; j++) {
        const a = worlds[i] as Draft;
        const b = worlds[j] as Draft;
        const key = soleDifference(a, b);
        if (key === null || dist[i] !== dist[j]) continue;
        // Either world's leaves stand for both; keep those where the fact was taken as false (the rule did not apply).
        const kept = a.answers.get(key) === false ? a : b;
        const answers = new Map(kept.answers);
        answers.delete(key);
        worlds[i] = { answers, members: kept.members, unexplored: kept.unexplored };
        worlds.splice(j, 1);
        dist.splice(j, 1);
        changed = true;
        break outer;
      }
    }
  }
  return worlds;
}

/** Splits the merging enumeration may make before the capped one takes over. */
const SPLIT_BUDGET = 4096;

/**
 * Enumerate depth first, merging as each question's two sides come back: a question that did not
 * matter disappears before its siblings multiply the count. Null when the split budget runs out.
 */
function mergedWorlds(views: LeafView[], d: Draft, unexploredSignature: string, budget: { left: number }): Draft[] | null {
  if (--budget.left < 0) return null;
  const key = unassigned(views, d);
  if (key === null) return [d];
  const yes = mergedWorlds(views, split(views, d, key, true), unexploredSignature, budget);
  if (yes === null) return null;
  const no = mergedWorlds(views, split(views, d, key, false), unexploredSignature, budget);
  if (no === null) return null;
  return mergeToFixpoint(views, [...yes, ...no], unexploredSignature);
}

/** Breadth first up to `cap` worlds; a world still open at the cap keeps its answered leaves and an unexplored share. */
function cappedWorlds(views: LeafView[], whole: Draft, cap: number): Draft[] {
  const pending: Draft[] = [whole];
  const done: Draft[] = [];
  while (pending.length > 0) {
    const d = pending.shift() as Draft;
    const key = unassigned(views, d);
    if (key === null) { done.push(d); continue; }
    if (done.length + pending.length + 2 > cap) { done.push(truncate(views, d)); continue; }
    pending.push(split(views, d, key, true), split(views, d, key, false));
  }
  return done;
}

/**
 * Enumerate the worlds of `leaves`, merge those whose differences did not matter, and state each
 * world's assumptions. `unexploredSignature`: how the share a capped world leaves unexplored ends
 * (the `unknown` outcome it becomes), so it compares like a leaf.
 */
export function worldsOf<L>(leaves: readonly L[], view: (leaf: L) => LeafView, unexploredSignature: string, cap = WORLD_CAP): World<L>[] {
  const views = leaves.map(view);
  const whole: Draft = { answers: new Map(), members: views.map((_, i) => i), unexplored: 0 };
  let done = mergedWorlds(views, whole, unexploredSignature, { left: SPLIT_BUDGET });
  if (done === null || done.length > cap) done = cappedWorlds(views, whole, cap);
  const questions = new Map<string, Question>();
  for (const v of views) for (const [key, a] of v.answers) if (!questions.has(key)) questions.set(key, a.question);
  return mergeToFixpoint(views, done, unexploredSignature).map((d) => {
    const assumptions: Assumption[] = [];
    const keys: string[] = [];
    for (const [key, value] of d.answers) {
      assumptions.push(assumptionOf(questions.get(key) as Question, value));
      keys.push(key);
    }
    const premises = new Map<string, Assumption>();
    for (const i of d.members) for (const [key, p] of (views[i] as LeafView).premises) if (!premises.has(key)) premises.set(key, p);
    assumptions.push(...premises.values());
    keys.push(...premises.keys());
    return { assumptions, keys, leaves: d.members.map((i) => leaves[i] as L), unexplored: d.unexplored };
  });
}
