/**
 * Flows the kernel's trace alone shows: a traced packet's walk (diagnose/kernel-walks.ts) whose tuples no conntrack
 * entry and no captured packet carry is a connection stitching would not otherwise know. Its original tuple is the
 * walk's first addressed line (before NAT); the rewrites are what later lines of the walk show: a destination changed
 * after nat PREROUTING/OUTPUT is a DNAT, a source changed by a later line an SNAT. The kernel prints no line after nat
 * POSTROUTING, so an SNAT there does not show and is not assumed; the reply tuple is the last traced tuple turned round.
 * The walks of one connection (its SYN, ACK, FIN...; a reply's walk by the translated tuple) make one flow. The lines are
 * read as they come; memory holds a few fields per open walk and, per traced connection, its tuples.
 */
import { isIcmpProto, pairKey, reverseTuple, sameTuple, withoutEchoId, type FlowTuple, type NatKind } from '../correlate/flow-key';
import { cutKernelWalks } from '../diagnose/kernel-walks';
import type { KernelTraceEvent, KernelTracePacket } from '../records/records';
import { protoNumber } from '../simulate/rule-match';
import type { TimelineHop, TupleView } from '../views/flow-timeline';
import type { NodeSnapshot } from '../simulate';
import { rulesetPlace } from '../diagnose/evidence';
import { endText } from '../flows/flow-timeline';

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
  /**
   * The points of its walks a NAT picture draws: where each direction's first walk entered the trace and where a
   * rewrite shows, later walks counted on the same points (or adding theirs: conntrack rewrites them without a nat line).
   */
  points: TracePoint[];
  /**
   * How the flow's original direction was decided: `traced` the first traced packet's, with evidence it is the client's
   * (a SYN, an ICMP request, a nat table line); `turned` the first traced packet was a reply, by `why`, so the original
   * is the trace turned round; `unknown` the first traced packet's, nothing in the trace saying which side is the client.
   */
  direction: { basis: 'traced' | 'turned' | 'unknown'; why: string | null };
}

/** `file:line` of a DNAT rule of the node's ruleset whose target is this address (and port), null if none. */
export type DnatTargetLookup = (node: string, address: string, port: number | null) => string | null;

/** The DNAT targets of each node's captured IPv4 ruleset (a single address, and port if the rule names one). */
export function dnatTargetsOf(world: readonly NodeSnapshot[]): DnatTargetLookup {
  const targets = new Map<string, string>();
  for (const node of world) {
    const nat = node.ruleset?.tables.find((t) => t.name === 'nat');
    for (const chain of nat?.chains ?? []) {
      for (const rule of chain.rules) {
        if (rule.target?.kind !== 'dnat') continue;
        for (const to of rule.target.to) {
          if (to.minAddress === null || to.minAddress !== to.maxAddress) continue;
          const port = to.ports !== null && to.ports.min === to.ports.max ? to.ports.min : null;
          const key = `${node.name}|${to.minAddress}|${port ?? ''}`;
          if (!targets.has(key)) targets.set(key, rulesetPlace(node, rule.line, `nat/${chain.name}`));
        }
      }
    }
  }
  return (node, address, port) => targets.get(`${node}|${address}|${port ?? ''}`) ?? (port === null ? null : targets.get(`${node}|${address}|`) ?? null);
}

/** ICMP and ICMPv6 types a host sends only in answer (echo, timestamp, information and address-mask replies; ICMPv6 echo reply). */
const ICMP_REPLIES = new Set([0, 14, 16, 18]);
const ICMP_REQUESTS = new Set([8, 13, 15, 17]);
const ICMP6_REPLIES = new Set([129]);
const ICMP6_REQUESTS = new Set([128]);

