/**
 * Flow stitching: conntrack's two tuples are the bridge between a connection's pre-NAT and post-NAT
 * sightings. Every conntrack entry joins the pair key of its original tuple with that of its reply
 * tuple; entries of several nodes that share a pair key (node A's translated tuple is node B's
 * original) join into one flow. Packets then fall into the flow of their pair key, streaming.
 */
import type { ConntrackEntry } from '../records/records';
import type { FlowLink } from '../views/flows';
import { GrowableFloat64, GrowableInt32 } from '../common/number-map';
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
  /** When its listing was taken (seconds, the node's clock), if known. */
  time: number | null;
}

const NAT_DNAT = 1;
const NAT_SNAT = 2;

export type { FlowLink };

export interface StitchedFlowCore {
  /** Provisional id; `finish()` maps it to the final, time-ordered id. */
  readonly provisional: number;
  readonly proto: number;
  /** Made when read (equal each time, not the same object). */
  readonly original: FlowTuple;
  readonly reply: FlowTuple;
  /** The pair id of `original` (how a flow finds its root again). */
  readonly originalPair: number;
  readonly nat: NatKind[];
  /** Made when read, in the order the entries joined. */
  readonly conntrack: ConntrackLink[];
  readonly links: FlowLink[];
  /** Whether any conntrack entry joined it (without making the list). */
  readonly hasConntrack: boolean;
}

/**
 * A flow of the stitch: a few numbers (its ends as PairKeys refs, its conntrack entries as a list in the
 * stitcher's columns), so a capture of a million connections holds a small object per flow, not its tuples and
 * an object per entry.
 */
class FlowCore implements StitchedFlowCore {
  proto: number;
  originalRef: number;
  replyRef: number;
  natBits = 0;
  /** First and last conntrack link (index + 1 in the stitcher's columns; 0: none). */
  ctHead = 0;
  ctTail = 0;
  linkList: FlowLink[] | null = null;

  constructor(private readonly stitcher: FlowStitcher, readonly provisional: number, tupleRef: number) {
    this.proto = stitcher.keys.protoOf(tupleRef);
    this.originalRef = tupleRef;
    this.replyRef = tupleRef ^ 1;
  }

  get original(): FlowTuple {
    return this.stitcher.keys.tuple(this.originalRef);
  }

  get reply(): FlowTuple {
    return this.stitcher.keys.tuple(this.replyRef);
  }

  get originalPair(): number {
    return this.originalRef >>> 1;
  }

  get nat(): NatKind[] {
    return natKinds(this.natBits);
  }

  get conntrack(): ConntrackLink[] {
    return this.stitcher.linksOf(this);
  }

  get hasConntrack(): boolean {
    return this.ctHead !== 0;
  }

  get links(): FlowLink[] {
    return this.linkList ?? [];
  }

  addLink(link: FlowLink): void {
    (this.linkList ??= []).push(link);
  }
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
  private readonly cores: Array<FlowCore | undefined> = [undefined];
  private live = 0;
  /** provisional id of a merged-away flow → provisional id of the flow that absorbed it (0: not absorbed). */
  private readonly absorbed = new GrowableInt32(0);
  /** Conntrack links in columns, by index: the entry's ref, node, tuple refs, NAT bits, next link of its flow + 1. */
  private readonly ctRef = new GrowableFloat64(0);
  private readonly ctNode = new GrowableInt32(0);
  private readonly ctOrig = new GrowableInt32(0);
  private readonly ctReply = new GrowableInt32(0);
  private readonly ctNat = new GrowableInt32(0);
  private readonly ctNext = new GrowableInt32(0);
  private readonly ctTime = new GrowableFloat64(NaN);
  private ctCount = 0;
  private readonly nodeIds = new Map<string, number>();
  private readonly nodeNames: string[] = [];

  addConntrack(sighting: ConntrackSighting): void {
    const { entry } = sighting;
    this.addConntrackTuples(sighting.ref, sighting.node, tupleFromConntrack(entry.protoNumber, entry.original), tupleFromConntrack(entry.protoNumber, entry.reply));
  }

  /** A conntrack entry by its tuples alone (what stitching reads of it; tupleFromConntrack's). */
  addConntrackTuples(ref: number, node: string, orig: FlowTuple, reply: FlowTuple, time: number | null = null): void {
    const origRef = this.keys.ref(orig);
    const replyRef = this.keys.ref(reply);
    const a = origRef >>> 1;
    this.mergeRoots(a, replyRef >>> 1, null);
    const flow = this.flowForKey(a, origRef);
    let nodeId = this.nodeIds.get(node);
    if (nodeId === undefined) {
      nodeId = this.nodeNames.length;
      this.nodeNames.push(node);
      this.nodeIds.set(node, nodeId);
    }
    const i = this.ctCount++;
    this.ctRef.set(i, ref);
    this.ctNode.set(i, nodeId);
    this.ctOrig.set(i, origRef);
    this.ctReply.set(i, replyRef);
    this.ctNat.set(i, natBits(natBetween(orig, reply)));
    this.ctTime.set(i, time ?? NaN);
    this.ctNext.set(i, 0);
    if (flow.ctTail === 0) flow.ctHead = i + 1;
    else this.ctNext.set(flow.ctTail - 1, i + 1);
    flow.ctTail = i + 1;
    this.refreshEnds(flow);
  }

