import { describe, expect, it } from 'vitest';
import type { FindingJson } from '../contract/finding-json';
import { findingPage, FindingsMemo } from './finding-page';

const finding = (id: string, severity: FindingJson['severity']): FindingJson => ({
  id, severity, kind: 'mark-bit-conflict', title: id, explanation: 'Fix: move one agent to a free bit.', nodes: ['n1'], service: null, flows: [], evidence: [], trace: null,
});
const ALL = [finding('a', 'error'), finding('b', 'warning'), finding('c', 'warning'), finding('d', 'info'), finding('e', 'info')];

describe('findingPage', () => {
  it('is the page asked for, with the total, where the next starts and the severities of all', () => {
    expect(findingPage(ALL, 0, 2)).toEqual({ findings: ALL.slice(0, 2), page: { offset: 0, limit: 2, total: 5, nextOffset: 2 }, severities: { error: 1, warning: 2, info: 2 } });
    expect(findingPage(ALL, 4, 2)).toEqual({ findings: ALL.slice(4), page: { offset: 4, limit: 2, total: 5, nextOffset: null }, severities: { error: 1, warning: 2, info: 2 } });
    expect(findingPage(ALL, 7, 2).findings).toEqual([]);
    expect(findingPage([], 0, 100)).toEqual({ findings: [], page: { offset: 0, limit: 100, total: 0, nextOffset: null }, severities: { error: 0, warning: 0, info: 0 } });
  });
});

describe('FindingsMemo', () => {
  it('computes the findings once while the captures stay the same, and again when they change', () => {
    let generation = 'g1';
    let computed = 0;
    const memo = new FindingsMemo(() => generation, () => {
      computed++;
      return ALL;
    });
    expect(findingPage(memo.current(), 0, 2).findings).toEqual(ALL.slice(0, 2));
    expect(findingPage(memo.current(), 2, 2).findings).toEqual(ALL.slice(2, 4));
    expect(computed).toBe(1);
    generation = 'g2';
    memo.current();
    expect(computed).toBe(2);
  });

  it('keeps nothing from a computation that failed', () => {
    let fail = true;
    const memo = new FindingsMemo(() => 'g1', () => {
      if (fail) throw new Error('the project is locked');
      return ALL;
    });
    expect(() => memo.current()).toThrow('the project is locked');
    fail = false;
    expect(memo.current()).toBe(ALL);
  });
});
