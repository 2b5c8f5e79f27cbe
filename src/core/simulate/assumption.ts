/**
 * What the replay assumes where the captures do not decide. A question is one fact the captures
 * do not show ("is 10.96.0.11 an address of node-a?", "does rule 3's hidden -i admit eth0?");
 * the replay forks on it, one branch per answer, and every branch remembers its answer so the
 * same fact is answered alike further down the same branch. A premise is a one-sided assumption
 * (a table that was never captured is taken as empty): it cannot be forked on, only stated.
 */
import type { Assumption } from '../views/trace';
import type { FlowState } from './flow-state';

export type { Assumption };

export interface Question {
  /** Identifies the fact: equal keys are the same fact, answered alike within one branch. */
  key: string;
  node: string;
  about: string;
  /** The sentences for the fact taken as true and as false. */
  ifTrue: string;
  ifFalse: string;
  rule: string | null;
  source: string | null;
}

/**
 * A fact the captures imply without showing it (an `SNAT --to-source` address is one of the
 * node's own): the replay takes that answer instead of forking, and states it with its evidence.
 */
export interface Inference {
  value: boolean;
  /** The sentence for the outcome, naming the evidence. */
  assumed: string;
  rule: string | null;
  source: string | null;
}

export type Choice =
  /** `inferred`: the answer came from an inference, stated as a premise rather than forked on. */
  | { kind: 'answer'; question: Question; value: boolean; inferred: Assumption | null }
  | { kind: 'premise'; key: string; assumption: Assumption };

/** A match or lookup that the captures cannot decide: the fact it needs, and whether the match is its negation. */
export interface Undecided {
  kind: 'undecided';
  /** The fact, stated positively; the match holds when `fact !== negated`. */
  fact: Omit<Question, 'rule' | 'source'>;
  negated: boolean;
  /** What the captures imply about the fact, when they do. */
  inferred: Inference | null;
}

export function undecided(fact: Undecided['fact'], negated = false, inferred: Inference | null = null): Undecided {
  return { kind: 'undecided', fact, negated, inferred };
}

/** The answer this branch already took for `key`, if it met the question before. */
export function answerOf(s: FlowState, key: string): boolean | undefined {
  for (let c = s.choices; c !== null; c = c.tail) {
    const h = c.head;
    if (h.kind === 'answer' && h.question.key === key) return h.value;
  }
  return undefined;
}

export function withAnswer(s: FlowState, question: Question, value: boolean): FlowState {
  return { ...s, choices: { head: { kind: 'answer', question, value, inferred: null }, tail: s.choices } };
}

/** The answer the captures imply, taken without a fork and stated with its evidence. */
export function withInferred(s: FlowState, question: Question, inference: Inference): FlowState {
  const stated: Assumption = { node: question.node, about: question.about, assumed: inference.assumed, rule: inference.rule, source: inference.source };
  return { ...s, choices: { head: { kind: 'answer', question, value: inference.value, inferred: stated }, tail: s.choices } };
}

export function withPremise(s: FlowState, key: string, assumption: Assumption): FlowState {
  for (let c = s.choices; c !== null; c = c.tail) if (c.head.kind === 'premise' && c.head.key === key) return s;
  return { ...s, choices: { head: { kind: 'premise', key, assumption }, tail: s.choices } };
}

export function assumptionOf(question: Question, value: boolean): Assumption {
  return { node: question.node, about: question.about, assumed: value ? question.ifTrue : question.ifFalse, rule: question.rule, source: question.source };
}

/**
 * How many forks one trace may make. Each fork can double what follows it; beyond the budget an
 * undecidable match ends its branch as `unknown`, saying so, instead of forking again.
 */
export const FORK_BUDGET = 2048;

/** Shared by every branch of one trace (the one mutable thing a FlowState points to). */
export interface ForkCounter {
  forks: number;
}
