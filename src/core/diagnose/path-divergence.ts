/**
 * Where the captures and the replay of a flow's first packet part ways: a DNAT to another address
 * than any the rules choose, the packet on an interface (or node) the replay does not pass, replies
 * coming back another way than the packets went. Interfaces of one bridge (the bridge and its ports)
 * count as one place: the bridge sees every packet its ports do.
 */
import type { TimelineHop, TupleView } from '../views/flow-timeline';
import type { FlowView } from '../views/flows';
import type { NodeSnapshot, TraceResult } from '../simulate';

export type Divergence =
  | { kind: 'dnat-target'; node: string; captured: TupleView; predicted: TupleView[] }
  | { kind: 'interface'; node: string; interface: string; predicted: string[]; hop: TimelineHop }
  | { kind: 'node'; node: string; hop: TimelineHop };

export type Asymmetry =
  | { kind: 'interface'; node: string; interface: string; expected: string[]; hop: TimelineHop }
  | { kind: 'node'; node: string; hop: TimelineHop };

/** Maps an interface to its place: its bridge when it is a bridge port, else itself. */
export function placeOf(world: ReadonlyMap<string, NodeSnapshot>): (node: string, iface: string) => string {
  let masters = MASTERS.get(world);
  if (masters === undefined) {
    const found = new Map<string, string>();
    for (const n of world.values()) for (const i of n.interfaces ?? []) if (i.master) found.set(`${n.name}|${i.name}`, i.master);
    MASTERS.set(world, (masters = found));
  }
  const known = masters;
  return (node, iface) => known.get(`${node}|${iface}`) ?? iface;
}

/** Bridge ports per world, computed once: every flow of a project asks. */
const MASTERS = new WeakMap<ReadonlyMap<string, NodeSnapshot>, Map<string, string>>();

const endOf = (t: TupleView): string => `${t.dst}|${t.dport ?? ''}`;

/** The interfaces (as places) each node's hops of the replay pass, over every outcome. */
function predictedPlaces(result: TraceResult, place: (node: string, iface: string) => string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const o of result.outcomes) {
    for (const h of o.hops) {
      const set = out.get(h.node) ?? new Set<string>();
      if (h.in) set.add(place(h.node, h.in));
      if (h.out) set.add(place(h.node, h.out));
      out.set(h.node, set);
    }
    if (o.egress) out.get(o.egress.node)?.add(place(o.egress.node, o.egress.interface));
  }
  return out;
}

const known = (iface: string | null): iface is string => iface !== null && iface !== 'any';

/** Differences between the replay of the flow's first packet and what was captured of its original direction. */
export function divergences(flow: Pick<FlowView, 'timeline'>, result: TraceResult, world: ReadonlyMap<string, NodeSnapshot>): Divergence[] {
  const out: Divergence[] = [];
  const place = placeOf(world);
  // DNAT: a captured translation on a node the replay passes, to an address no branch chose there.
  for (const r of flow.timeline.rewrites) {
    if (r.kind !== 'dnat' || r.evidence === 'rules') continue;
    const predicted = result.outcomes.flatMap((o) => o.hops.filter((h) => h.node === r.node).map((h) => h.after));
    if (predicted.length === 0) continue;
    if (!predicted.some((p) => endOf(p) === endOf(r.after))) {
      const unique = [...new Map(predicted.map((p) => [endOf(p), { src: p.src, sport: p.sport, dst: p.dst, dport: p.dport }])).values()];
      out.push({ kind: 'dnat-target', node: r.node, captured: r.after, predicted: unique });
    }
  }
  const places = predictedPlaces(result, place);
  const start = result.input.node;
  const reported = new Set<string>();
  for (const h of flow.timeline.hops) {
    if (h.direction !== 'original' || h.netns !== null) continue;
    const predicted = places.get(h.node);
    if (predicted === undefined) {
      if (h.node !== start && !reported.has(h.node)) {
        reported.add(h.node);
        out.push({ kind: 'node', node: h.node, hop: h });
      }
      continue;
    }
    if (!known(h.interface)) continue;
    const at = place(h.node, h.interface);
    const key = `${h.node}|${at}`;
    if (!predicted.has(at) && !reported.has(key)) {
      reported.add(key);
      out.push({ kind: 'interface', node: h.node, interface: h.interface, predicted: [...predicted].sort(), hop: h });
    }
  }
  return out;
}

/**
 * Replies captured where the original direction never went: on another node, or on an interface of a
 * node other than those the original packets (captured or replayed) used there.
 */
export function asymmetries(flow: Pick<FlowView, 'timeline'>, result: TraceResult | null, world: ReadonlyMap<string, NodeSnapshot>): Asymmetry[] {
  const place = placeOf(world);
  const forward = new Map<string, Set<string>>();
  const add = (node: string, iface: string | null): void => {
    const set = forward.get(node) ?? new Set<string>();
    if (known(iface)) set.add(place(node, iface));
    forward.set(node, set);
  };
  const originals = flow.timeline.hops.filter((h) => h.direction === 'original' && h.netns === null);
  const replies = flow.timeline.hops.filter((h) => h.direction === 'reply' && h.netns === null);
  if (originals.length === 0 || replies.length === 0) return [];
  for (const h of originals) add(h.node, h.interface);
  if (result) for (const [node, set] of predictedPlaces(result, place)) for (const p of set) add(node, p);
  const out: Asymmetry[] = [];
  const reported = new Set<string>();
  for (const h of replies) {
    const went = forward.get(h.node);
    if (went === undefined) {
      if (!reported.has(h.node)) out.push({ kind: 'node', node: h.node, hop: h });
      reported.add(h.node);
      continue;
    }
    if (!known(h.interface) || went.size === 0) continue;
    const at = place(h.node, h.interface);
    const key = `${h.node}|${at}`;
    if (!went.has(at) && !reported.has(key)) {
      reported.add(key);
      out.push({ kind: 'interface', node: h.node, interface: h.interface, expected: [...went].sort(), hop: h });
    }
  }
  return out;
}
