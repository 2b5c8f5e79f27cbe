/**
 * The `topology` answer as the UI reads it; core-backend.ts checks at compile time that core's
 * TopologyView (src/core/model/topology-view.ts) still fits.
 */

export interface TopologyInterfaceJson {
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
  source: string;
  /** 'bridge': known only from a bridge capture (`brctl show`, `bridge link`). */
  knownFrom?: 'addresses' | 'bridge';
}

export interface TopologyRouteJson {
  dst: string;
  via: string | null;
  dev: string | null;
  src: string | null;
  metric: number | null;
  type: string;
  table: string;
  source: string;
}

export interface TopologyBridgePortJson {
  bridge: string;
  port: string;
  state: string | null;
}

export interface TopologyNamespaceJson {
  name: string;
  via: string | null;
  interfaces: TopologyInterfaceJson[];
  routes: TopologyRouteJson[];
}

export interface TopologyNodeJson {
  name: string;
  interfaces: TopologyInterfaceJson[];
  routes: TopologyRouteJson[];
  bridgePorts: TopologyBridgePortJson[];
  namespaces: TopologyNamespaceJson[];
}

export interface TopologyServicePortJson {
  name: string | null;
  port: number;
  protocol: string;
  targetPort: string | null;
  nodePort: number | null;
}

export interface TopologyEndpointJson {
  address: string;
  port: number | null;
  portName: string | null;
}

export interface TopologyServiceJson {
  namespace: string;
  name: string;
  type: string | null;
  clusterIP: string | null;
  externalIPs: string[];
  ports: TopologyServicePortJson[];
  endpoints: TopologyEndpointJson[];
  origins: Array<'kubectl' | 'kube-proxy'>;
  programmedOn: string[];
}

export interface TopologyPodJson {
  namespace: string;
  name: string;
  ip: string | null;
  node: string | null;
  status: string | null;
}

export interface TopologyJson {
  nodes: TopologyNodeJson[];
  services: TopologyServiceJson[];
  pods: TopologyPodJson[];
}

/**
 * The overview's answer (`topologySummary`): per node what its box shows, the routes between nodes
 * already reduced to node pairs (or to one full mesh), and the services and pods. Node details (the
 * `TopologyNodeJson` of `topology`) come on expand, through `topologyNodes`.
 */
export interface TopologyNodeSummaryJson {
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
export interface TopologyRoutePairJson {
  from: string;
  to: string;
  prefixes: Array<{ dst: string; source: string }>;
}

/** At this many nodes and more, a full mesh of routes is sent (and drawn) as one overlay, not pair by pair. */
export const FULL_MESH_SUMMARY_MIN_NODES = 4;

export type TopologyRoutesJson =
  | { kind: 'pairs'; pairs: TopologyRoutePairJson[] }
  /** Every node routes into every other's pod networks: `routes` counts them. */
  | { kind: 'full-mesh'; nodes: number; routes: number };

export interface TopologySummaryJson {
  nodes: TopologyNodeSummaryJson[];
  routes: TopologyRoutesJson;
  services: TopologyServiceJson[];
  pods: TopologyPodJson[];
}
