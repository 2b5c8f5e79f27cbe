/**
 * Which kernel trace events belong to a flow: those whose packet is one of the flow's tuples before, between or after
 * NAT, either way (the kernel prints the packet as it is at each hook, so one packet's walk shows the DNAT'd destination
 * after nat/PREROUTING and the SNAT'd source after nat/POSTROUTING).
 */
import type { KernelTraceEvent, KernelTracePacket } from '../records/records';
import type { TupleView } from '../views/flow-timeline';
import type { ObservationHook } from '../views/flows';
import { assertNever } from '../common/assert-never';
import { protoNumber } from '../simulate/rule-match';

interface FlowTuples {
  proto: number;
  original: TupleView;
  reply: TupleView;
}

interface Endpoint {
  addr: string;
  port: number | null;
}

/** The (source, destination) endpoint pairs a packet of the flow may carry, original direction first. */
export function flowEndpointPairs(flow: FlowTuples): Array<{ src: Endpoint; dst: Endpoint; direction: 'original' | 'reply' }> {
  const o = flow.original;
  const r = flow.reply;
  const client = [{ addr: o.src, port: o.sport }, { addr: r.dst, port: r.dport }];
  const server = [{ addr: o.dst, port: o.dport }, { addr: r.src, port: r.sport }];
  const pairs: Array<{ src: Endpoint; dst: Endpoint; direction: 'original' | 'reply' }> = [];
  const seen = new Set<string>();
  for (const [direction, from, to] of [['original', client, server], ['reply', server, client]] as const) {
    for (const src of from) {
      for (const dst of to) {
        const key = `${src.addr}|${src.port}|${dst.addr}|${dst.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        pairs.push({ src, dst, direction });
      }
    }
  }
  return pairs;
}

/** The address pairs to look events up by (each once). */
export function flowAddressPairs(flow: FlowTuples): Array<{ src: string; dst: string }> {
  const out = new Map<string, { src: string; dst: string }>();
  for (const p of flowEndpointPairs(flow)) out.set(`${p.src.addr}|${p.dst.addr}`, { src: p.src.addr, dst: p.dst.addr });
  return [...out.values()];
}

/** True when the event's packet is one of the flow's tuples (a protocol the line does not name is not held against it). */
export function eventBelongsToFlow(flow: FlowTuples, event: Pick<KernelTraceEvent, 'packet'>): boolean {
  const p: KernelTracePacket = event.packet;
  if (p.src === null || p.dst === null) return false;
  if (p.proto !== null && protoNumber(p.proto) !== flow.proto) return false;
  return flowEndpointPairs(flow).some(
    (pair) => pair.src.addr === p.src && pair.dst.addr === p.dst && pair.src.port === p.sport && pair.dst.port === p.dport,
  );
}

/** The hook of a trace event as a flow observation shows it (views/flows.ts ObservationHook). */
export function observationHook(e: KernelTraceEvent): ObservationHook {
  const base = { in: e.in, out: e.out, mark: e.mark === null ? null : `0x${e.mark.toString(16)}`, traceId: e.traceId, format: e.format };
  const h = e.hook;
  switch (h.kind) {
    case 'rule':
      return { ...base, type: 'rule', table: h.table, chain: h.chain, rule: h.position, handle: h.handle, verdict: h.verdict, ruleText: h.ruleText, ruleFrom: h.ruleText === null ? null : 'trace', ruleSource: null, prefix: null };
    case 'return':
    case 'policy':
      return { ...base, type: h.kind, table: h.table, chain: h.chain, rule: h.position, handle: null, verdict: h.verdict, ruleText: null, ruleFrom: null, ruleSource: null, prefix: null };
    case 'packet':
      return { ...base, type: 'packet', table: h.table, chain: h.chain, rule: null, handle: null, verdict: null, ruleText: null, ruleFrom: null, ruleSource: null, prefix: null };
    case 'log':
      return { ...base, type: 'log', table: null, chain: null, rule: null, handle: null, verdict: null, ruleText: null, ruleFrom: null, ruleSource: null, prefix: h.prefix };
    default:
      return assertNever(h);
  }
}
