/**
 * Flow stitching: conntrack's two tuples are the bridge between a connection's pre-NAT and post-NAT
 * sightings. Every conntrack entry joins the pair key of its original tuple with that of its reply
 * tuple; entries of several nodes that share a pair key (node A's translated tuple is node B's
 * original) join into one flow. Packets then fall into the flow of their pair key, streaming.
 */
import type { ConntrackEntry } from '../records/records';
import type { FlowLink } from '../views/flows';
import { GrowableFloat64, GrowableInt32 } from '../common/number-map';
import { keyedEchoId, natBetween, reverseTuple, tupleFromConntrack, withoutEchoId, type FlowTuple, type NatKind } from './flow-key';
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
/** In a flow's meta column: it is a root's flow (not merged away). */
const LIVE = 1 << 10;

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
 * A flow of the stitch as read from the stitcher's columns (ends as PairKeys refs, conntrack entries as a list in
 * its link columns): a view made when asked, so a capture of a million connections holds a few numbers per flow,
 * not an object. Views of one flow are equal, not the same object; each reads the flow as it is now.
 */
class FlowView implements StitchedFlowCore {
  constructor(private readonly stitcher: FlowStitcher, readonly provisional: number) {}

  get proto(): number {
    return this.stitcher.protoOf(this.provisional);
  }

  get original(): FlowTuple {
    return this.stitcher.keys.tuple(this.stitcher.originalRefOf(this.provisional));
  }

  get reply(): FlowTuple {
    return this.stitcher.keys.tuple(this.stitcher.replyRefOf(this.provisional));
  }

  get originalPair(): number {
    return this.stitcher.originalRefOf(this.provisional) >>> 1;
  }

  get nat(): NatKind[] {
    return natKinds(this.stitcher.natBitsOf(this.provisional));
  }

  get conntrack(): ConntrackLink[] {
    return this.stitcher.linksOf(this.provisional);
  }

  get hasConntrack(): boolean {
    return this.stitcher.hasConntrack(this.provisional);
  }

