/**
 * The topology's search box: an IP, a pod, a service or a node name → what to expand and which
 * element to focus. Exact matches first (an address, a full name), then names containing the text.
 */
import { addressOfCidr, isIpAddress } from '../../shared/contract/ip-text';
import { interfaceId, nodeId } from './topology-elements';
import { addressKey, nodeOfPodAddress, type TopologyIndex } from './topology-index';
import { kubePodId, serviceId } from './topology-overview';

export type SearchHit =
  | { kind: 'node'; node: string; focus: string; label: string }
  | { kind: 'interface'; node: string; focus: string; label: string }
  | { kind: 'pod'; node: string; focus: string; label: string }
  | { kind: 'service'; namespace: string; focus: string; label: string };

/** What a hit opens: a node found is shown with its insides; an interface or pod needs its node open to exist. */
export function expansionOf(hit: SearchHit): { node: string | null; namespace: string | null } {
  switch (hit.kind) {
    case 'node':
    case 'interface':
    case 'pod':
      return { node: hit.node, namespace: null };
    case 'service':
      return { node: null, namespace: hit.namespace };
    default: {
      const never: never = hit;
      return never;
    }
  }
}

const MAX_HITS = 20;

function byAddress(index: TopologyIndex, ip: string): SearchHit[] {
  const key = addressKey(ip);
  const hits: SearchHit[] = [];
  const pod = index.podOfAddress.get(key);
  // A pod on a node that was not captured is not drawn: its address is looked up as any other.
  if (pod !== undefined && pod.node !== null && index.byName.has(pod.node)) {
    hits.push({ kind: 'pod', node: pod.node, focus: kubePodId(pod), label: `pod ${pod.namespace}/${pod.name} (${ip} on ${pod.node})` });
  }
  for (const s of index.summary.services) {
    if ((s.clusterIP !== null && addressKey(s.clusterIP) === key) || s.externalIPs.some((x) => addressKey(x) === key)) {
      hits.push({ kind: 'service', namespace: s.namespace, focus: serviceId(s), label: `service ${s.namespace}/${s.name} (${ip})` });
    }
  }
  for (const n of index.nodes) {
    for (const i of [...n.uplinks, ...n.bridges]) {
      if (i.addresses.some((a) => addressKey(a) === key)) hits.push({ kind: 'interface', node: n.name, focus: interfaceId(n.name, i.name), label: `${i.name} on ${n.name} (${ip})` });
    }
  }
  if (hits.length === 0) {
    const node = nodeOfPodAddress(index, ip);
    if (node !== null) hits.push({ kind: 'node', node, focus: nodeId(node), label: `${ip} is in a pod network of ${node}` });
  }
  return hits;
}

export function searchTopology(index: TopologyIndex, text: string): SearchHit[] {
  const query = text.trim();
  if (query === '') return [];
  const ip = addressOfCidr(query);
  if (isIpAddress(ip)) return byAddress(index, ip).slice(0, MAX_HITS);
  const lower = query.toLowerCase();
  const exact: SearchHit[] = [];
  const partial: SearchHit[] = [];
  const consider = (name: string, hit: SearchHit): void => {
    const n = name.toLowerCase();
    if (n === lower) exact.push(hit);
    else if (n.includes(lower) && partial.length < MAX_HITS) partial.push(hit);
  };
  for (const n of index.nodes) consider(n.name, { kind: 'node', node: n.name, focus: nodeId(n.name), label: `node ${n.name}` });
  for (const s of index.summary.services) {
    const hit: SearchHit = { kind: 'service', namespace: s.namespace, focus: serviceId(s), label: `service ${s.namespace}/${s.name}` };
    if (`${s.namespace}/${s.name}`.toLowerCase() === lower) exact.push(hit);
    else consider(s.name, hit);
  }
  for (const p of index.summary.pods) {
    const node = p.node !== null && index.byName.has(p.node) ? p.node : null;
    if (node === null) continue;
    const hit: SearchHit = { kind: 'pod', node, focus: kubePodId(p), label: `pod ${p.namespace}/${p.name} on ${node}` };
    if (`${p.namespace}/${p.name}`.toLowerCase() === lower) exact.push(hit);
    else consider(p.name, hit);
  }
  return [...exact, ...partial].slice(0, MAX_HITS);
}
