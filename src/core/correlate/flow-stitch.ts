/**
 * Flow stitching: conntrack's two tuples are the bridge between a connection's pre-NAT and post-NAT
 * sightings. Every conntrack entry joins the pair key of its original tuple with that of its reply
 * tuple; entries of several nodes that share a pair key (node A's translated tuple is node B's
 * original) join into one flow. Packets then fall into the flow of their pair key, streaming.
 */
import type { ConntrackEntry } from '../records/records';
import type { FlowLink } from '../views/flows';
import { natBetween, natOf, pairKey, reverseTuple, tupleFromConntrack, type FlowTuple, type NatKind } from './flow-key';

export interface ConntrackSighting {
  /** The caller's id of this entry (a store row id). */
  ref: number;
  node: string;
  entry: ConntrackEntry;
}

export type { FlowLink };

export interface StitchedFlowCore {
  /** Provisional id; `finish()` maps it to the final, time-ordered id. */
  provisional: number;
  proto: number;
  original: FlowTuple;
  reply: FlowTuple;
  nat: NatKind[];
  conntrack: ConntrackSighting[];
  links: FlowLink[];
}

class KeyForest {
  private readonly parent = new Map<string, string>();

  find(key: string): string {
    let root = this.parent.get(key);
    if (root === undefined) {
      this.parent.set(key, key);
      return key;
    }
    if (root === key) return key;
    let r = root;
    for (let next = this.parent.get(r)!; next !== r; next = this.parent.get(r)!) r = next;
    // Path compression keeps later finds O(1) on the hot packet path.
    let k = key;
    while (root !== r) {
      this.parent.set(k, r);
      k = root!;
      root = this.parent.get(k);
    }
    return r;
  }

  /** Joins two keys; returns [surviving root, absorbed root] or null when already joined. */
  union(a: string, b: string): [string, string] | null {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return null;
    this.parent.set(rb, ra);
    return [ra, rb];
  }
}

export class FlowStitcher {
  private readonly forest = new KeyForest();
  private readonly flowsByRoot = new Map<string, StitchedFlowCore>();
  private nextProvisional = 1;

  addConntrack(sighting: ConntrackSighting): void {
    const { entry } = sighting;
    const orig = tupleFromConntrack(entry.protoNumber, entry.original);
    const reply = tupleFromConntrack(entry.protoNumber, entry.reply);
    const a = pairKey(orig).key;
    const b = pairKey(reply).key;
    this.mergeRoots(a, b, null);
    const flow = this.flowForKey(a, orig);
    flow.conntrack.push(sighting);
    this.refreshEnds(flow);
  }

  /** The flow a packet tuple belongs to (creating a packet-only flow for an unseen pair). */
  flowOf(tuple: FlowTuple): StitchedFlowCore {
    return this.flowForKey(pairKey(tuple).key, tuple);
  }

  /** Ties two tuples into one flow on the simulator's word (no conntrack entry proves it). */
  linkInferred(a: FlowTuple, b: FlowTuple, reason: string, ends?: { original: FlowTuple; reply: FlowTuple }): void {
    // Both sides need a flow for the link to be recorded on the survivor.
    this.flowForKey(pairKey(a).key, a);
    this.flowForKey(pairKey(b).key, b);
    this.mergeRoots(pairKey(a).key, pairKey(b).key, { evidence: 'inferred', reason });
    // Ends worked out by the caller join the same root, so the flow resolves through them too.
    if (ends) this.mergeRoots(pairKey(a).key, pairKey(ends.original).key, null);
    const flow = this.flowsByRoot.get(this.forest.find(pairKey(a).key));
    if (flow && flow.conntrack.length === 0) {
      // No conntrack tuple says what the kernel did: the predicted downstream tuple stands in for it.
      flow.original = ends?.original ?? a;
      flow.reply = ends?.reply ?? reverseTuple(b);
      flow.nat = natBetween(flow.original, flow.reply);
    }
  }

  /** The current flow of a provisional id after merges (a merged-away flow resolves to its survivor). */
  resolve(flow: StitchedFlowCore): StitchedFlowCore {
    return this.flowsByRoot.get(this.forest.find(pairKey(flow.original).key)) ?? flow;
  }

  flows(): StitchedFlowCore[] {
    return [...this.flowsByRoot.values()];
  }

  private flowForKey(key: string, tuple: FlowTuple): StitchedFlowCore {
    const root = this.forest.find(key);
    let flow = this.flowsByRoot.get(root);
    if (!flow) {
      flow = {
        provisional: this.nextProvisional++,
        proto: tuple.proto,
        original: tuple,
        reply: reverseTuple(tuple),
        nat: [],
        conntrack: [],
        links: [],
      };
      this.flowsByRoot.set(root, flow);
    }
    return flow;
  }

  private mergeRoots(a: string, b: string, link: FlowLink | null): void {
    const joined = this.forest.union(a, b);
    if (!joined) return;
    const [survivor, absorbed] = joined;
    const kept = this.flowsByRoot.get(survivor);
    const gone = this.flowsByRoot.get(absorbed);
    if (gone) {
      this.flowsByRoot.delete(absorbed);
      if (kept) {
        kept.conntrack.push(...gone.conntrack);
        kept.links.push(...gone.links);
        if (link) kept.links.push(link);
        this.absorbed.set(gone.provisional, kept.provisional);
        this.refreshEnds(kept);
      } else {
        this.flowsByRoot.set(survivor, gone);
        if (link) gone.links.push(link);
      }
    } else if (kept && link) {
      kept.links.push(link);
    }
  }

  /** provisional id of a merged-away flow → provisional id of the flow that absorbed it. */
  readonly absorbed = new Map<number, number>();

  /** Final provisional id for any provisional id handed out so far. */
  survivorOf(provisional: number): number {
    let p = provisional;
    for (let next = this.absorbed.get(p); next !== undefined; next = this.absorbed.get(p)) p = next;
    return p;
  }

  /**
   * The flow's ends: the client's original tuple is the original of the entry that no other entry's
   * translation feeds (the first hop); the reply is the reply of the entry that feeds no other (the last hop).
   */
  private refreshEnds(flow: StitchedFlowCore): void {
    if (flow.conntrack.length === 0) return;
    const keys = flow.conntrack.map(({ entry }) => ({
      entry,
      orig: pairKey(tupleFromConntrack(entry.protoNumber, entry.original)).key,
      reply: pairKey(tupleFromConntrack(entry.protoNumber, entry.reply)).key,
    }));
    const origCount = countBy(keys.map((k) => k.orig));
    const replyCount = countBy(keys.map((k) => k.reply));
    const othersHave = (counts: Map<string, number>, key: string, own: boolean): boolean =>
      (counts.get(key) ?? 0) > (own ? 1 : 0);
    const first = keys.find((k) => !othersHave(replyCount, k.orig, k.orig === k.reply)) ?? keys[0]!;
    const last = [...keys].reverse().find((k) => !othersHave(origCount, k.reply, k.orig === k.reply)) ?? first;
    flow.proto = first.entry.protoNumber;
    flow.original = tupleFromConntrack(first.entry.protoNumber, first.entry.original);
    flow.reply = tupleFromConntrack(last.entry.protoNumber, last.entry.reply);
    const nat = new Set<NatKind>();
    for (const { entry } of keys) for (const k of natOf(entry)) nat.add(k);
    flow.nat = (['dnat', 'snat'] as const).filter((k) => nat.has(k));
  }
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}