/** A point of a trace flow's walks: the tuple as the trace shows it at a hook. */
export interface TracePoint {
  direction: 'original' | 'reply';
  /** The tuple before this point (the direction's previous point; the same tuple at the entry point). */
  before: FlowTuple;
  tuple: FlowTuple;
  /** `raw PREROUTING`; for a rewrite, the nat hook whose rule made it, else the hook of the line that first shows it. */
  hook: string;
  in: string | null;
  out: string | null;
  /** `file:line` of the line showing the tuple, and the nat rule line that made the rewrite (if the walk shows one). */
  source: string;
  rule: { name: string; source: string } | null;
  /** Seconds on the node's clock of the first line, where dated. */
  time: number | null;
  walks: number;
}

/** A trace packet's tuple, null when the line does not show the addresses (an nft `rule` line) or the protocol. */
export function traceTuple(p: KernelTracePacket): FlowTuple | null {
  if (p.src === null || p.dst === null) return null;
  const proto = p.proto === null ? null : protoNumber(p.proto);
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

/** What a walk's flow is made of, kept while its lines come (not the lines). */
interface WalkSummary {
  firstLine: number;
  known: boolean;
  /** The first line with addresses, its tuple and IN; the last such tuple; the first line whose destination differs. */
  head: { t: FlowTuple; in: string | null } | null;
  last: FlowTuple | null;
  dnatLine: number | null;
  /** The first and last lines with a hook (not LOG), as `table/chain`, and the format and chain of the first. */
  firstHooked: { format: KernelTraceEvent['format']; chain: string; name: string } | null;
  lastHooked: { name: string; line: number } | null;
  lastLine: number;
  firstSeen: number | null;
  lastSeen: number | null;
  /** Points of the walk (each tuple change), and what the next point is read against: the last base chain and nat rule line. */
  points: Array<Omit<TracePoint, 'direction' | 'walks' | 'source' | 'rule'> & { line: number; rule: { name: string; line: number } | null }>;
  base: string | null;
  natRule: { name: string; line: number; base: string | null } | null;
  /** The first addressed line's TCP flags and ICMP type, and its line; the first nat table rule line; the last OUT. */
  headFlags: string[] | null;
  headIcmp: number | null;
  headLine: number;
  natSeen: number | null;
  out: string | null;
}

const BASE_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** `nat KUBE-SVC rule 2`, `nat KUBE-SVC handle 7`, `raw PREROUTING policy`... */
function hookName(h: Exclude<KernelTraceEvent['hook'], { kind: 'log' }>): string {
  switch (h.kind) {
    case 'rule':
      return `${h.table} ${h.chain} ${h.position !== null ? `rule ${h.position}` : h.handle !== null ? `handle ${h.handle}` : 'rule'}`;
    case 'return':
    case 'policy':
      return `${h.table} ${h.chain} ${h.kind}`;
    case 'packet':
      return `${h.table} ${h.chain}`;
  }
}

export class TraceFlowCollector {
  private readonly flows: TraceFlow[] = [];
  /** Pair key (a tuple and its reverse share one) of every tuple a trace flow has shown → the flow. */
  private readonly byPair = new Map<string, TraceFlow>();
  /** Walks with no line that shows an IP packet's addresses and protocol (no flow can be made of them), and the first's `file:line`. */
  unaddressed = 0;
  firstUnaddressed: string | null = null;
  /** Walks of connections a conntrack entry or a captured packet already makes. */
  known = 0;

  /** `known`: whether a conntrack entry or a captured packet carries this tuple (either direction). */
  constructor(private readonly isKnown: (t: FlowTuple) => boolean, private readonly dnatTarget: DnatTargetLookup = () => null) {}

  /** One capture's trace lines, in line order, read as they come: what is kept is each open walk's summary. `tick`: once a line. */
  addCapture(node: string, file: string, events: Iterable<KernelTraceEvent>, tick?: () => void): void {
    const open = new Map<number, WalkSummary>();
    cutKernelWalks(events, (e, walk) => {
      tick?.();
      let w = open.get(walk);
      if (w === undefined) {
        open.set(walk, (w = {
          firstLine: e.line, known: false, head: null, last: null, dnatLine: null, firstHooked: null, lastHooked: null, lastLine: e.line,
          firstSeen: null, lastSeen: null, points: [], base: null, natRule: null, headFlags: null, headIcmp: null, headLine: e.line, natSeen: null, out: null,
        }));
      }
      this.noteLine(w, e);
    }, (walk) => {
      const w = open.get(walk)!;
      open.delete(walk);
      this.addWalk(node, file, w);
    });
  }

  private noteLine(w: WalkSummary, e: KernelTraceEvent): void {
    w.lastLine = e.line;
    const time = timeOf(e);
    if (time !== null) {
      if (w.firstSeen === null || time < w.firstSeen) w.firstSeen = time;
      if (w.lastSeen === null || time > w.lastSeen) w.lastSeen = time;
    }
    let hook: string;
    if (e.hook.kind !== 'log') {
      const name = `${e.hook.table}/${e.hook.chain}`;
      w.firstHooked ??= { format: e.format, chain: e.hook.chain, name };
      w.lastHooked = { name, line: e.line };
      hook = `${e.hook.table} ${e.hook.chain}`;
      if (e.hook.kind === 'packet' || BASE_CHAINS.has(e.hook.chain.toUpperCase())) w.base = hook;
      if (e.hook.table === 'nat' && e.hook.kind === 'rule') w.natRule = { name: hookName(e.hook), line: e.line, base: w.base };
      if (e.hook.table === 'nat') w.natSeen ??= e.line;
    } else {
      hook = `LOG "${e.hook.prefix.trim()}"`;
    }
    const t = traceTuple(e.packet);
    if (t === null || w.known) return;
    if (this.isKnown(t) || (t.echoId != null && this.isKnown(withoutEchoId(t)))) {
      w.known = true;
      return;
    }
    if (e.out !== null) w.out = e.out;
    if (w.head === null) {
      w.head = { t, in: e.in };
      w.headFlags = e.packet.tcpFlags;
      w.headIcmp = e.packet.icmp?.type ?? null;
      w.headLine = e.line;
    }
    else if (w.dnatLine === null && (t.dst !== w.head.t.dst || t.dport !== w.head.t.dport)) w.dnatLine = e.line;
    if (w.last === null || !sameTuple(w.last, t)) {
      // A rewrite shows on the first line after it; the nat rule met since the previous point made it, in its base chain.
      const rule = w.last === null ? null : w.natRule;
      w.points.push({
        before: w.last ?? t, tuple: t, hook: rule?.base ?? hook, in: e.in, out: e.out, line: e.line,
        rule: rule === null ? null : { name: rule.name, line: rule.line }, time: timeOf(e),
      });
      w.natRule = null;
    }
    w.last = t;
  }

  private addWalk(node: string, file: string, w: WalkSummary): void {
    if (w.known) {
      this.known++;
      return;
    }
    if (w.head === null || w.last === null) {
      this.unaddressed++;
      this.firstUnaddressed ??= `${file}:${w.firstLine}`;
      return;
    }
    const first = w.head.t;
    const last = w.last;
    const dnat = last.dst !== first.dst || last.dport !== first.dport;
    const snat = last.src !== first.src || last.sport !== first.sport;
    const flow = this.byPair.get(pairKey(first).key) ?? this.byPair.get(pairKey(last).key);
    if (flow !== undefined) {
      flow.walks++;
      const reply = sameTuple(first, flow.reply) || sameTuple(first, reverseTuple(flow.original));
      if (reply) flow.replies++;
      addPoints(flow.points, reply ? 'reply' : 'original', file, w);
      if (w.firstSeen !== null && (flow.firstSeen === null || w.firstSeen < flow.firstSeen)) flow.firstSeen = w.firstSeen;
      if (w.lastSeen !== null && (flow.lastSeen === null || w.lastSeen > flow.lastSeen)) flow.lastSeen = w.lastSeen;
      // A later packet of the original direction may be traced further than the first (the first cut short by a grep).
      if (flow.nat.length === 0 && (dnat || snat) && sameTuple(first, flow.original)) {
        flow.reply = reverseTuple(last);
        flow.nat = natKinds(dnat, snat);
        flow.dnatSource = dnat && w.dnatLine !== null ? `${file}:${w.dnatLine}` : null;
        this.byPair.set(pairKey(last).key, flow);
      }
      return;
    }
    const start = w.firstHooked;
    const direction = this.directionOf(node, file, w, first);
    const turned = direction.basis === 'turned';
    const made: TraceFlow = {
      node, proto: first.proto, original: first, reply: reverseTuple(last), nat: natKinds(dnat, snat), arrival: w.head.in,
      firstSeen: w.firstSeen, lastSeen: w.lastSeen, walks: 1, replies: 0, source: `${file}:${w.firstLine}`,
      dnatSource: dnat && w.dnatLine !== null ? `${file}:${w.dnatLine}` : null,
      cutAt: start === null || start.format === 'nft-monitor' || start.chain === 'PREROUTING' || start.chain === 'OUTPUT' ? null : start.name,
      end: { hook: w.lastHooked?.name ?? null, source: `${file}:${w.lastHooked?.line ?? w.lastLine}` }, points: [], direction,
    };
    if (turned) {
      // The kernel's reply tuple is the reply as it arrived (before conntrack undid an SNAT); the client is where it went
      // after. A rewrite of the reply's destination is the undoing of the original's SNAT; the original entered where the
      // reply left.
      made.original = reverseTuple(last);
      made.reply = first;
      made.nat = natKinds(false, dnat);
      made.dnatSource = null;
      made.arrival = w.out;
      made.replies = 1;
    }
    addPoints(made.points, turned ? 'reply' : 'original', file, w);
    this.flows.push(made);
    this.byPair.set(pairKey(first).key, made);
    this.byPair.set(pairKey(last).key, made);
  }

  /** Which way the first traced packet of a connection went, by what its lines show. */
  private directionOf(node: string, file: string, w: WalkSummary, first: FlowTuple): TraceFlow['direction'] {
    const at = `${file}:${w.headLine}`;
    const flags = w.headFlags;
    if (flags !== null && flags.includes('SYN')) {
      return flags.includes('ACK')
        ? { basis: 'turned', why: `the first traced packet is a SYN-ACK (${at}), the server's answer to a SYN` }
        : { basis: 'traced', why: `the first traced packet is a SYN (${at})` };
    }
    const icmp = w.headIcmp;
    if (icmp !== null && isIcmpProto(first.proto)) {
      const [replies, requests] = first.proto === 58 ? [ICMP6_REPLIES, ICMP6_REQUESTS] : [ICMP_REPLIES, ICMP_REQUESTS];
      if (replies.has(icmp)) return { basis: 'turned', why: `the first traced packet is an ICMP reply (type ${icmp}, ${at})` };
      if (requests.has(icmp)) return { basis: 'traced', why: `the first traced packet is an ICMP request (type ${icmp}, ${at})` };
    }
    // The kernel consults the nat table only for a connection's first packet, which is the client's.
    if (w.natSeen !== null) return { basis: 'traced', why: `the walk passes the nat table (${file}:${w.natSeen}), as only a connection's first packet does` };
    const toSource = this.dnatTarget(node, first.src, first.sport);
    if (toSource !== null && this.dnatTarget(node, first.dst, first.dport) === null) {
      return { basis: 'turned', why: `its source ${endText(first.src, first.sport)} is where ${toSource} DNATs to: it is that endpoint answering` };
    }
    return { basis: 'unknown', why: null };
  }

  /** The flows, first seen first (those without a dated line after, in the order their first line came). */
  result(): TraceFlow[] {
    return this.flows
      .map((f, i) => ({ f, i }))
      .sort((a, b) => (a.f.firstSeen ?? Infinity) - (b.f.firstSeen ?? Infinity) || a.i - b.i)
      .map(({ f }) => f);
  }
}

/** A walk's points onto its flow's: one already there (same direction, hook and tuple) counts the walk. */
function addPoints(points: TracePoint[], direction: TracePoint['direction'], file: string, w: WalkSummary): void {
  for (const p of w.points) {
    const same = points.find((q) => q.direction === direction && q.hook === p.hook && sameTuple(q.tuple, p.tuple) && sameTuple(q.before, p.before));
    if (same !== undefined) {
      same.walks++;
      continue;
    }
    points.push({
      direction, before: p.before, tuple: p.tuple, hook: p.hook, in: p.in, out: p.out, source: `${file}:${p.line}`,
      rule: p.rule === null ? null : { name: p.rule.name, source: `${file}:${p.rule.line}` }, time: p.time, walks: 1,
    });
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
  if (f.direction.basis === 'turned') {
    notes.push(`the trace begins with a reply: ${f.direction.why}; the original direction (client → server) is inferred, the client's own packets not being traced (what it dialled before a DNAT does not show)`);
  } else if (f.direction.basis === 'unknown') {
    notes.push('which side is the client is unknown: no SYN, ICMP type, nat table line or DNAT target in the trace says so, so the original direction is the first traced packet\'s, which may be a reply');
  }
  const reply = f.replies === 0
    ? 'no reply is traced: the reply tuple is the last traced one turned round'
    : `${f.replies} repl${f.replies === 1 ? 'y is' : 'ies are'} traced`;
  notes.push(
    `the first traced packet's walk ends at ${f.end.hook ?? 'a LOG line'} (${f.end.source}); ${reply}, and a rewrite after the last traced hook (an SNAT in nat POSTROUTING) would not show`,
  );
  return notes;
}

/**
 * A trace flow's points as its timeline's hops (what the NAT picture draws): each the tuple at a hook, with the `file:line`
 * of the trace line that shows it. `offset`: the node's clock offset, added to dated lines.
 */
export function traceHops(f: TraceFlow, node: string, offset: number): TimelineHop[] {
  return f.points.map((p) => {
    const view = (t: FlowTuple): TupleView => ({ src: t.src, sport: t.sport, dst: t.dst, dport: t.dport });
    const reply = p.direction === 'reply';
    // Which of the connection's rewrites the tuple carries (flow-timeline.ts's meaning).
    const dnat = reply ? p.tuple.src !== f.original.dst || p.tuple.sport !== f.original.dport : p.tuple.dst !== f.original.dst || p.tuple.dport !== f.original.dport;
    const snat = reply ? p.tuple.dst !== f.original.src || p.tuple.dport !== f.original.sport : p.tuple.src !== f.original.src || p.tuple.sport !== f.original.sport;
    const stage = reply ? (dnat || snat ? 'reply before de-NAT' : 'reply after de-NAT') : dnat || snat ? 'post-NAT' : 'pre-NAT';
    const changed = !sameTuple(p.before, p.tuple);
    const how = !changed
      ? `as the kernel's trace shows it entering ${p.hook} (${p.source})`
      : p.rule !== null
        ? `rewritten at ${p.hook} by ${p.rule.name} (${p.rule.source}), as the kernel's trace shows it next (${p.source})`
        : `rewritten before ${p.hook}, where the kernel's trace shows it (${p.source}); no nat rule of this packet's walk is traced: conntrack applied the connection's NAT`;
    const time = p.time === null ? 0 : p.time + offset;
    return {
      node, interface: p.in ?? p.out, netns: null, direction: p.direction, before: view(p.before), after: view(p.tuple), translated: { dnat, snat },
      explanation: `${stage}: ${how}`, firstTime: p.time ?? 0, lastTime: p.time ?? 0, alignedFirstTime: time, packets: p.walks, evidence: 'kernel-trace',
      tunnel: null, trace: { hook: p.hook, source: p.source, rule: p.rule, dated: p.time !== null },
    };
  });
}
