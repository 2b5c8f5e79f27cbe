import { assertNever } from '../common/assert-never';
import type { FdbRecord, InterfaceRecord, NeighbourRecord, RuleAction, RuleRecord } from '../records/records';
import { isNamedGateway, namedDestinationPrefix } from '../records/route-names';
import { LINK_PARTS, newestPerFamily, nodeState, type StatePart } from '../model/node-state';
import type { CaptureRow, Store } from '../model/store';
import { vethPairs } from './veth-pairs';
import type { CaptureView, FdbView, InterfaceView, NeighbourView, NodeView, RouteView, RuleView } from '../views/nodes';

const INTERFACES: ReadonlySet<StatePart> = new Set(['interfaces']);

/** Every node of the project as CONTRACT.md's `nodes --json` shows it, ordered by name. */
export function listNodes(store: Store): NodeView[] {
  return store.listNodes().map(({ id, name }) => nodeView(store, id, name));
}

/** One node by name, or null when the project has no such node. */
export function findNodeView(store: Store, name: string): NodeView | null {
  const id = store.findNode(name);
  return id === null ? null : nodeView(store, id, name);
}

function nodeView(store: Store, id: number, name: string): NodeView {
  const state = nodeState(store, id, null, LINK_PARTS);
  const captures = store.capturesOf(id);
  const namespaces = new Map<string, InterfaceRecord[]>();
  for (const netns of new Set(captures.flatMap((c) => (c.netns === null || c.kind !== 'ip-addr' ? [] : [c.netns])))) {
    namespaces.set(netns, nodeState(store, id, netns, INTERFACES).interfaces ?? []);
  }
  const pairs = vethPairs(state.interfaces ?? [], namespaces);
  const interfaces: InterfaceView[] = (state.interfaces ?? []).map((i) => ({
    name: i.name,
    addresses: i.addresses.map((a) => a.cidr),
    mac: i.mac,
    state: i.state,
    master: i.master,
    peer: i.peer,
    pairedWith: pairs.get(i.name) ?? null,
    kind: i.details?.kind ?? null,
    knownFrom: i.knownFrom,
  }));
  const routes: RouteView[] = (state.routes ?? []).map((r) => {
    const namedVia = isNamedGateway(r.via);
    const unresolved = [...(namedDestinationPrefix(r.dst) !== null ? ['dst' as const] : []), ...(namedVia ? ['via' as const] : [])];
    // The contract's `via` is an address or null: a gateway known only by its name goes to `viaName`.
    return {
      dst: r.dst, via: namedVia ? null : r.via, dev: r.dev, src: r.src, metric: r.metric, table: r.table, type: r.type,
      nexthops: (r.nexthops ?? []).map((h) => ({ via: h.via, dev: h.dev, weight: h.weight })),
      ...(namedVia ? { viaName: r.via! } : {}),
      ...(unresolved.length === 0 ? {} : { unresolved }),
    };
  });
  const rules = (newestPerFamily(store, id, 'ip-rule', (c) => store.ipRulesOf(c)) ?? []).map(ruleView);
  const neighbours = (newestPerFamily(store, id, 'ip-neigh', (c) => store.neighboursOf(c)) ?? []).map(neighbourView);
  const fdbCapture = store.newestCapture(id, ['bridge-fdb']);
  const fdb = fdbCapture ? store.fdbEntriesOf(fdbCapture.id).map(fdbView) : [];
  return {
    name, interfaces, routes, rules, neighbours, fdb, captures: captures.map(captureView), conflicts: state.conflicts,
  };
}

function ruleView(r: RuleRecord): RuleView {
  const action: RuleAction = r.action;
  const base = {
    priority: r.priority, family: r.family, not: r.not, from: r.from, to: r.to, iif: r.iif, oif: r.oif,
    fwmark: r.fwmark === null ? null : r.fwmask === 0xffff_ffff ? hex(r.fwmark) : `${hex(r.fwmark)}/${hex(r.fwmask ?? 0)}`,
    suppressPrefixLength: r.suppressPrefixLength, other: r.other,
  };
  switch (action.kind) {
    case 'lookup': return { ...base, action: 'lookup', table: action.table, goto: null };
    case 'goto': return { ...base, action: 'goto', table: null, goto: action.target };
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
    case 'nop':
    case 'nat':
      return { ...base, action: action.kind, table: null, goto: null };
    default: return assertNever(action);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function neighbourView(n: NeighbourRecord): NeighbourView {
  return { address: n.address, family: n.family, dev: n.dev, lladdr: n.lladdr, state: n.states.length === 0 ? null : n.states.join(' '), router: n.router };
}

function fdbView(e: FdbRecord): FdbView {
  return { mac: e.mac, dev: e.dev, master: e.master, vlan: e.vlan, dst: e.dst, vni: e.vni, self: e.self, state: e.state };
}

export function captureSource(c: Pick<CaptureRow, 'sourceFile' | 'firstLine'>): string {
  return c.firstLine === null ? c.sourceFile : `${c.sourceFile}:${c.firstLine}`;
}

export function captureView(c: CaptureRow): CaptureView {
  return {
    id: c.id,
    kind: c.kind,
    takenAt: c.takenAt,
    source: captureSource(c),
    records: c.records,
    netns: c.netns,
    command: c.command,
    partial: c.partial,
    label: c.label,
  };
}
