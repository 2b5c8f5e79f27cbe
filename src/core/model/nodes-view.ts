import { LINK_PARTS, nodeState } from './node-state';
import type { CaptureRow, Store } from './store';
import type { CaptureView, InterfaceView, NodeView, RouteView } from './views';

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
  const interfaces: InterfaceView[] = (state.interfaces ?? []).map((i) => ({
    name: i.name,
    addresses: i.addresses.map((a) => a.cidr),
    mac: i.mac,
    state: i.state,
    master: i.master,
    peer: i.peer,
    knownFrom: i.knownFrom,
  }));
  const routes: RouteView[] = (state.routes ?? []).map((r) => ({
    dst: r.dst, via: r.via, dev: r.dev, src: r.src, metric: r.metric, table: r.table, type: r.type,
  }));
  return { name, interfaces, routes, captures: store.capturesOf(id).map(captureView), conflicts: state.conflicts };
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
  };
}
