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
