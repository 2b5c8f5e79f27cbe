import { describe, expect, it } from 'vitest';
import type { GraphElement, GraphNode } from './topology-elements';
import { layoutTopology } from './topology-layout';

const node = (id: string, kind: GraphNode['data']['kind'], parent?: string, w = 100, h = 40): GraphNode => ({
  group: 'nodes',
  position: { x: 0, y: 0 },
  data: { id, kind, label: id, title: id, details: [], w, h, ...(parent === undefined ? {} : { parent }) },
  classes: kind,
});

const box = (n: GraphElement) => {
  const { x, y } = (n as GraphNode).position;
  const { w, h } = (n as GraphNode).data;
  return { x1: x - w / 2, x2: x + w / 2, y1: y - h / 2, y2: y + h / 2 };
};
const overlaps = (a: ReturnType<typeof box>, b: ReturnType<typeof box>): boolean => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

describe('topology layout', () => {
  const elements: GraphElement[] = [
    node('node|a', 'node'),
    node('if|a|eth0', 'interface', 'node|a', 160),
    node('if|a|cbr0', 'bridge', 'node|a'),
    ...Array.from({ length: 6 }, (_, i) => node(`if|a|veth${i}`, 'interface', 'if|a|cbr0', 80)),
    node('pod|a|10.0.0.2', 'pod', 'node|a'),
    node('node|b', 'node'),
    node('if|b|eth0', 'interface', 'node|b', 160),
    node('ns|b|ns:demo', 'namespace'),
    node('if|b|ns:demo|eth0', 'interface', 'ns|b|ns:demo'),
    node('svc|x/web', 'service', undefined, 180, 46),
    { group: 'edges', data: { id: 'e', kind: 'route', source: 'if|a|eth0', target: 'if|b|eth0', label: '', title: '', details: [] }, classes: '' },
  ];
  const laid = layoutTopology(elements);
  const at = (id: string) => laid.find((e) => e.data.id === id)!;
  const leaves = laid.filter((e) => e.group === 'nodes' && !laid.some((c) => c.group === 'nodes' && c.data.parent === e.data.id));

  it('never lets two leaves overlap', () => {
    for (const a of leaves) for (const b of leaves) if (a !== b) expect(overlaps(box(a), box(b)), `${a.data.id} / ${b.data.id}`).toBe(false);
  });

  it('puts node boxes side by side, namespaces beneath, services at the bottom', () => {
    expect(box(at('if|a|eth0')).x2).toBeLessThan(box(at('if|b|eth0')).x1);
    expect(box(at('if|b|ns:demo|eth0')).y1).toBeGreaterThan(box(at('pod|a|10.0.0.2')).y2);
    expect(box(at('svc|x/web')).y1).toBeGreaterThan(box(at('if|b|ns:demo|eth0')).y2);
  });

  it('stacks a node’s interfaces above its bridge, wraps many ports, and keeps endpoints last', () => {
    const ports = Array.from({ length: 6 }, (_, i) => box(at(`if|a|veth${i}`)));
    expect(new Set(ports.map((p) => p.y1)).size).toBe(2);
    expect(Math.min(...ports.map((p) => p.y1))).toBeGreaterThan(box(at('if|a|eth0')).y2);
    expect(box(at('pod|a|10.0.0.2')).y1).toBeGreaterThan(Math.max(...ports.map((p) => p.y2)));
  });

  it('leaves edges as they are and places the same input the same way', () => {
    expect(laid.find((e) => e.group === 'edges')).toEqual(elements.at(-1));
    expect(layoutTopology(elements)).toEqual(laid);
  });
});
