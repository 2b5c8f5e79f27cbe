/**
 * Flows the kernel's trace alone shows: a traced packet's walk (diagnose/kernel-walks.ts) whose tuples no conntrack
 * entry and no captured packet carry is a connection stitching would not otherwise know. Its original tuple is the
 * walk's first addressed line (before NAT); the rewrites are what later lines of the walk show: a destination changed
 * after nat PREROUTING/OUTPUT is a DNAT, a source changed by a later line an SNAT. The kernel prints no line after nat
 * POSTROUTING, so an SNAT there does not show and is not assumed; the reply tuple is the last traced tuple turned round.
 * The walks of one connection (its SYN, ACK, FIN...; a reply's walk by the translated tuple) make one flow. Memory holds
 * one capture's trace lines and, per traced connection, its tuples.
 */
import { isIcmpProto, pairKey, reverseTuple, sameTuple, withoutEchoId, type FlowTuple, type NatKind } from '../correlate/flow-key';
import { kernelWalks } from '../diagnose/kernel-walks';
import { traceProtoNumber } from '../flows/kernel-trace-match';
import type { KernelTraceEvent, KernelTracePacket } from '../records/records';
import type { KernelTraceRow } from '../model/rows/kernel-trace';

export interface TraceFlow {
  node: string;
  proto: number;
  original: FlowTuple;
  /** The last traced tuple of the original direction turned round (no reply packet need be traced). */
  reply: FlowTuple;
  nat: NatKind[];
  /** The interface the first packet came in on, as its first line says (null: sent by the node itself). */
  arrival: string | null;
  /** Seconds since the epoch on the node's clock, where the lines carry a date (dmesg -T, journal, syslog). */
  firstSeen: number | null;
  lastSeen: number | null;
  /** Traced packets (walks) of the connection, and how many of them were replies. */
  walks: number;
  replies: number;
  /** `file:line` of the first line of its first walk. */
  source: string;
  /** `file:line` of the line that shows the destination rewritten, if one does. */
  dnatSource: string | null;
  /**
   * Where the first packet's walk begins when that is after its first hook (a grep or tail cut it): iptables' TRACE
   * (the kernel log, xtables-monitor) starts in raw PREROUTING or OUTPUT. Null when it begins there, or when the
   * lines cannot tell (LOG lines only; `nft monitor trace` starts wherever nftrace was set).
   */
  cutAt: string | null;
  /** Where the first packet's walk ends: `table/chain` of its last line with a hook, and that line. */
  end: { hook: string | null; source: string };
}

/** A trace packet's tuple, null when the line does not show the addresses (an nft `rule` line) or the protocol. */
export function traceTuple(p: KernelTracePacket): FlowTuple | null {
  if (p.src === null || p.dst === null) return null;
  const proto = traceProtoNumber(p.proto);
  if (proto === null) return null;
  const t: FlowTuple = { proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport };
  if (isIcmpProto(proto) && p.icmp !== null) t.echoId = p.icmp.id;
  return t;
}

const timeOf = (e: KernelTraceEvent): number | null => {
  if (e.time.iso === null) return null;
  const ms = Date.parse(e.time.iso);
  return Number.isNaN(ms) ? null : ms / 1000;
};

const hookName = (e: KernelTraceEvent): string | null => (e.hook.kind === 'log' ? null : `${e.hook.table}/${e.hook.chain}`);

export class TraceFlowCollector {
  private readonly flows: TraceFlow[] = [];
  /** Pair key (a tuple and its reverse share one) of every tuple a trace flow has shown → the flow. */
  private readonly byPair = new Map<string, TraceFlow>();
  /** Walks with no line that shows an IP packet's addresses and protocol (no flow can be made of them). */
  unaddressed = 0;
  /** Walks of connections a conntrack entry or a captured packet already makes. */
  known = 0;

  /** `known`: whether a conntrack entry or a captured packet carries this tuple (either direction). */
  constructor(private readonly isKnown: (t: FlowTuple) => boolean) {}

  /** One capture's trace lines, in line order. */
  addCapture(node: string, file: string, events: readonly KernelTraceRow[]): void {
    for (const walk of kernelWalks(events)) this.addWalk(node, file, walk);
  }

