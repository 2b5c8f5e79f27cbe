/**
 * Flow stitching: conntrack's two tuples are the bridge between a connection's pre-NAT and post-NAT
 * sightings. Every conntrack entry joins the pair key of its original tuple with that of its reply
 * tuple; entries of several nodes that share a pair key (node A's translated tuple is node B's
 * original) join into one flow. Packets then fall into the flow of their pair key, streaming.
 */
import type { ConntrackEntry } from '../records/records';
import type { FlowLink } from '../views/flows';
import { GrowableInt32 } from '../common/number-map';
import { natBetween, reverseTuple, tupleFromConntrack, type FlowTuple, type NatKind } from './flow-key';
import { PairKeys } from './pair-keys';

export interface ConntrackSighting {
  /** The caller's id of this entry (a store row id). */
  ref: number;
  node: string;
  entry: ConntrackEntry;
}

/** What a flow keeps of a conntrack entry: its id, node and tuples as pair-key refs (the entry is read again by id). */
export interface ConntrackLink {
  ref: number;
  node: string;
  /** PairKeys refs of the entry's original and reply tuples. */
  orig: number;
  reply: number;
  proto: number;
  /** NAT_DNAT | NAT_SNAT: what the entry's tuples say the kernel rewrote. */
  nat: number;
}

const NAT_DNAT = 1;
const NAT_SNAT = 2;

export type { FlowLink };

export interface StitchedFlowCore {
  /** Provisional id; `finish()` maps it to the final, time-ordered id. */
  provisional: number;
  proto: number;
  original: FlowTuple;
  reply: FlowTuple;
  /** The pair id of `original` (how a flow finds its root again). */
  originalPair: number;
  nat: NatKind[];
  conntrack: ConntrackLink[];
  links: FlowLink[];
}

/**
 * Union-find over pair ids (PairKeys), parent 0 meaning "its own root". A union makes the first key's root the
 * survivor: which flow absorbs which depends on it.
 */
class KeyForest {
  private readonly parent = new GrowableInt32(0);

  find(key: number): number {
    let r = key;
    for (let next = this.parent.get(r); next !== 0; next = this.parent.get(r)) r = next;
    // Path compression keeps later finds O(1) on the hot packet path.
    let k = key;
    while (k !== r) {
      const next = this.parent.get(k);
      this.parent.set(k, r);
      k = next;
    }
    return r;
  }

  /** Joins two keys; returns [surviving root, absorbed root] or null when already joined. */
  union(a: number, b: number): [number, number] | null {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return null;
    this.parent.set(rb, ra);
    return [ra, rb];
  }
}

export class FlowStitcher {
  /** Every tuple the stitch has met, as numbers. */
  readonly keys = new PairKeys();
  private readonly forest = new KeyForest();
  /** Root pair id → provisional id of its flow (0: none). */
  private readonly flowOfRoot = new GrowableInt32(0);
  /** Provisional id → its flow while it is a root's flow. */
  private readonly cores: Array<StitchedFlowCore | undefined> = [undefined];
  private live = 0;
  /** provisional id of a merged-away flow → provisional id of the flow that absorbed it (0: not absorbed). */
  private readonly absorbed = new GrowableInt32(0);

  addConntrack(sighting: ConntrackSighting): void {
    const { entry } = sighting;
    this.addConntrackTuples(sighting.ref, sighting.node, tupleFromConntrack(entry.protoNumber, entry.original), tupleFromConntrack(entry.protoNumber, entry.reply));
  }

  /** A conntrack entry by its tuples alone (what stitching reads of it; tupleFromConntrack's). */
  addConntrackTuples(ref: number, node: string, orig: FlowTuple, reply: FlowTuple): void {
    const origRef = this.keys.ref(orig);
    const replyRef = this.keys.ref(reply);
    const a = origRef >>> 1;
    this.mergeRoots(a, replyRef >>> 1, null);
    const flow = this.flowForKey(a, orig);
    let nat = 0;
    for (const k of natBetween(orig, reply)) nat |= k === 'dnat' ? NAT_DNAT : NAT_SNAT;
    flow.conntrack.push({ ref, node, orig: origRef, reply: replyRef, proto: orig.proto, nat });
    this.refreshEnds(flow);
  }

  /** The flow a packet tuple belongs to (creating a packet-only flow for an unseen pair). */
  flowOf(tuple: FlowTuple): StitchedFlowCore {
    return this.flowForKey(this.keys.ref(tuple) >>> 1, tuple);
  }

  /** The flow of a tuple already interned (a PairKeys ref), creating a packet-only flow as flowOf does. */
  flowOfRef(ref: number): StitchedFlowCore {
    const flow = this.cores[this.flowOfRoot.get(this.forest.find(ref >>> 1))];
    return flow ?? this.flowForKey(ref >>> 1, this.keys.tuple(ref));
  }

