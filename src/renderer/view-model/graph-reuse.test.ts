import { describe, expect, it } from 'vitest';
import { graphSignature, graphUpdate } from './graph-reuse';
import type { GraphElement } from './topology-elements';

const box = (id: string, x: number): GraphElement => ({ group: 'nodes', data: { id, kind: 'node', label: id, title: id, details: [], w: 40, h: 20 }, position: { x, y: 0 } }) as unknown as GraphElement;

describe('graphUpdate', () => {
  it('draws and fits a new graph', () => {
    const sig = graphSignature([box('a', 0)]);
    expect(graphUpdate({ signature: null, fittedFor: null }, sig, {}, 1)).toEqual({ add: true, fit: true });
  });

  it('neither draws nor fits again when the tab comes back to the same elements of the same data', () => {
    const summary = {};
    const sig = graphSignature([box('a', 0), box('b', 100)]);
    // Made again by the re-mounted panel: other objects, the same drawing.
    const again = graphSignature([box('a', 0), box('b', 100)]);
    expect(graphUpdate({ signature: sig, fittedFor: summary }, again, summary, 2)).toEqual({ add: false, fit: false });
  });

  it('swaps the elements but keeps the view when a node is opened in the same data', () => {
    const summary = {};
    const before = graphSignature([box('a', 0)]);
    const opened = graphSignature([box('a', 0), box('a/eth0', 10)]);
    expect(graphUpdate({ signature: before, fittedFor: summary }, opened, summary, 2)).toEqual({ add: true, fit: false });
  });

  it('fits again for the data of a new project revision, even when it draws the same', () => {
    const sig = graphSignature([box('a', 0)]);
    expect(graphUpdate({ signature: sig, fittedFor: {} }, sig, {}, 1)).toEqual({ add: false, fit: true });
  });

  it('does not fit an empty drawing (the summary not read yet)', () => {
    expect(graphUpdate({ signature: null, fittedFor: null }, graphSignature([]), null, 0)).toEqual({ add: true, fit: false });
  });
});