  get links(): FlowLink[] {
    return this.stitcher.flowLinksOf(this.provisional);
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
  /**
   * The flows in columns by provisional id (from 1): its ends as PairKeys refs, protocol and NAT bits, whether it is
   * still a root's flow (not merged away), and its first and last conntrack link (index + 1 in the link columns; 0:
   * none). Inferred links, which few flows have, are kept in a map.
   */
  private readonly fOriginal = new GrowableInt32(0);
  private readonly fReply = new GrowableInt32(0);
  /** proto | nat bits << 8 | LIVE. */
  private readonly fMeta = new GrowableInt32(0);
  private readonly fCtHead = new GrowableInt32(0);
  private readonly fCtTail = new GrowableInt32(0);
  private readonly fLinks = new Map<number, FlowLink[]>();
  /** Provisional ids handed out so far. */
  private made = 0;
  private live = 0;
  /** provisional id of a merged-away flow → provisional id of the flow that absorbed it (0: not absorbed). */
  private readonly absorbed = new GrowableInt32(0);
  /** Conntrack links in columns, by index: the entry's ref, node, tuple refs, NAT bits, next link of its flow + 1. */
  private readonly ctRef = new GrowableFloat64(0);
  /** node id << 2 | NAT bits. */
  private readonly ctNodeNat = new GrowableInt32(0);
  private readonly ctOrig = new GrowableInt32(0);
  private readonly ctReply = new GrowableInt32(0);
  private readonly ctNext = new GrowableInt32(0);
  /** The listing time's index in `ctTimes` + 1 (0: unknown): an entry's time is its listing's, shared by many. */
  private readonly ctTime = new GrowableInt32(0);
  private readonly ctTimes: number[] = [];
  private readonly ctTimeIds = new Map<number, number>();
  private ctCount = 0;
  private readonly nodeIds = new Map<string, number>();
  private readonly nodeNames: string[] = [];
  /**
   * icmp: the pair id of an address pair without echo id → the pair ids of conntrack tuples with that pair and an
   * echo id (in the order met). A sighting that does not know the id joins one of them instead of all of them.
   */
  private readonly echoPairs = new Map<number, number[]>();

  addConntrack(sighting: ConntrackSighting): void {
    const { entry } = sighting;
    this.addConntrackTuples(sighting.ref, sighting.node, tupleFromConntrack(entry.protoNumber, entry.original), tupleFromConntrack(entry.protoNumber, entry.reply));
  }

  /** A conntrack entry by its tuples alone (what stitching reads of it; tupleFromConntrack's). */
  addConntrackTuples(ref: number, node: string, orig: FlowTuple, reply: FlowTuple, time: number | null = null): void {
    const origRef = this.keys.ref(orig);
    const replyRef = this.keys.ref(reply);
    this.noteEchoPair(orig, origRef);
    this.noteEchoPair(reply, replyRef);
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
    this.ctNodeNat.set(i, (nodeId << 2) | natBits(natBetween(orig, reply)));
    this.ctOrig.set(i, origRef);
    this.ctReply.set(i, replyRef);
    this.ctTime.set(i, this.timeId(time));
    this.ctNext.set(i, 0);
    const tail = this.fCtTail.get(flow);
    if (tail === 0) this.fCtHead.set(flow, i + 1);
    else this.ctNext.set(tail - 1, i + 1);
    this.fCtTail.set(flow, i + 1);
    this.refreshEnds(flow);
  }

  private noteEchoPair(t: FlowTuple, ref: number): void {
    if (keyedEchoId(t) === null) return;
    const anyId = this.keys.ref(withoutEchoId(t)) >>> 1;
    let pairs = this.echoPairs.get(anyId);
    if (pairs === undefined) this.echoPairs.set(anyId, (pairs = []));
    if (!pairs.includes(ref >>> 1)) pairs.push(ref >>> 1);
  }

  /**
   * Of the echo-id connections on an id-less icmp pair, the one a sighting at `time` belongs to: the first listed
   * at or after it (an entry listed lives from before its listing), else the last listed before it; with no time
   * known, the first met.
   */
  private echoConnection(pairs: readonly number[], time: number | null): number {
    if (time === null || pairs.length === 1) return pairs[0]!;
    let after: { pair: number; time: number } | null = null;
    let before: { pair: number; time: number } | null = null;
    for (const pair of pairs) {
      const flow = this.flowOfRoot.get(this.forest.find(pair));
      for (const link of this.isLive(flow) ? this.linksOf(flow) : []) {
        if (link.time === null) continue;
        if (link.time >= time) {
          if (after === null || link.time < after.time) after = { pair, time: link.time };
        } else if (before === null || link.time > before.time) before = { pair, time: link.time };
      }
    }
    return after?.pair ?? before?.pair ?? pairs[0]!;
  }

  private timeId(time: number | null): number {
    if (time === null || Number.isNaN(time)) return 0;
    let id = this.ctTimeIds.get(time);
    if (id === undefined) {
      this.ctTimes.push(time);
      this.ctTimeIds.set(time, (id = this.ctTimes.length));
    }
    return id;
  }

  /** A flow's conntrack links, in the order they joined. */
  linksOf(flow: number): ConntrackLink[] {
    const out: ConntrackLink[] = [];
    for (let at = this.fCtHead.get(flow); at !== 0; at = this.ctNext.get(at - 1)) {
      const i = at - 1;
      const orig = this.ctOrig.get(i);
      out.push({
        ref: this.ctRef.get(i), node: this.nodeNames[this.ctNodeNat.get(i) >>> 2]!, orig, reply: this.ctReply.get(i),
        proto: this.keys.protoOf(orig), nat: this.ctNodeNat.get(i) & 3, time: this.ctTime.get(i) === 0 ? null : this.ctTimes[this.ctTime.get(i) - 1]!,
      });
    }
    return out;
  }

  /** The flow a packet tuple belongs to (creating a packet-only flow for an unseen pair). */
  flowOf(tuple: FlowTuple): StitchedFlowCore {
    return new FlowView(this, this.flowIdOf(tuple));
  }

  /** The flow of a tuple already interned (a PairKeys ref), creating a packet-only flow as flowOf does. */
  flowOfRef(ref: number): StitchedFlowCore {
    return new FlowView(this, this.flowIdOfRef(ref));
  }

  /** flowOf's provisional id, with no view made. */
  flowIdOf(tuple: FlowTuple): number {
    return this.flowIdOfRef(this.keys.ref(tuple));
  }

  /**
   * flowOfRef's provisional id, with no view made. `time` (seconds, the sighting's clock) picks which of several
   * icmp echo connections of its addresses an id-less icmp sighting meets, the first time its pair is placed.
   */
  flowIdOfRef(ref: number, time: number | null = null): number {
    return this.flowForKey(ref >>> 1, ref, time);
  }

  /** The flow with this provisional id (as it is now). */
  flow(provisional: number): StitchedFlowCore {
    return new FlowView(this, provisional);
  }

  protoOf(flow: number): number {
    return this.fMeta.get(flow) & 0xff;
  }

  natBitsOf(flow: number): number {
    return (this.fMeta.get(flow) >>> 8) & 3;
  }

  originalRefOf(flow: number): number {
    return this.fOriginal.get(flow);
  }

  replyRefOf(flow: number): number {
    return this.fReply.get(flow);
  }

  hasConntrack(flow: number): boolean {
    return this.fCtHead.get(flow) !== 0;
  }

  flowLinksOf(flow: number): FlowLink[] {
    return this.fLinks.get(flow) ?? [];
  }

  private isLive(flow: number): boolean {
    return flow !== 0 && (this.fMeta.get(flow) & LIVE) !== 0;
  }

  private setEnds(flow: number, originalRef: number, replyRef: number, nat: number): void {
    this.fOriginal.set(flow, originalRef);
    this.fReply.set(flow, replyRef);
    this.fMeta.set(flow, this.keys.protoOf(originalRef) | (nat << 8) | (this.fMeta.get(flow) & LIVE));
  }

  private addLink(flow: number, link: FlowLink): void {
    let list = this.fLinks.get(flow);
    if (list === undefined) this.fLinks.set(flow, (list = []));
    list.push(link);
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
    const flow = this.flowOfRoot.get(this.forest.find(ra >>> 1));
    if (this.isLive(flow) && !this.hasConntrack(flow)) {
      // No conntrack tuple says what the kernel did: the predicted downstream tuple stands in for it.
      const original = ends?.original ?? a;
      const reply = ends?.reply ?? reverseTuple(b);
      // Kept as before: the protocol is the flow's first tuple's, not the predicted one's.
      const proto = this.protoOf(flow);
      this.setEnds(flow, this.keys.ref(original), this.keys.ref(reply), natBits(natBetween(original, reply)));
      this.fMeta.set(flow, (this.fMeta.get(flow) & ~0xff) | proto);
    }
  }

  /** The current flow of a provisional id after merges (a merged-away flow resolves to its survivor). */
  resolve(flow: StitchedFlowCore): StitchedFlowCore {
    const id = this.resolveId(flow.provisional);
    return id === flow.provisional ? flow : new FlowView(this, id);
  }

  /** resolve's provisional id. */
  resolveId(provisional: number): number {
    const survivor = this.flowOfRoot.get(this.forest.find(this.fOriginal.get(provisional) >>> 1));
    return this.isLive(survivor) ? survivor : provisional;
  }

  /** Every flow, in provisional id order. */
  flows(): StitchedFlowCore[] {
    const out: StitchedFlowCore[] = [];
    for (let p = 1; p <= this.made; p++) if (this.isLive(p)) out.push(new FlowView(this, p));
    return out;
  }

  /** Every flow's provisional id, in order. */
  flowIds(): Int32Array {
    const out = new Int32Array(this.live);
    let k = 0;
    for (let p = 1; p <= this.made; p++) if (this.isLive(p)) out[k++] = p;
    return out;
  }

  /** How many flows there are (after merges). */
  get count(): number {
    return this.live;
  }

  private flowForKey(key: number, tupleRef: number, time: number | null = null): number {
    let root = this.forest.find(key);
    let flow = this.flowOfRoot.get(root);
    const echo = this.isLive(flow) ? undefined : this.echoPairs.get(key);
    if (echo !== undefined && root === key) {
      // An icmp sighting without echo id, on addresses conntrack saw with ids: it meets one of those connections.
      this.mergeRoots(this.echoConnection(echo, time), key, null);
      root = this.forest.find(key);
      flow = this.flowOfRoot.get(root);
    }
    if (!this.isLive(flow)) {
      flow = ++this.made;
      this.fOriginal.set(flow, tupleRef);
      this.fReply.set(flow, tupleRef ^ 1);
      this.fMeta.set(flow, this.keys.protoOf(tupleRef) | LIVE);
      this.live++;
      this.flowOfRoot.set(root, flow);
    }
    return flow;
  }

  private mergeRoots(a: number, b: number, link: FlowLink | null): void {
    const joined = this.forest.union(a, b);
    if (!joined) return;
    const [survivor, absorbed] = joined;
    const kept = this.flowOfRoot.get(survivor);
    const gone = this.flowOfRoot.get(absorbed);
    if (this.isLive(gone)) {
      this.flowOfRoot.set(absorbed, 0);
      if (this.isLive(kept)) {
        this.fMeta.set(gone, this.fMeta.get(gone) & ~LIVE);
        this.live--;
        const goneHead = this.fCtHead.get(gone);
        if (goneHead !== 0) {
          const keptTail = this.fCtTail.get(kept);
          if (keptTail === 0) this.fCtHead.set(kept, goneHead);
          else this.ctNext.set(keptTail - 1, goneHead);
          this.fCtTail.set(kept, this.fCtTail.get(gone));
        }
        for (const l of this.flowLinksOf(gone)) this.addLink(kept, l);
        if (link) this.addLink(kept, link);
        this.absorbed.set(gone, kept);
        this.refreshEnds(kept);
      } else {
        this.flowOfRoot.set(survivor, gone);
        if (link) this.addLink(gone, link);
      }
    } else if (this.isLive(kept) && link) {
      this.addLink(kept, link);
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
  private refreshEnds(flow: number): void {
    const head = this.fCtHead.get(flow);
    if (head === 0) return;
    const links: number[] = [];
    for (let at = head; at !== 0; at = this.ctNext.get(at - 1)) links.push(at - 1);
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
    let nat = 0;
    for (const i of links) nat |= this.ctNodeNat.get(i) & 3;
    this.setEnds(flow, ctOrig.get(first), ctReply.get(last), nat);
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
