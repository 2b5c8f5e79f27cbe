/**
 * Names the Kubernetes service a connection belongs to, from kube-proxy's chains (frontends and
 * KUBE-SEP endpoints) of each node's ruleset and from kubectl's services, without replaying.
 */
import type { ServiceRecord } from '../records/records';
import type { FlowTuple } from '../correlate/flow-key';
import { kubeProxyServices, type KubeProxyService } from '../netfilter/kube-proxy';
import type { NodeSnapshot } from '../simulate';

const PROTO: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

export class ServiceIndex {
  private readonly byNode = new Map<string, KubeProxyService[]>();
  private readonly all: KubeProxyService[] = [];

  constructor(world: readonly NodeSnapshot[], private readonly kubectl: readonly ServiceRecord[] = []) {
    for (const node of world) {
      const services = node.ruleset ? kubeProxyServices(node.ruleset) : [];
      this.byNode.set(node.name, services);
      this.all.push(...services);
    }
  }

  /** `namespace/name:port` of the service `original` was addressed to (or whose endpoint answered as `reply`). */
  nameOf(original: FlowTuple, node: string, reply: FlowTuple | null, nodeOwns: (address: string) => boolean): string | null {
    const proto = PROTO[original.proto] ?? null;
    const candidates = [...(this.byNode.get(node) ?? []), ...this.all];
    for (const s of candidates) {
      for (const f of s.frontends) {
        if (f.proto !== null && proto !== null && f.proto !== proto) continue;
        if (f.port !== null && f.port !== original.dport) continue;
        if (f.kind === 'node-port' ? (f.address === null ? nodeOwns(original.dst) : f.address === original.dst) : f.address === original.dst)
          return s.name;
      }
    }
    if (reply !== null) {
      const endpoint = reply.sport === null ? reply.src : `${reply.src}:${reply.sport}`;
      const byEndpoint = candidates.find((s) => s.endpoints.includes(endpoint));
      if (byEndpoint) return byEndpoint.name;
    }
    for (const s of this.kubectl) {
      const port = s.ports.find((p) => p.port === original.dport || p.nodePort === original.dport);
      if (!port) continue;
      const addressed = s.clusterIP === original.dst || s.externalIPs.includes(original.dst) || s.loadBalancerIPs.includes(original.dst)
        || (port.nodePort === original.dport && nodeOwns(original.dst));
      // kube-proxy names a service port without a name `ns/name`, so does this.
      if (addressed) return port.name ? `${s.namespace}/${s.name}:${port.name}` : `${s.namespace}/${s.name}`;
    }
    return null;
  }
}