  /** Ties two tuples into one flow on the simulator's word (no conntrack entry proves it). */
  linkInferred(a: FlowTuple, b: FlowTuple, reason: string, ends?: { original: FlowTuple; reply: FlowTuple }): void {
    const ka = this.keys.ref(a) >>> 1;
    const kb = this.keys.ref(b) >>> 1;
    // Both sides need a flow for the link to be recorded on the survivor.
    this.flowForKey(ka, a);
    this.flowForKey(kb, b);
    this.mergeRoots(ka, kb, { evidence: 'inferred', reason });
    // Ends worked out by the caller join the same root, so the flow resolves through them too.
    if (ends) this.mergeRoots(ka, this.keys.ref(ends.original) >>> 1, null);
    const flow = this.cores[this.flowOfRoot.get(this.forest.find(ka))];
    if (flow && flow.conntrack.length === 0) {
      // No conntrack tuple says what the kernel did: the predicted downstream tuple stands in for it.
      flow.original = ends?.original ?? a;
      flow.originalPair = this.keys.ref(flow.original) >>> 1;
      flow.reply = ends?.reply ?? reverseTuple(b);
      flow.nat = natBetween(flow.original, flow.reply);
    }
  }

  /** The current flow of a provisional id after merges (a merged-away flow resolves to its survivor). */
  resolve(flow: StitchedFlowCore): StitchedFlowCore {
    return this.cores[this.flowOfRoot.get(this.forest.find(flow.originalPair))] ?? flow;
  }

  /** Every flow, in provisional id order. */
  flows(): StitchedFlowCore[] {
    const out: StitchedFlowCore[] = [];
    for (const c of this.cores) if (c !== undefined) out.push(c);
    return out;
  }

  /** How many flows there are (after merges). */
  get count(): number {
    return this.live;
  }

  private flowForKey(key: number, tuple: FlowTuple): StitchedFlowCore {
    const root = this.forest.find(key);
    let flow = this.cores[this.flowOfRoot.get(root)];
    if (!flow) {
      flow = {
        provisional: this.cores.length,
        proto: tuple.proto,
        original: tuple,
        reply: reverseTuple(tuple),
        originalPair: key,
        nat: [],
        conntrack: [],
        links: [],
      };
      this.cores.push(flow);
      this.live++;
      this.flowOfRoot.set(root, flow.provisional);
    }
    return flow;
  }

  private mergeRoots(a: number, b: number, link: FlowLink | null): void {
    const joined = this.forest.union(a, b);
    if (!joined) return;
    const [survivor, absorbed] = joined;
    const kept = this.cores[this.flowOfRoot.get(survivor)];
    const gone = this.cores[this.flowOfRoot.get(absorbed)];
    if (gone) {
      this.flowOfRoot.set(absorbed, 0);
      if (kept) {
        this.cores[gone.provisional] = undefined;
        this.live--;
        for (const c of gone.conntrack) kept.conntrack.push(c);
        for (const l of gone.links) kept.links.push(l);
        if (link) kept.links.push(link);
        this.absorbed.set(gone.provisional, kept.provisional);
        this.refreshEnds(kept);
      } else {
        this.flowOfRoot.set(survivor, gone.provisional);
        if (link) gone.links.push(link);
      }
    } else if (kept && link) {
      kept.links.push(link);
    }
  }

  /** Final provisional id for any provisional id handed out so far. */
  survivorOf(provisional: number): number {
    let p = provisional;
    for (let next = this.absorbed.get(p); next !== 0; next = this.absorbed.get(p)) p = next;
    return p;
  }

  /**
   * The flow's ends: the client's original tuple is the original of the entry that no other entry's
   * translation feeds (the first hop); the reply is the reply of the entry that feeds no other (the last hop).
   */
  private refreshEnds(flow: StitchedFlowCore): void {
    const links = flow.conntrack;
    if (links.length === 0) return;
    // How many entries have each pair as their original (reply) tuple's: few entries per flow, so a scan.
    const count = (pair: number, side: 'orig' | 'reply'): number => {
      let n = 0;
      for (const l of links) if (l[side] >>> 1 === pair) n++;
      return n;
    };
    const othersHave = (side: 'orig' | 'reply', pair: number, own: boolean): boolean => count(pair, side) > (own ? 1 : 0);
    const ownPair = (l: ConntrackLink): boolean => l.orig >>> 1 === l.reply >>> 1;
    let first = links[0]!;
    for (const l of links) {
      if (!othersHave('reply', l.orig >>> 1, ownPair(l))) {
        first = l;
        break;
      }
    }
    let last = first;
    for (let i = links.length - 1; i >= 0; i--) {
      const l = links[i]!;
      if (!othersHave('orig', l.reply >>> 1, ownPair(l))) {
        last = l;
        break;
      }
    }
    flow.proto = first.proto;
    flow.original = this.keys.tuple(first.orig);
    flow.originalPair = first.orig >>> 1;
    flow.reply = this.keys.tuple(last.reply);
    let nat = 0;
    for (const l of links) nat |= l.nat;
    flow.nat = [...((nat & NAT_DNAT) !== 0 ? ['dnat' as const] : []), ...((nat & NAT_SNAT) !== 0 ? ['snat' as const] : [])];
  }
}
