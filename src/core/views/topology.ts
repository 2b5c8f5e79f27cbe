/**
 * What the topology graph is drawn from, as plain data: per node its interfaces (with index, peer,
 * link-netns and master), routes, bridge ports and the namespaces captured on it, plus the project's
 * Kubernetes services with their endpoints and pods. core/project/topology.ts reads it from the
 * store; the contract serves it as it is (shared/contract/topology-json.ts).
 */

export interface TopologyInterface {
  name: string;
  index: number | null;
  /** `eth0@if18` → `if18`; `veth1@eth0` → `eth0`. */
  peer: string | null;
  linkNetns: string | null;
  master: string | null;
  state: string | null;
  mac: string | null;
  linkType: string | null;
  mtu: number | null;
  addresses: string[];
  /** `file:line` of the interface in its capture. */
  source: string;
  /** 'bridge': known only from a bridge capture, as a port (master set) or a bridge. */
  knownFrom: 'addresses' | 'bridge';
  /**
   * A node's veth: its other end in a namespace captured on the same node, when both ends name each other's ifindex
   * (`nodes --json` pairedWith, core/project/veth-pairs.ts); null otherwise, and for interfaces inside a namespace.
   */
  pairedWith: { netns: string; interface: string } | null;
}

export interface TopologyRoute {
  dst: string;
  via: string | null;
  dev: string | null;
  src: string | null;
  metric: number | null;
  type: string;
  table: string;
  source: string;
}

export interface TopologyBridgePort {
  bridge: string;
  port: string;
  state: string | null;
}

/** A network namespace captured on a node: a pod (`kubectl exec`), `ip netns exec NAME`, `nsenter`. */
export interface TopologyNamespace {
  name: string;
  /** How the capture entered it: `ip-netns`, `kubectl`, `nsenter`... */
  via: string | null;
  interfaces: TopologyInterface[];
  routes: TopologyRoute[];
}

export interface TopologyNode {
  name: string;
  interfaces: TopologyInterface[];
  routes: TopologyRoute[];
  bridgePorts: TopologyBridgePort[];
  namespaces: TopologyNamespace[];
}

export interface TopologyServicePort {
  name: string | null;
  port: number;
  protocol: string;
  targetPort: string | null;
  nodePort: number | null;
}

export interface TopologyEndpoint {
  address: string;
  port: number | null;
  portName: string | null;
}

export interface TopologyService {
  namespace: string;
  name: string;
  type: string | null;
  clusterIP: string | null;
  externalIPs: string[];
  ports: TopologyServicePort[];
  endpoints: TopologyEndpoint[];
  /** Where the service was read from: kubectl output, kube-proxy's rules, or both. */
  origins: Array<'kubectl' | 'kube-proxy'>;
  /** Nodes whose kube-proxy rules program it. */
  programmedOn: string[];
}

export interface TopologyPod {
  namespace: string;
  name: string;
  ip: string | null;
  node: string | null;
  status: string | null;
}

export interface TopologyView {
  nodes: TopologyNode[];
  services: TopologyService[];
  pods: TopologyPod[];
}

/**
 * The overview's answer (`topologySummary`): per node what its box shows, the routes between nodes
 * already reduced to node pairs (or to one full mesh), and the services and pods. Node details (a
 * TopologyNode) come on expand, through `topologyNodes`. core/project/topology-summary.ts computes it.
 */
export interface TopologyNodeSummary {
  name: string;
  /** Addressed interfaces of the node's own namespace other than loopback and bridges. */
  uplinks: Array<{ name: string; addresses: string[] }>;
  bridges: Array<{ name: string; addresses: string[]; ports: number }>;
  /** Connected prefixes behind a bridge or a veth, and the /32 (/128) of each kubectl pod on the node outside them. */
  podNetworks: string[];
  /** Interfaces of the node and of the namespaces captured on it. */
  interfaceCount: number;
  namespaceCount: number;
}

/** A route from one node via an address of another into that node's pod networks (where they are known). */
export interface TopologyRoutePair {
  from: string;
  to: string;
  prefixes: Array<{ dst: string; source: string }>;
}

export type TopologyRoutes =
  | { kind: 'pairs'; pairs: TopologyRoutePair[] }
  /** Every node routes into every other's pod networks: `routes` counts them. */
  | { kind: 'full-mesh'; nodes: number; routes: number };

export interface TopologySummary {
  nodes: TopologyNodeSummary[];
  routes: TopologyRoutes;
  services: TopologyService[];
  pods: TopologyPod[];
}
