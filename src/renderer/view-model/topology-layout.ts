/**
 * Where each graph node sits, computed, not simulated: node boxes side by side (addressed
 * interfaces on top, each bridge with its ports below, then endpoints), captured namespaces in a
 * row beneath, services and outside endpoints at the bottom. Deterministic and overlap-free by
 * construction; cytoscape draws it with its `preset` layout. Compound boxes take their size from
 * their children, so only leaves get positions.
 */
import type { GraphElement, GraphNode } from './topology-elements';

/** Padding inside a compound box, as the stylesheet draws it (topology-style.ts reads these). */
export const BOX_PADDING = { node: 16, namespace: 16, bridge: 10, group: 14 } as const;
/** Room above a compound box for its label (cytoscape draws it outside, on top). */
const LABEL_SPACE = { node: 22, namespace: 22, bridge: 18, group: 22 } as const;
const GAP = 18;
const BOX_GAP = 140;
const ROW_GAP = 90;
const PER_ROW = 4;
const SCREEN_ASPECT = 1.6;

interface Block {
  w: number;
  h: number;
  /** Puts the block with its top-left corner at (x, y). */
  place(x: number, y: number): void;
}

function row(blocks: readonly Block[], gap: number, align: 'top' | 'center' = 'center'): Block {
  const w = blocks.reduce((n, b) => n + b.w, 0) + gap * Math.max(0, blocks.length - 1);
  const h = Math.max(0, ...blocks.map((b) => b.h));
  return {
    w,
    h,
    place(x, y) {
      let at = x;
      for (const b of blocks) {
        b.place(at, align === 'top' ? y : y + (h - b.h) / 2);
        at += b.w + gap;
      }
    },
  };
}

function column(blocks: readonly Block[], gap: number, align: 'left' | 'center' = 'left'): Block {
  const live = blocks.filter((b) => b.w > 0 || b.h > 0);
  const w = Math.max(0, ...live.map((b) => b.w));
  const h = live.reduce((n, b) => n + b.h, 0) + gap * Math.max(0, live.length - 1);
  return {
    w,
    h,
    place(x, y) {
      let at = y;
      for (const b of live) {
        b.place(align === 'center' ? x + (w - b.w) / 2 : x, at);
        at += b.h + gap;
      }
    },
  };
}

/**
 * Many blocks as a near-square grid (rows of about √n, top-aligned), so 500 node boxes fit a screen
 * when zoomed out; a handful stay in one row, as the two-node lab reads best.
 */
function grid(blocks: readonly Block[], gap: number): Block {
  if (blocks.length <= PER_ROW) return row(blocks, gap, 'top');
  // Many boxes get a tighter gap, and as many per row as make the whole about as wide as a screen (16:10).
  const tight = Math.min(gap, GAP * 3);
  const w = blocks.reduce((n, b) => n + b.w, 0) / blocks.length + tight;
  const h = blocks.reduce((n, b) => n + b.h, 0) / blocks.length + tight;
  const perRow = Math.max(PER_ROW, Math.ceil(Math.sqrt((blocks.length * SCREEN_ASPECT * h) / w)));
  gap = tight;
  const rows: Block[] = [];
  for (let i = 0; i < blocks.length; i += perRow) rows.push(row(blocks.slice(i, i + perRow), gap, 'top'));
  return column(rows, gap);
}

/** Rows of at most PER_ROW blocks, so a bridge with forty veths does not run off the screen. */
function wrapped(blocks: readonly Block[]): Block {
  const rows: Block[] = [];
  for (let i = 0; i < blocks.length; i += PER_ROW) rows.push(row(blocks.slice(i, i + PER_ROW), GAP));
  return column(rows, GAP);
}

export function layoutTopology(elements: readonly GraphElement[]): GraphElement[] {
  const nodes = elements.filter((e): e is GraphNode => e.group === 'nodes');
  const children = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    const parent = n.data.parent;
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(n);
    children.set(parent, list);
  }
  const positions = new Map<string, { x: number; y: number }>();

  const blockOf = (n: GraphNode): Block => {
    const kids = children.get(n.data.id) ?? [];
    if (kids.length === 0) {
      return { w: n.data.w, h: n.data.h, place: (x, y) => positions.set(n.data.id, { x: x + n.data.w / 2, y: y + n.data.h / 2 }) };
    }
    const kind = n.data.kind === 'bridge' ? 'bridge' : n.data.kind === 'namespace' ? 'namespace' : n.data.kind === 'service-group' ? 'group' : 'node';
    const of = (pick: (k: GraphNode) => boolean): Block[] => kids.filter(pick).map(blockOf);
    const isBridgeBox = (k: GraphNode): boolean => k.data.kind === 'bridge' && (children.get(k.data.id)?.length ?? 0) > 0;
    const inner =
      kind === 'bridge' || kind === 'group'
        ? wrapped(kids.map(blockOf))
        : column([wrapped(of((k) => k.data.kind !== 'pod' && !isBridgeBox(k))), row(of(isBridgeBox), GAP * 2, 'top'), wrapped(of((k) => k.data.kind === 'pod'))], GAP + 6);
    const pad = BOX_PADDING[kind];
    const top = LABEL_SPACE[kind];
    return {
      w: inner.w + 2 * pad,
      h: inner.h + 2 * pad + top,
      place: (x, y) => inner.place(x + pad, y + top + pad),
    };
  };

  const top = (pick: (n: GraphNode) => boolean): Block[] => nodes.filter((n) => n.data.parent === undefined && pick(n)).map(blockOf);
  const layout = column(
    [
      grid(top((n) => n.data.kind === 'node'), BOX_GAP),
      grid(top((n) => n.data.kind === 'namespace'), BOX_GAP / 2),
      grid(top((n) => n.data.kind === 'overlay'), BOX_GAP / 2),
      grid(top((n) => n.data.kind === 'service' || n.data.kind === 'pod' || n.data.kind === 'service-group'), BOX_GAP / 2),
    ],
    ROW_GAP,
    'center',
  );
  layout.place(0, 0);
  return elements.map((e) => {
    if (e.group !== 'nodes') return e;
    return { ...e, position: positions.get(e.data.id) ?? { x: 0, y: 0 } };
  });
}
