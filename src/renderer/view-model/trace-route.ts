/**
 * The Trace tab's link: a submitted request as the URL's TraceQuery, and a TraceQuery (a pasted
 * link, back/forward, a finding's "Replay") as the form it fills. The form's own check then says
 * what is wrong with a link that names an unknown node or a malformed address.
 */
import type { NodeJson } from '../../shared/contract/contract-json';
import type { TraceRequestJson } from '../../shared/contract/trace-request';
import { formatRoute, type TraceQuery } from './route';
import { arrivalChoices, LOCAL_ARRIVAL, NEWEST_SNAPSHOT, OTHER_ARRIVAL, type TraceForm } from './trace-form';

const endpointText = (ip: string, port: number | null | undefined): string =>
  port === null || port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;

export function traceQueryOf(request: TraceRequestJson): TraceQuery {
  return {
    node: request.node,
    proto: request.proto,
    src: request.src === null || request.src === undefined ? '' : endpointText(request.src, request.sport),
    dst: endpointText(request.dst, request.dport),
    arrival: request.local ? { kind: 'local' } : { kind: 'in', iface: request.in ?? '' },
    follow: request.follow,
    snapshot: request.snapshot ?? null,
    bridgeNetfilter: request.bridgeNetfilter !== false,
  };
}

/** An interface the node's captures do not list goes to "another interface", typed as the link has it. */
export function traceFormOf(query: TraceQuery, nodes: readonly NodeJson[]): TraceForm {
  const node = nodes.find((n) => n.name === query.node);
  const iface = query.arrival.kind === 'in' ? query.arrival.iface : null;
  const listed = iface !== null && arrivalChoices(node).some((c) => c.value === iface && c.value !== LOCAL_ARRIVAL && c.value !== OTHER_ARRIVAL);
  const arrival = iface === null ? LOCAL_ARRIVAL : listed ? iface : OTHER_ARRIVAL;
  return {
    node: query.node,
    proto: query.proto,
    src: query.src,
    dst: query.dst,
    arrival,
    otherArrival: iface !== null && !listed ? iface : '',
    follow: query.follow,
    snapshot: query.snapshot === null ? NEWEST_SNAPSHOT : String(query.snapshot),
    bridgeNetfilter: query.bridgeNetfilter,
  };
}

/** A trace link as the panel last applied it: the same key means nothing to do again. */
export const traceQueryKey = (query: TraceQuery): string => formatRoute({ tab: 'trace', trace: query });

/**
 * When a link must be applied again: once, while it names a node of the list; and each time the list changes while it
 * does not, since a link opened with the app is read before the project's nodes are (it would otherwise stay refused).
 */
export function traceLinkKey(query: TraceQuery, nodes: readonly NodeJson[]): string {
  const key = traceQueryKey(query);
  return nodes.some((n) => n.name === query.node) ? key : `${key}\n${nodes.map((n) => n.name).join('\n')}`;
}
