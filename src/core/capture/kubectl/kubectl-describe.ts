/** `kubectl describe svc` (and the network fields of `kubectl describe pod`): `Key:  value` blocks opened by `Name:`. */
import { endpointListOf, listOf, portNumberOf, presentOrNull, protocolOf, type Fail } from './kubectl-get';
import type { EndpointsRecord, PodRecord, ServicePortRecord, ServiceRecord } from '../../records/records';

const KEY_LINE = /^([A-Za-z][A-Za-z -]{0,40}?):(?:\s+(.*))?$/;
const SERVICE_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);

export interface DescribeBlock {
  line: number;
  fields: Map<string, string>;
  ports: ServicePortRecord[];
  endpoints: string[];
  externalIPs: string[];
  loadBalancerIPs: string[];
}

export type DescribedRecord =
  | { kind: 'service'; record: ServiceRecord; endpoints: EndpointsRecord | null }
  | { kind: 'pod'; record: PodRecord }
  | { kind: 'skipped' };

export function isDescribeStart(text: string): boolean {
  return /^Name:\s/.test(text);
}

export function newDescribeBlock(line: number): DescribeBlock {
  return { line, fields: new Map(), ports: [], endpoints: [], externalIPs: [], loadBalancerIPs: [] };
}

/** One line of a block. Indented lines (label lists, container details, events) carry nothing we model. */
export function readDescribeLine(block: DescribeBlock, text: string, fail: Fail): void {
  if (/^\s/.test(text)) return;
  const m = KEY_LINE.exec(text);
  if (!m) return; // `No events.` and similar prose
  const key = m[1] ?? '';
  const value = (m[2] ?? '').trim();
  switch (key) {
    case 'Port': {
      // `<unset>  80/TCP` or `http  80/TCP`
      const words = value.split(/\s+/);
      const spec = words[words.length - 1] ?? '';
      const pm = /^(\d{1,5})\/([A-Z]+)$/.exec(spec);
      if (!pm) fail(`not a service port: "${spec.slice(0, 40)}"`);
      const parts = pm as RegExpExecArray;
      block.ports.push({
        name: words.length > 1 ? presentOrNull(words[0]) ?? null : null,
        port: portNumberOf(parts[1] ?? '', fail),
        protocol: protocolOf(parts[2] ?? '', fail),
        targetPort: null,
        nodePort: null,
      });
      return;
    }
    case 'TargetPort': {
      const last = block.ports[block.ports.length - 1];
      if (last) last.targetPort = presentOrNull(value.split('/')[0]);
      return;
    }
    case 'NodePort': {
      const last = block.ports[block.ports.length - 1];
      const spec = value.split(/\s+/).pop() ?? '';
      const nm = /^(\d{1,5})\//.exec(spec);
      if (last && nm) last.nodePort = portNumberOf(nm[1] ?? '', fail);
      return;
    }
    case 'Endpoints':
      block.endpoints.push(...endpointListOf(value));
      return;
    case 'External IPs':
      block.externalIPs.push(...listOf(value));
      return;
    case 'LoadBalancer Ingress':
      block.loadBalancerIPs.push(...listOf(value).map((v) => v.split(/\s+/)[0] ?? v));
      return;
    default:
      if (!block.fields.has(key)) block.fields.set(key, value);
  }
}

export function recordOfBlock(block: DescribeBlock): DescribedRecord {
  const f = (key: string): string | null => presentOrNull(block.fields.get(key));
  const name = f('Name');
  if (name === null) return { kind: 'skipped' };
  const namespace = f('Namespace') ?? 'default';
  const type = f('Type');
  if (type !== null && SERVICE_TYPES.has(type)) {
    const clusterIP = f('IP') ?? listOf(block.fields.get('IPs'))[0] ?? null;
    const record: ServiceRecord = {
      namespace, name, type,
      clusterIP: clusterIP === 'None' ? null : clusterIP,
      externalIPs: block.externalIPs,
      loadBalancerIPs: block.loadBalancerIPs,
      ports: block.ports,
      selector: f('Selector'),
      line: block.line,
    };
    const endpoints = block.endpoints.length > 0 ? { namespace, name, endpoints: block.endpoints, line: block.line } : null;
    return { kind: 'service', record, endpoints };
  }
  if (block.fields.has('Node') && (block.fields.has('Containers') || block.fields.has('Status'))) {
    const node = f('Node');
    return {
      kind: 'pod',
      // `Node: worker-1/10.0.0.5` names the node, then its address.
      record: { namespace, name, status: f('Status'), ip: f('IP'), node: node === null ? null : node.split('/')[0] ?? node, line: block.line },
    };
  }
  return { kind: 'skipped' };
}
