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

/** The flow's original direction hop by hop (its timeline), else the nodes its packets were seen on, in time order. */
export function pathOfFlow(flow: FlowDetailJson): TopologyPath {
  const original = flow.timeline.hops.filter((h) => h.direction !== 'reply');
  const nodes = original.length > 0 ? original.map((h) => h.node) : flow.observations.filter((o) => o.kind === 'packet').map((o) => o.node);
  const tuples = [flow.original, flow.reply, ...original.flatMap((h) => [h.before, h.after])];
  return { label: `flow ${flow.id}`, nodes: dedupeRuns(nodes), addresses: addressesOf(tuples) };
}
