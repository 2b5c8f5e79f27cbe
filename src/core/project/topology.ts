/**
 * What the topology graph is drawn from: per node its interfaces (with index, peer, link-netns and
 * master, which the nodes view leaves out), routes, bridge ports and the namespaces captured on it
 * (pods, `ip netns exec`), plus the project's Kubernetes services with their endpoints and pods.
 * Composed from all the captures of each node (compose-state.ts), as in the nodes view and the replay;
 * bridge ports are interfaces of their node even where no address capture listed them.
 */
import type { ComposedInterface, ComposedState } from '../model/compose-state';
import { LINK_PARTS, newestRulesetCaptures, nodeState } from '../model/node-state';
import type { CaptureRow, Store } from '../model/store';
import { vethPairs, type VethEnd } from './veth-pairs';
import type { TopologyInterface, TopologyRoute, TopologyBridgePort, TopologyNamespace, TopologyNode, TopologyServicePort, TopologyEndpoint, TopologyService, TopologyPod, TopologyView } from '../views/topology';

function interfacesOf(state: ComposedState, pairs: ReadonlyMap<string, VethEnd> = new Map()): TopologyInterface[] {
  return (state.interfaces ?? []).map((i: ComposedInterface) => ({
    name: i.name,
    index: i.index,
    peer: i.peer,
    linkNetns: i.linkNetns,
    master: i.master,
    state: i.state,
    mac: i.mac,
    linkType: i.linkType,
    mtu: i.mtu,
    addresses: i.addresses.map((a) => a.cidr),
    source: `${i.sourceFile}:${i.line}`,
    knownFrom: i.knownFrom,
    pairedWith: pairs.get(i.name) ?? null,
  }));
}

function routesOf(state: ComposedState): TopologyRoute[] {
  return (state.routes ?? []).map((r) => ({
    dst: r.dst, via: r.via, dev: r.dev, src: r.src, metric: r.metric, type: r.type, table: r.table,
    source: `${r.sourceFile}:${r.line}`,
  }));
}

function nodeOf(store: Store, id: number, name: string): TopologyNode {
  const captures = store.capturesOf(id);
  const namespaces = new Map<string, CaptureRow[]>();
  for (const c of captures) {
    if (c.netns === null) continue;
    const list = namespaces.get(c.netns) ?? [];
    list.push(c);
    namespaces.set(c.netns, list);
  }
  const state = nodeState(store, id, null, LINK_PARTS);
  const states = [...namespaces.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([nsName, list]) => ({ name: nsName, via: list[0]?.netnsVia ?? null, state: nodeState(store, id, nsName, LINK_PARTS) }));
  const pairs = vethPairs(state.interfaces ?? [], new Map(states.map((ns) => [ns.name, ns.state.interfaces ?? []])));
  return {
    name,
    interfaces: interfacesOf(state, pairs),
    routes: routesOf(state),
    bridgePorts: state.bridgePorts.map((p) => ({ bridge: p.bridge, port: p.port, state: p.state })),
    namespaces: states
      .map((ns) => ({ name: ns.name, via: ns.via, interfaces: interfacesOf(ns.state), routes: routesOf(ns.state) }))
      .filter((ns) => ns.interfaces.length > 0 || ns.routes.length > 0),
  };
}

class ServiceMerge {
  private readonly byName = new Map<string, TopologyService>();

  add(store: Store, captureId: number, node: string | null): void {
    for (const s of store.services(captureId)) {
      const service = this.entry(s.namespace, s.name);
      if (!service.origins.includes(s.origin)) service.origins.push(s.origin);
      if (s.origin === 'kube-proxy' && node !== null && !service.programmedOn.includes(node)) service.programmedOn.push(node);
      // kubectl knows the type and the cluster IP for sure; kube-proxy only guesses them from rules.
      if (s.origin === 'kubectl' || service.type === null) service.type = s.type ?? service.type;
      if (s.origin === 'kubectl' || service.clusterIP === null) service.clusterIP = s.clusterIP ?? service.clusterIP;
      for (const ip of s.externalIPs) if (!service.externalIPs.includes(ip)) service.externalIPs.push(ip);
      for (const p of s.ports) {
        const known = service.ports.find((q) => q.port === p.port && q.protocol === p.protocol);
        if (known === undefined) service.ports.push({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort, nodePort: p.nodePort });
        else {
          known.name ??= p.name;
          known.nodePort ??= p.nodePort;
          known.targetPort ??= p.targetPort;
        }
      }
    }
    for (const e of store.endpoints(captureId)) {
      const service = this.entry(e.namespace, e.name);
      if (!service.endpoints.some((x) => x.address === e.address && x.port === e.port)) {
        service.endpoints.push({ address: e.address, port: e.port, portName: e.portName });
      }
    }
  }

  private entry(namespace: string, name: string): TopologyService {
    const key = `${namespace}/${name}`;
    let service = this.byName.get(key);
    if (service === undefined) {
      service = { namespace, name, type: null, clusterIP: null, externalIPs: [], ports: [], endpoints: [], origins: [], programmedOn: [] };
      this.byName.set(key, service);
    }
    return service;
  }

  list(): TopologyService[] {
    return [...this.byName.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }
}

function podsOf(store: Store, kubectl: readonly CaptureRow[]): TopologyPod[] {
  const byName = new Map<string, TopologyPod>();
  // Oldest capture first, so a newer listing of the same pod replaces the older one.
  for (const c of [...kubectl].sort((a, b) => a.id - b.id)) {
    for (const p of store.podsOf(c.id)) byName.set(`${p.namespace}/${p.name}`, p);
  }
  return [...byName.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

export function readTopology(store: Store): TopologyView {
  const services = new ServiceMerge();
  const kubectl = store.kubectlCaptures();
  const nodes: TopologyNode[] = [];
  for (const { id, name } of store.listNodes()) {
    nodes.push(nodeOf(store, id, name));
    // kube-proxy's services as the node's newest ruleset snapshot programs them: every capture that makes it. Only
    // which captures those are is used here, so the node's rulesets are not kept (a fleet's chains, all nodes' at
    // once, would be most of what a report holds).
    for (const captureId of newestRulesetCaptures(store, id)) services.add(store, captureId, name);
  }
  for (const c of kubectl) services.add(store, c.id, null);
  return { nodes, services: services.list(), pods: podsOf(store, kubectl) };
}

/** The named nodes only, as readTopology draws them (for a node opened in the overview); unknown names are left out. */
export function readTopologyNodes(store: Store, names: readonly string[]): TopologyNode[] {
  const wanted = new Set(names);
  return store.listNodes().filter((n) => wanted.has(n.name)).map(({ id, name }) => nodeOf(store, id, name));
}
