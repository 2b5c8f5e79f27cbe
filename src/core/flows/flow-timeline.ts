/**
 * A flow's transformation timeline: every capture point it was seen at (node, interface, direction)
 * with the tuple before and after NAT, and every rewrite with the rule that did it, read from the
 * conntrack entry and explained by replaying the captured rules.
 */
import type { Flow, FlowHop } from '../correlate/flow-builder';
import { natOf, reverseTuple, sameTuple, tupleFromConntrack, translatedOriginal, type FlowTuple } from '../correlate/flow-key';
import type { ConntrackEntry } from '../records/records';
import type { Outcome } from '../simulate';
import { viewTuple, type FlowSimulator, type Replay } from './flow-simulator';
import type { ConntrackView, FlowTimeline, NatRewrite, TimelineHop, TupleView } from '../views/flow-timeline';

const view = (t: FlowTuple): TupleView => ({ src: t.src, sport: t.sport, dst: t.dst, dport: t.dport });
export const endText = (addr: string, port: number | null): string => (port === null ? addr : `${addr.includes(':') ? `[${addr}]` : addr}:${port}`);
export const tupleText = (t: TupleView): string => `${endText(t.src, t.sport)} > ${endText(t.dst, t.dport)}`;

function hopOf(flow: Flow, h: FlowHop): TimelineHop {
  const before = h.direction === 'reply' ? flow.reply : flow.original;
  let explanation = h.explanation;
  if (flow.nat.length === 0) explanation = h.direction === 'reply' ? 'server → client (no NAT on this connection)' : h.direction === 'original' ? 'client → server (no NAT on this connection)' : h.explanation;
  else if (h.direction === 'original') explanation = `${h.stage.dnat || h.stage.snat ? 'post-NAT' : 'pre-NAT'}: ${h.explanation}`;
  else if (h.direction === 'reply') explanation = `${h.stage.dnat || h.stage.snat ? 'reply before de-NAT' : 'reply after de-NAT'}: ${h.explanation}`;
  return {
    node: h.node, interface: h.iface, netns: h.netns, direction: h.direction, before: view(before), after: view(h.tuple),
    translated: { dnat: h.stage.dnat, snat: h.stage.snat },
    explanation, firstTime: h.firstTime, lastTime: h.lastTime, alignedFirstTime: h.alignedFirstTime, packets: h.packets, evidence: 'observed',
    tunnel: h.tunnel,
  };
}

/** The replay outcome that produces `translated` on `node` (conntrack's view of what happened), or the closest one. */
function matchingOutcome(replay: Replay, node: string, orig: FlowTuple, translated: FlowTuple): Outcome | null {
  let partial: Outcome | null = null;
  for (const o of replay.result.outcomes) {
    for (const hop of o.hops) {
      if (hop.node !== node) continue;
      const after = viewTuple(hop.after, orig.proto, replay.tracedSport, orig.sport);
      if (sameTuple(after, translated)) return o;
      if (after.dst === translated.dst && after.dport === translated.dport) partial ??= o;
    }
  }
  return partial;
}

function rewritesFromOutcome(o: Outcome, node: string, replay: Replay, orig: FlowTuple, evidence: NatRewrite['evidence']): NatRewrite[] {
  const out: NatRewrite[] = [];
  for (const step of o.steps) {
    if (step.node !== node || step.nat === null) continue;
    const before = viewTuple(step.nat.before, orig.proto, replay.tracedSport, orig.sport);
    const after = viewTuple(step.nat.after, orig.proto, replay.tracedSport, orig.sport);
    const dnat = step.nat.kind === 'dnat' || step.nat.kind === 'redirect';
    out.push({
      node, kind: step.nat.kind, before: view(before), after: view(after),
      to: dnat ? endText(after.dst, after.dport) : after.sport !== before.sport ? endText(after.src, after.sport) : after.src,
      table: step.table, chain: step.chain, rule: step.rule, line: step.line,
      service: o.service?.id ?? null, endpoint: o.service?.endpoint ?? null, evidence, note: step.nat.note,
    });
  }
  return out;
}

function rewritesFromConntrack(node: string, e: ConntrackEntry, note: string | null): NatRewrite[] {
  const orig = tupleFromConntrack(e.protoNumber, e.original);
  const reply = tupleFromConntrack(e.protoNumber, e.reply);
  const out: NatRewrite[] = [];
  const kinds = natOf(e);
  let t = orig;
  for (const kind of kinds) {
    const after = kind === 'dnat' ? { ...t, dst: reply.src, dport: reply.sport } : { ...t, src: reply.dst, sport: reply.dport };
    out.push({
      node, kind, before: view(t), after: view(after),
      to: kind === 'dnat' ? endText(reply.src, reply.sport) : after.sport !== t.sport ? endText(after.src, after.sport) : after.src,
      table: 'nat', chain: null, rule: null, line: null, service: null, endpoint: kind === 'dnat' ? endText(reply.src, reply.sport) : null,
      evidence: 'conntrack', note,
    });
    t = after;
  }
  return out;
}

/** Arrival interface of `orig` on `node`, from where the flow was captured there. */
function arrivalOn(flow: Flow, node: string, orig: FlowTuple): string | null {
  const exact = flow.hops.find((h) => h.node === node && h.netns === null && sameTuple(h.tuple, orig));
  if (exact) return exact.iface;
  return flow.hops.find((h) => h.node === node && h.netns === null && h.direction === 'original')?.iface ?? null;
}

