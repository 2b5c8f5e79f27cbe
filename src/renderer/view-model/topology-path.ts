/**
 * The path a replayed trace or a stitched flow takes across nodes, for the topology to highlight:
 * the nodes in order (a node entered twice, as on a hairpin, appears twice) and every address the
 * packet carried on the way, so pods and services holding them are marked too.
 */
import type { FlowDetailJson } from '../../shared/contract/flow-json';
import type { TraceResultJson } from '../../shared/contract/trace-json';
import type { TopologyPath } from './topology-overview';

function addressesOf(packets: ReadonlyArray<{ src: string; dst: string }>): string[] {
  return [...new Set(packets.flatMap((p) => [p.src, p.dst]))];
}

function dedupeRuns(nodes: readonly string[]): string[] {
  return nodes.filter((n, i) => i === 0 || nodes[i - 1] !== n);
}

/** The most likely outcome's hops (the first on a tie, as the Trace tab lists them). */
export function pathOfTrace(result: TraceResultJson): TopologyPath {
  const outcome = [...result.outcomes].sort((a, b) => b.probability - a.probability)[0];
  const hops = outcome?.hops ?? [];
  const nodes = hops.length === 0 ? [result.input.node] : dedupeRuns(hops.map((h) => h.node));
  const label = `trace ${result.input.proto} ${result.input.src} → ${result.input.dst}`;
  return { label, nodes, addresses: addressesOf([result.input, ...hops.flatMap((h) => [h.before, h.after])]) };
}

/**
 * The nodes a flow's original direction was seen on. Sightings on different nodes microseconds apart
 * can sort either way after clock alignment, so the client's node (holding the original source) goes
 * first and the server's (holding the reply's source, the endpoint after DNAT) last, where known.
 * `homeOf`: the node an address lives on (its pod networks or its own addresses), null if none.
 */
export function pathOfFlow(flow: FlowDetailJson, homeOf: (ip: string) => string | null): TopologyPath {
  const original = flow.timeline.hops.filter((h) => h.direction !== 'reply');
  const seen = dedupeRuns(original.length > 0 ? original.map((h) => h.node) : flow.observations.filter((o) => o.kind === 'packet').map((o) => o.node));
  const client = homeOf(flow.original.src);
  const server = homeOf(flow.reply.src);
  const middle = seen.filter((n) => n !== client && n !== server);
  const nodes = [
    ...(client !== null && seen.includes(client) ? [client] : []),
    ...middle,
    ...(server !== null && server !== client && seen.includes(server) ? [server] : []),
  ];
  const tuples = [flow.original, flow.reply, ...original.flatMap((h) => [h.before, h.after])];
  return { label: `flow ${flow.id}`, nodes: nodes.length > 0 ? nodes : seen, addresses: addressesOf(tuples) };
}