  /** A flow's conntrack links, in the order they joined. */
  linksOf(flow: FlowCore): ConntrackLink[] {
    const out: ConntrackLink[] = [];
    for (let at = flow.ctHead; at !== 0; at = this.ctNext.get(at - 1)) {
      const i = at - 1;
      const orig = this.ctOrig.get(i);
      out.push({
        ref: this.ctRef.get(i), node: this.nodeNames[this.ctNode.get(i)]!, orig, reply: this.ctReply.get(i),
        proto: this.keys.protoOf(orig), nat: this.ctNat.get(i), time: Number.isNaN(this.ctTime.get(i)) ? null : this.ctTime.get(i),
      });
    }
    return out;
  }

  /** The flow a packet tuple belongs to (creating a packet-only flow for an unseen pair). */
  flowOf(tuple: FlowTuple): StitchedFlowCore {
    const ref = this.keys.ref(tuple);
    return this.flowForKey(ref >>> 1, ref);
  }

  /** The flow of a tuple already interned (a PairKeys ref), creating a packet-only flow as flowOf does. */
  flowOfRef(ref: number): StitchedFlowCore {
    return this.flowForKey(ref >>> 1, ref);
  }

  /** Ties two tuples into one flow on the simulator's word (no conntrack entry proves it). */
  linkInferred(a: FlowTuple, b: FlowTuple, reason: string, ends?: { original: FlowTuple; reply: FlowTuple }): void {
    const ra = this.keys.ref(a);
    const rb = this.keys.ref(b);
    // Both sides need a flow for the link to be recorded on the survivor.
    this.flowForKey(ra >>> 1, ra);
    this.flowForKey(rb >>> 1, rb);
    this.mergeRoots(ra >>> 1, rb >>> 1, { evidence: 'inferred', reason });
    // Ends worked out by the caller join the same root, so the flow resolves through them too.
    if (ends) this.mergeRoots(ra >>> 1, this.keys.ref(ends.original) >>> 1, null);
    const flow = this.cores[this.flowOfRoot.get(this.forest.find(ra >>> 1))];
    if (flow && flow.ctHead === 0) {
      // No conntrack tuple says what the kernel did: the predicted downstream tuple stands in for it.
      const original = ends?.original ?? a;
      const reply = ends?.reply ?? reverseTuple(b);
      flow.originalRef = this.keys.ref(original);
      flow.replyRef = this.keys.ref(reply);
      flow.natBits = natBits(natBetween(original, reply));
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

  private flowForKey(key: number, tupleRef: number): FlowCore {
    const root = this.forest.find(key);
    let flow = this.cores[this.flowOfRoot.get(root)];
    if (!flow) {
      flow = new FlowCore(this, this.cores.length, tupleRef);
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
        if (gone.ctHead !== 0) {
          if (kept.ctTail === 0) kept.ctHead = gone.ctHead;
          else this.ctNext.set(kept.ctTail - 1, gone.ctHead);
          kept.ctTail = gone.ctTail;
        }
        for (const l of gone.links) kept.addLink(l);
        if (link) kept.addLink(link);
        this.absorbed.set(gone.provisional, kept.provisional);
        this.refreshEnds(kept);
      } else {
        this.flowOfRoot.set(survivor, gone.provisional);
        if (link) gone.addLink(link);
      }
    } else if (kept && link) {
      kept.addLink(link);
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
  private refreshEnds(flow: FlowCore): void {
    if (flow.ctHead === 0) return;
    const links: number[] = [];
    for (let at = flow.ctHead; at !== 0; at = this.ctNext.get(at - 1)) links.push(at - 1);
    const { ctOrig, ctReply } = this;
    // How many entries have each pair as their original (reply) tuple's: few entries per flow, so a scan.
    const count = (pair: number, side: GrowableInt32): number => {
      let n = 0;
      for (const i of links) if (side.get(i) >>> 1 === pair) n++;
      return n;
    };
    const othersHave = (side: GrowableInt32, pair: number, own: boolean): boolean => count(pair, side) > (own ? 1 : 0);
    const ownPair = (i: number): boolean => ctOrig.get(i) >>> 1 === ctReply.get(i) >>> 1;
    let first = links[0]!;
    for (const i of links) {
      if (!othersHave(ctReply, ctOrig.get(i) >>> 1, ownPair(i))) {
        first = i;
        break;
      }
    }
    let last = first;
    for (let k = links.length - 1; k >= 0; k--) {
      const i = links[k]!;
      if (!othersHave(ctOrig, ctReply.get(i) >>> 1, ownPair(i))) {
        last = i;
        break;
      }
    }
    flow.originalRef = ctOrig.get(first);
    flow.proto = this.keys.protoOf(flow.originalRef);
    flow.replyRef = ctReply.get(last);
    let nat = 0;
    for (const i of links) nat |= this.ctNat.get(i);
    flow.natBits = nat;
  }
}

function natBits(kinds: readonly NatKind[]): number {
  let bits = 0;
  for (const k of kinds) bits |= k === 'dnat' ? NAT_DNAT : NAT_SNAT;
  return bits;
}

function natKinds(bits: number): NatKind[] {
  const out: NatKind[] = [];
  if ((bits & NAT_DNAT) !== 0) out.push('dnat');
  if ((bits & NAT_SNAT) !== 0) out.push('snat');
  return out;
}