/** How a flow's timeline (and a finding) shows a conntrack entry. */
export function conntrackView(c: { node: string; source: string; entry: ConntrackEntry }): ConntrackView {
  return {
    node: c.node, source: c.source, state: c.entry.state, unreplied: c.entry.unreplied, assured: c.entry.assured,
    original: view(tupleFromConntrack(c.entry.protoNumber, c.entry.original)),
    reply: view(tupleFromConntrack(c.entry.protoNumber, c.entry.reply)), nat: natOf(c.entry),
  };
}

export function buildTimeline(
  flow: Flow,
  conntrack: ReadonlyArray<{ node: string; source: string; entry: ConntrackEntry }>,
  sim: FlowSimulator | null,
  /** Where the first packet entered when no hop says (a flow known from the kernel's trace: the line's IN). */
  arrival: { node: string; iface: string | null } | null = null,
): FlowTimeline {
  const hops = flow.hops.map((h) => hopOf(flow, h));
  const rewrites: NatRewrite[] = [];
  const notes: string[] = [];
  let service: string | null = null;
  for (const c of conntrack) {
    const e = c.entry;
    if (e.unreplied) notes.push(`conntrack on ${c.node} (${c.source}) shows [UNREPLIED]: ${c.node}'s kernel never saw an answer`);
    if (natOf(e).length === 0) continue;
    const orig = tupleFromConntrack(e.protoNumber, e.original);
    const translated = translatedOriginal(e);
    const iface = arrivalOn(flow, c.node, orig);
    const replay = sim?.replay(c.node, iface, orig) ?? null;
    const outcome = replay ? matchingOutcome(replay, c.node, orig, translated) : null;
    if (replay && outcome) {
      const found = rewritesFromOutcome(outcome, c.node, replay, orig, 'conntrack+rules');
      rewrites.push(...found);
      service ??= outcome.service?.id ?? null;
      for (const kind of natOf(e)) {
        const covered = found.some((r) => (kind === 'dnat' ? r.kind === 'dnat' || r.kind === 'redirect' : r.kind === 'snat' || r.kind === 'masquerade'));
        if (!covered) rewrites.push(...rewritesFromConntrack(c.node, e, 'the replayed rules do not make this rewrite').filter((r) => r.kind === kind));
      }
    } else {
      const why = !sim || !replay
        ? `no replay on ${c.node} (${iface === null && !sim?.isLocal(c.node, orig.src) ? 'no capture shows where the packet entered' : 'its rules or routes were not captured'})`
        : `the captured rules on ${c.node} do not lead to ${tupleText(view(translated))} (rules changed since, or a branch not captured)`;
      rewrites.push(...rewritesFromConntrack(c.node, e, why));
    }
  }
  const entered = flow.hops.find((h) => sameTuple(h.tuple, flow.original)) ?? flow.hops[0] ?? arrival;
  if (flow.conntrack.length === 0 && flow.nat.length > 0 && sim && entered) {
    const first = entered;
    const replay = sim.replay(first.node, first.iface, flow.original);
    const outcome = replay ? matchingOutcome(replay, first.node, flow.original, reverseTuple(flow.reply)) : null;
    if (replay && outcome) {
      rewrites.push(...rewritesFromOutcome(outcome, first.node, replay, flow.original, 'rules'));
      service ??= outcome.service?.id ?? null;
    }
  }
  notes.push(...asymmetricPoints(hops));
  if (flow.tcp?.oneSided) notes.push('one-sided: a SYN with no SYN-ACK at any capture point');
  if (flow.tcp && flow.tcp.rstAt !== null) notes.push('reset: a RST was captured');
  if (flow.tcp && flow.tcp.retransmissions > 0) notes.push(`${flow.tcp.retransmissions} retransmission(s)`);
  for (const link of flow.links) if (link.evidence === 'inferred') notes.push(`inferred, not observed: ${link.reason}`);
  return {
    hops,
    rewrites,
    conntrack: conntrack.map(conntrackView),
    notes,
    service,
  };
}

/**
 * A capture point whose original-direction and reply-direction tuples are not mirror images sees one
 * direction already rewritten and the other not yet undone: on a bridge with br_netfilter, netfilter
 * runs on the bridged frame before tcpdump sees it on the bridge device, in PREROUTING for one
 * direction and POSTROUTING for the other.
 */
function asymmetricPoints(hops: readonly TimelineHop[]): string[] {
  const notes: string[] = [];
  const points = new Map<string, TimelineHop[]>();
  for (const h of hops) {
    const key = `${h.node}|${h.netns ?? ''}|${h.interface ?? ''}`;
    const list = points.get(key);
    if (list) list.push(h);
    else points.set(key, [h]);
  }
  const mirrors = (a: TimelineHop, b: TimelineHop): boolean =>
    a.after.src === b.after.dst && a.after.sport === b.after.dport && a.after.dst === b.after.src && a.after.dport === b.after.sport;
  for (const list of points.values()) {
    const origs = list.filter((h) => h.direction === 'original');
    const replies = list.filter((h) => h.direction === 'reply');
    // A bridge device may see the original twice (arriving, and leaving translated): any mirrored pair is a normal point.
    if (origs.length === 0 || replies.length === 0 || origs.some((o) => replies.some((r) => mirrors(o, r)))) continue;
    const orig = origs[0]!;
    const reply = replies[0]!;
    const at = `${orig.node}${orig.interface ? ` ${orig.interface}` : ''}`;
    notes.push(
      `on ${at} the original direction is seen as ${tupleText(orig.after)} but the reply as ${tupleText(reply.after)}: `
        + 'not mirror images, so this capture point sees one direction after a rewrite that the other has not had undone yet '
        + '(typical of a bridge with br_netfilter, where netfilter handles the bridged frame before tcpdump sees it on the bridge device)',
    );
  }
  return notes;
}