  private addWalk(node: string, file: string, walk: readonly KernelTraceEvent[]): void {
    const addressed: Array<{ e: KernelTraceEvent; t: FlowTuple }> = [];
    for (const e of walk) {
      const t = traceTuple(e.packet);
      if (t !== null) addressed.push({ e, t });
    }
    const head = addressed[0];
    if (head === undefined) {
      this.unaddressed++;
      return;
    }
    if (addressed.some(({ t }) => this.isKnown(t) || (t.echoId != null && this.isKnown(withoutEchoId(t))))) {
      this.known++;
      return;
    }
    const last = addressed[addressed.length - 1]!;
    const first = head.t;
    const dnatLine = addressed.find(({ t }) => t.dst !== first.dst || t.dport !== first.dport);
    const dnat = last.t.dst !== first.dst || last.t.dport !== first.dport;
    const snat = last.t.src !== first.src || last.t.sport !== first.sport;
    const times = walk.map(timeOf).filter((t): t is number => t !== null);
    const seen = { first: times.length === 0 ? null : Math.min(...times), last: times.length === 0 ? null : Math.max(...times) };
    const flow = this.byPair.get(pairKey(first).key) ?? this.byPair.get(pairKey(last.t).key);
    if (flow !== undefined) {
      flow.walks++;
      if (sameTuple(first, flow.reply) || sameTuple(first, reverseTuple(flow.original))) flow.replies++;
      if (seen.first !== null && (flow.firstSeen === null || seen.first < flow.firstSeen)) flow.firstSeen = seen.first;
      if (seen.last !== null && (flow.lastSeen === null || seen.last > flow.lastSeen)) flow.lastSeen = seen.last;
      // A later packet of the original direction may be traced further than the first (the first cut short by a grep).
      if (flow.nat.length === 0 && (dnat || snat) && pairKey(first).key === pairKey(flow.original).key && pairKey(first).forward === pairKey(flow.original).forward) {
        flow.reply = reverseTuple(last.t);
        flow.nat = natKinds(dnat, snat);
        flow.dnatSource = dnatLine === undefined ? null : `${file}:${dnatLine.e.line}`;
        this.byPair.set(pairKey(last.t).key, flow);
      }
      return;
    }
    const lastHooked = [...walk].reverse().find((e) => e.hook.kind !== 'log') ?? walk[walk.length - 1]!;
    const firstHooked = walk.find((e) => e.hook.kind !== 'log');
    const made: TraceFlow = {
      node, proto: first.proto, original: first, reply: reverseTuple(last.t), nat: natKinds(dnat, snat), arrival: head.e.in,
      firstSeen: seen.first, lastSeen: seen.last, walks: 1, replies: 0, source: `${file}:${walk[0]!.line}`,
      dnatSource: dnat && dnatLine !== undefined ? `${file}:${dnatLine.e.line}` : null,
      cutAt: firstHooked === undefined || firstHooked.format === 'nft-monitor' || firstHooked.hook.kind === 'log'
        || firstHooked.hook.chain === 'PREROUTING' || firstHooked.hook.chain === 'OUTPUT' ? null : hookName(firstHooked),
      end: { hook: hookName(lastHooked), source: `${file}:${lastHooked.line}` },
    };
    this.flows.push(made);
    this.byPair.set(pairKey(first).key, made);
    this.byPair.set(pairKey(last.t).key, made);
  }

  /** The flows, first seen first (those without a dated line after, in the order their first line came). */
  result(): TraceFlow[] {
    return this.flows
      .map((f, i) => ({ f, i }))
      .sort((a, b) => (a.f.firstSeen ?? Infinity) - (b.f.firstSeen ?? Infinity) || a.i - b.i)
      .map(({ f }) => f);
  }
}

function natKinds(dnat: boolean, snat: boolean): NatKind[] {
  const out: NatKind[] = [];
  if (dnat) out.push('dnat');
  if (snat) out.push('snat');
  return out;
}

/** What a trace flow's timeline says of where it came from and what the trace does not show. */
export function traceFlowNotes(f: TraceFlow): string[] {
  const notes = [
    `from the kernel's trace alone (${f.source}, ${f.walks} traced packet${f.walks === 1 ? '' : 's'}): no conntrack entry or captured packet of this connection`,
  ];
  if (f.cutAt !== null) {
    notes.push(`the trace begins at ${f.cutAt}, not at PREROUTING or OUTPUT: what came before (a DNAT among it) is not in the capture, so the original tuple is the first one shown`);
  }
  if (f.dnatSource !== null) notes.push(`the trace shows the destination rewritten at ${f.dnatSource}`);
  const reply = f.replies === 0
    ? 'no reply is traced: the reply tuple is the last traced one turned round'
    : `${f.replies} repl${f.replies === 1 ? 'y is' : 'ies are'} traced`;
  notes.push(
    `the first packet's trace ends at ${f.end.hook ?? 'a LOG line'} (${f.end.source}); ${reply}, and a rewrite after the last traced hook (an SNAT in nat POSTROUTING) would not show`,
  );
  return notes;
}
