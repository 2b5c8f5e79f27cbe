/**
 * Kubernetes services and endpoints read back from kube-proxy's nat chains, in the shape kubectl
 * output is stored in, so a node whose API server was never queried still shows its services.
 */
import type { ServicePortRecord, ServiceRecord } from '../records/records';
import { kubeProxyIndexOf, serviceListOf, type KubeProxyIndex, type KubeProxyService, type KubeProxyServiceList } from '../netfilter/kube-proxy';
import type { EndpointRecord, Store } from '../model/store';
import type { Ruleset } from '../netfilter/ruleset';
import { ServiceBlockWriter, type ServiceBlock } from '../model/service-block';
import { assertNever } from '../common/assert-never';

/**
 * `ns/name:port` → its parts; kube-proxy writes an empty port name for a service's only unnamed port. What
 * /^([^/]+)\/([^:]+):(.*)$/ reads, without its match arrays: the namespace runs to the first slash, the name to the
 * first colon after it, and the port name (`.`) holds no line break.
 */
export function splitServicePortName(text: string): { namespace: string; name: string; portName: string | null } | null {
  const slash = text.indexOf('/');
  if (slash <= 0) return null;
  const colon = text.indexOf(':', slash + 1);
  if (colon <= slash + 1 || LINE_BREAK.test(text.slice(colon + 1))) return null;
  return { namespace: text.slice(0, slash), name: text.slice(slash + 1, colon), portName: colon + 1 === text.length ? null : text.slice(colon + 1) };
}

const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** Where an endpoint goes, as its parts: no object is made for each of a large ruleset's ~50,000. */
type EndpointParts = (namespace: string, name: string, portName: string | null, address: string, port: number | null, line: number) => void;

function protocolOf(proto: string | null): ServicePortRecord['protocol'] {
  switch (proto?.toLowerCase()) {
    case 'udp':
      return 'UDP';
    case 'sctp':
      return 'SCTP';
    default:
      return 'TCP';
  }
}

function addUnique(list: string[], value: string | null): void {
  if (value !== null && !list.includes(value)) list.push(value);
}

/** Stores the services kube-proxy's chains of a parsed ruleset give as capture `captureId`'s one service block, written from the index's columns. */
export function storeKubeProxyRuleset(store: Store, captureId: number, ruleset: Ruleset): void {
  storeKubeProxyBlock(store, captureId, kubeProxyIndexBlock(kubeProxyIndexOf(ruleset, false)));
}

/**
 * The service block of kube-proxy's services, encoded where they were read: the dump reader's thread hands over
 * these two tapes instead of ~60,000 small objects to clone into the writer's thread. Null: nothing to store.
 */
export function kubeProxyServiceBlock(services: readonly KubeProxyService[]): ServiceBlock | null {
  return serviceListBlock(serviceListOf(services));
}

/** kubeProxyServiceBlock of the index's services, written from its columns without a KubeProxyService each. */
export function kubeProxyIndexBlock(index: KubeProxyIndex): ServiceBlock | null {
  return serviceListBlock(index.serviceList());
}

function serviceListBlock(services: KubeProxyServiceList): ServiceBlock | null {
  // Endpoints go to the block as they are found: a 10,000-service ruleset has 50,000 of them.
  const block = new ServiceBlockWriter();
  block.services(gatherServices(services, (namespace, name, portName, address, port, line) => block.endpointParts(namespace, name, portName, line, address, port)));
  return block.finish();
}

export function storeKubeProxyBlock(store: Store, captureId: number, block: ServiceBlock | null): void {
  if (block !== null) store.insertServiceBlock(captureId, 'kube-proxy', block);
}

/** The services, in the order of their first port; each endpoint goes to `endpoint` in order as it is met. */
export function kubeProxyRecords(services: readonly KubeProxyService[], endpoint: (e: EndpointRecord) => void): ServiceRecord[] {
  return gatherServices(serviceListOf(services), (namespace, name, portName, address, port, line) => endpoint({ namespace, name, portName, address, port, line }));
}

function gatherServices(services: KubeProxyServiceList, endpoint: EndpointParts): ServiceRecord[] {
  const byService = new Map<string, ServiceRecord>();
  for (let i = 0; i < services.count; i++) {
    const id = splitServicePortName(services.name(i));
    if (!id) continue;
    const key = `${id.namespace}/${id.name}`;
    let service = byService.get(key);
    if (!service) {
      const first = services.firstFrontend(i);
      service = {
        namespace: id.namespace, name: id.name, type: null, clusterIP: null, externalIPs: [], loadBalancerIPs: [],
        ports: [], selector: null, line: first < 0 ? 0 : services.frontendLine(first),
      };
      byService.set(key, service);
    }
    addPort(service, id.portName, services, i);
    for (const text of services.endpoints(i)) {
      if (LINE_BREAK.test(text)) continue;
      // `address:port`, split at a last colon followed by digits alone (`fd00::1` reads as `fd00:` port 1).
      const colon = text.lastIndexOf(':');
      const port = colon >= 0 ? portAfter(text, colon) : null;
      const address = port === null ? text : text.slice(0, colon);
      endpoint(id.namespace, id.name, id.portName, address, port, service.line);
    }
  }
  return [...byService.values()];
}

/** The number text[colon + 1..] spells when it is digits alone, else null. */
function portAfter(text: string, colon: number): number | null {
  if (colon + 1 >= text.length) return null;
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(text.slice(colon + 1));
}

function addPort(service: ServiceRecord, portName: string | null, services: KubeProxyServiceList, i: number): void {
  let port: number | null = null;
  let proto: string | null = null;
  let nodePort: number | null = null;
  for (let f = services.firstFrontend(i); f >= 0; f = services.nextFrontend(f)) {
    const kind = services.frontendKind(f);
    switch (kind) {
      case 'cluster-ip':
        service.clusterIP ??= services.frontendAddress(f);
        port ??= services.frontendPort(f);
        proto ??= services.frontendProto(f);
        break;
      case 'external-ip':
        addUnique(service.externalIPs, services.frontendAddress(f));
        port ??= services.frontendPort(f);
        break;
      case 'load-balancer':
        addUnique(service.loadBalancerIPs, services.frontendAddress(f));
        port ??= services.frontendPort(f);
        break;
      case 'node-port':
        nodePort ??= services.frontendPort(f);
        proto ??= services.frontendProto(f);
        break;
      default:
        assertNever(kind);
    }
  }
  if (port !== null || nodePort !== null) {
    service.ports.push({ name: portName, port: port ?? 0, protocol: protocolOf(proto), targetPort: null, nodePort });
  }
  service.type =
    service.loadBalancerIPs.length > 0 ? 'LoadBalancer' : service.ports.some((p) => p.nodePort !== null) ? 'NodePort' : 'ClusterIP';
}
